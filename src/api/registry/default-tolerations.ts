/**
 * The DefaultTolerationSeconds admission plugin: every new pod tolerates the not-ready and
 * unreachable NoExecute taints for a while (300 s by default), so a node that stops reporting
 * has its pods evicted after that long instead of at once.
 */
import type { Toleration } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../machinery/object.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const DEFAULT_TOLERATION_SECONDS = 300;

function toleratesNoExecute(t: Toleration, key: string): boolean {
  if (t.effect && t.effect !== 'NoExecute') return false;
  if (t.operator === 'Exists') return !t.key || t.key === key;
  return t.key === key;
}

/** Adds the two tolerations unless the pod already tolerates the taint (any toleration that would match). */
export function addDefaultTolerations(pod: KObject, seconds: number = DEFAULT_TOLERATION_SECONDS): KObject {
  const spec = (pod.spec ?? {}) as { tolerations?: Toleration[] };
  const tolerations = [...(spec.tolerations ?? [])];
  for (const key of [TAINT_NOT_READY, TAINT_UNREACHABLE]) {
    if (tolerations.some((t) => toleratesNoExecute(t, key))) continue;
    tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  return { ...pod, spec: { ...spec, tolerations } };
}
