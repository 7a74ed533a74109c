/**
 * Prometheus http_sd target groups for pods annotated `prometheus.io/scrape: "true"`, following
 * the usual annotation convention: `prometheus.io/port` (else the pod's first TCP container port),
 * `prometheus.io/path` and `prometheus.io/scheme`. Pods without an IP, or finished, are left out.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

export const SCRAPE_ANNOTATION = 'prometheus.io/scrape';
export const PORT_ANNOTATION = 'prometheus.io/port';
export const PATH_ANNOTATION = 'prometheus.io/path';
export const SCHEME_ANNOTATION = 'prometheus.io/scheme';

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

function port(pod: Pod): number | undefined {
  const annotated = pod.metadata?.annotations?.[PORT_ANNOTATION];
  if (annotated !== undefined) {
    const n = Number(annotated);
    return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
  }
  for (const c of pod.spec?.containers ?? []) {
    const p = c.ports?.find((x) => (x.protocol ?? 'TCP') === 'TCP');
    if (p) return p.containerPort;
  }
  return undefined;
}

export function podTargets(pods: Pod[]): TargetGroup[] {
  const groups: TargetGroup[] = [];
  for (const pod of pods) {
    const a = pod.metadata?.annotations ?? {};
    if (a[SCRAPE_ANNOTATION] !== 'true') continue;
    const ip = pod.status?.podIP;
    const phase = pod.status?.phase;
    if (!ip || phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp) continue;
    const p = port(pod);
    if (p === undefined) continue;
    const labels: Record<string, string> = {
      __metrics_path__: a[PATH_ANNOTATION] || '/metrics',
      __scheme__: a[SCHEME_ANNOTATION] === 'https' ? 'https' : 'http',
      namespace: pod.metadata?.namespace ?? '',
      pod: pod.metadata?.name ?? '',
    };
    if (pod.spec?.nodeName) labels.node = pod.spec.nodeName;
    for (const [k, v] of Object.entries(pod.metadata?.labels ?? {})) labels[`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`] = v;
    groups.push({ targets: [`${ip.includes(':') ? `[${ip}]` : ip}:${p}`], labels });
  }
  return groups.sort((x, y) => `${x.labels.namespace}/${x.labels.pod}`.localeCompare(`${y.labels.namespace}/${y.labels.pod}`));
}
