/**
 * What the node lifecycle controller decides, as pure functions: when a node whose Lease went
 * quiet becomes Unknown, which taints a node's conditions call for, and when a pod on a
 * NoExecute-tainted node must go (taint-based eviction).
 */
import type { Node, NodeCondition, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
const MANAGED = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE]);

export const NODE_STATUS_UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function readyStatus(node: Node): string | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

/**
 * The conditions to write when the node's last heartbeat was seen more than `graceMs` ago and it
 * is not Unknown yet: every condition Unknown, reason NodeStatusUnknown; undefined when nothing changes.
 */
export function planNodeHealth(node: Node, lastSeenMs: number, now: number, graceMs: number): NodeCondition[] | undefined {
  if (now - lastSeenMs <= graceMs) return undefined;
  const conds = node.status?.conditions ?? [];
  const types = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
  if (types.every((t) => conds.find((c) => c.type === t)?.status === 'Unknown')) return undefined;
  const t = rfc3339(now);
  const next = conds.map((c) => (types.includes(c.type) && c.status !== 'Unknown'
    ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: NODE_STATUS_UNKNOWN_MESSAGE, lastTransitionTime: t }
    : c));
  for (const type of types) {
    if (!next.some((c) => c.type === type)) {
      next.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: t, lastTransitionTime: t });
    }
  }
  return next;
}

/**
 * The node's taints with the ones this controller manages set from its state: not-ready or
 * unreachable (NoSchedule and NoExecute) from the Ready condition, unschedulable from
 * spec.unschedulable. Existing taints keep their timeAdded.
 */
export function desiredTaints(node: Node, now: number): Taint[] {
  const current = node.spec?.taints ?? [];
  const ready = readyStatus(node);
  const want: Taint[] = [];
  const key = ready === 'False' ? TAINT_NOT_READY : ready === 'Unknown' ? TAINT_UNREACHABLE : undefined;
  if (key) want.push({ key, effect: 'NoSchedule' }, { key, effect: 'NoExecute' });
  if (node.spec?.unschedulable) want.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  const kept = current.filter((t) => !MANAGED.has(t.key));
  const added = want.map((w) => {
    const old = current.find((t) => t.key === w.key && t.effect === w.effect);
    if (old) return old;
    return w.effect === 'NoExecute' ? { ...w, timeAdded: rfc3339(now) } : w;
  });
  return [...kept, ...added];
}

export function sameTaints(a: Taint[] | undefined, b: Taint[] | undefined): boolean {
  const k = (t: Taint): string => `${t.key}=${t.value ?? ''}:${t.effect}`;
  const x = (a ?? []).map(k).sort();
  const y = (b ?? []).map(k).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

export type EvictionPlan = { action: 'keep' } | { action: 'evict' } | { action: 'wait'; ms: number };

/**
 * Taint-based eviction for one pod: an untolerated NoExecute taint evicts at once; tolerated
 * ones evict when the shortest tolerationSeconds since the taint was added has passed.
 */
export function planTaintEviction(pod: Pod, taints: Taint[], now: number): EvictionPlan {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (!noExecute.length) return { action: 'keep' };
  let deadline = Infinity;
  for (const taint of noExecute) {
    const matching = (pod.spec?.tolerations ?? []).filter((t) => tolerates(t, taint));
    if (!matching.length) return { action: 'evict' };
    // A toleration without tolerationSeconds tolerates the taint forever.
    const seconds = Math.min(...matching.map((t) => (t.tolerationSeconds === undefined || t.tolerationSeconds === null ? Infinity : Math.max(0, t.tolerationSeconds))));
    if (seconds === Infinity) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : now;
    deadline = Math.min(deadline, added + seconds * 1000);
  }
  if (deadline === Infinity) return { action: 'keep' };
  return deadline <= now ? { action: 'evict' } : { action: 'wait', ms: deadline - now };
}

/** A pod's status with Ready=False, as the controller marks pods on a node that stopped reporting. */
export function podStatusNotReady(pod: Pod, now: number): Pod['status'] | undefined {
  const conds = pod.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  if (ready?.status === 'False') return undefined;
  const t = rfc3339(now);
  const next = ready
    ? conds.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: t } : c))
    : [...conds, { type: 'Ready', status: 'False', lastTransitionTime: t }];
  return { ...pod.status, conditions: next };
}
