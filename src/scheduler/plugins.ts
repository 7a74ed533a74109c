/**
 * Scheduling plugins as pure functions over a snapshot: filters say whether a pod may run on a
 * node (and why not), scores rank the nodes that may. No I/O here.
 */
import type { Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../api/validation/index.js';

export interface NodeInfo {
  node: Node;
  /** Pods bound to this node and not finished. */
  pods: Pod[];
}

export interface FilterResult {
  ok: boolean;
  /** The reason as the scheduler phrases it in `0/N nodes are available: ...`. */
  reason?: string;
}

export interface Resources {
  cpu: number;
  memory: number;
  pods: number;
}

function q(v: unknown): number {
  return v === undefined ? 0 : parseQuantity(String(v)) ?? 0;
}

/** A pod's requests: the sum over containers, or the largest init container if that is more. */
export function podRequests(pod: Pod): Resources {
  const sum = { cpu: 0, memory: 0, pods: 1 };
  for (const c of pod.spec?.containers ?? []) {
    sum.cpu += q(c.resources?.requests?.cpu);
    sum.memory += q(c.resources?.requests?.memory);
  }
  for (const c of pod.spec?.initContainers ?? []) {
    sum.cpu = Math.max(sum.cpu, q(c.resources?.requests?.cpu));
    sum.memory = Math.max(sum.memory, q(c.resources?.requests?.memory));
  }
  return sum;
}

export function allocatable(node: Node): Resources {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  return { cpu: q(a.cpu), memory: q(a.memory), pods: q(a.pods) || 110 };
}

export function requested(info: NodeInfo): Resources {
  const r = { cpu: 0, memory: 0, pods: 0 };
  for (const p of info.pods) {
    const x = podRequests(p);
    r.cpu += x.cpu;
    r.memory += x.memory;
    r.pods += 1;
  }
  return r;
}

export function nodeReady(info: NodeInfo): FilterResult {
  const ready = info.node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return ready ? { ok: true } : { ok: false, reason: "node(s) had untolerated taint {node.kubernetes.io/not-ready: }" };
}

export function nodeUnschedulable(pod: Pod, info: NodeInfo): FilterResult {
  if (!info.node.spec?.unschedulable) return { ok: true };
  const tolerated = (pod.spec?.tolerations ?? []).some((t) => t.key === 'node.kubernetes.io/unschedulable' && (t.operator === 'Exists' || t.effect === undefined || t.effect === 'NoSchedule'));
  return tolerated ? { ok: true } : { ok: false, reason: 'node(s) were unschedulable' };
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

export function taintToleration(pod: Pod, info: NodeInfo): FilterResult {
  for (const taint of info.node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!(pod.spec?.tolerations ?? []).some((t) => tolerates(t, taint))) {
      return { ok: false, reason: `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}` };
    }
  }
  return { ok: true };
}

export function nodeSelector(pod: Pod, info: NodeInfo): FilterResult {
  const labels = info.node.metadata?.labels ?? {};
  const sel = pod.spec?.nodeSelector ?? {};
  const okSel = Object.entries(sel).every(([k, v]) => labels[k] === v);
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const okAff = !terms?.length || terms.some((t) => (t.matchExpressions ?? []).every((e) => {
    const v = labels[e.key];
    switch (e.operator) {
      case 'In': return v !== undefined && (e.values ?? []).includes(v);
      case 'NotIn': return v === undefined || !(e.values ?? []).includes(v);
      case 'Exists': return v !== undefined;
      case 'DoesNotExist': return v === undefined;
      case 'Gt': return v !== undefined && Number(v) > Number(e.values?.[0]);
      case 'Lt': return v !== undefined && Number(v) < Number(e.values?.[0]);
      default: return false;
    }
  }) && (t.matchFields ?? []).every((f) => f.key === 'metadata.name' && (f.operator === 'In' ? (f.values ?? []).includes(info.node.metadata?.name ?? '') : !(f.values ?? []).includes(info.node.metadata?.name ?? ''))));
  return okSel && okAff ? { ok: true } : { ok: false, reason: "node(s) didn't match Pod's node affinity/selector" };
}

export function resourcesFit(pod: Pod, info: NodeInfo): FilterResult {
  const want = podRequests(pod);
  const have = allocatable(info.node);
  const used = requested(info);
  if (used.pods + 1 > have.pods) return { ok: false, reason: 'Too many pods' };
  if (want.cpu > 0 && used.cpu + want.cpu > have.cpu + 1e-9) return { ok: false, reason: 'Insufficient cpu' };
  if (want.memory > 0 && used.memory + want.memory > have.memory) return { ok: false, reason: 'Insufficient memory' };
  return { ok: true };
}

export function hostPorts(pod: Pod, info: NodeInfo): FilterResult {
  const wanted = (pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort).map((p) => `${p.protocol ?? 'TCP'}/${p.hostPort}`));
  if (!wanted.length) return { ok: true };
  const taken = new Set(info.pods.flatMap((p) => (p.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).filter((x) => x.hostPort).map((x) => `${x.protocol ?? 'TCP'}/${x.hostPort}`))));
  return wanted.some((w) => taken.has(w)) ? { ok: false, reason: "node(s) didn't have free ports for the requested pod ports" } : { ok: true };
}

export function nodeName(pod: Pod, info: NodeInfo): FilterResult {
  const want = pod.spec?.nodeName;
  return !want || want === info.node.metadata?.name ? { ok: true } : { ok: false, reason: "node(s) didn't match the requested node name" };
}

export const FILTERS: ((pod: Pod, info: NodeInfo) => FilterResult)[] = [
  (_p, i) => nodeReady(i), nodeUnschedulable, nodeName, nodeSelector, taintToleration, hostPorts, resourcesFit,
];

/** Least allocated: more free CPU and memory after placing the pod scores higher (0..100). */
export function leastAllocated(pod: Pod, info: NodeInfo): number {
  const have = allocatable(info.node);
  const used = requested(info);
  const want = podRequests(pod);
  const free = (cap: number, u: number): number => (cap > 0 ? Math.max(0, (cap - u) / cap) : 0);
  return Math.round(50 * free(have.cpu, used.cpu + want.cpu) + 50 * free(have.memory, used.memory + want.memory));
}

/** Spreading: fewer pods of the same owner on a node scores higher. */
export function spreadByOwner(pod: Pod, info: NodeInfo): number {
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
  if (!owner) return 0;
  const same = info.pods.filter((p) => p.metadata?.ownerReferences?.some((r) => r.uid === owner)).length;
  return Math.max(0, 100 - same * 10);
}
