/**
 * Scheduling plugins as pure functions over a snapshot: filters say whether a pod may run on a
 * node (and why not), scores rank the nodes that may. No I/O here.
 */
import type { Node, NodeSelectorTerm, Pod, PodAffinityTerm, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { fromLabelSelector, matchesLabels } from '../api/machinery/selectors.js';
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
  /** Whether evicting lower-priority pods could make room (Kubernetes' Unschedulable vs UnschedulableAndUnresolvable). */
  resolvable?: boolean;
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
  const status = info.node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  if (status === 'True') return { ok: true };
  const key = status === 'False' ? 'node.kubernetes.io/not-ready' : 'node.kubernetes.io/unreachable';
  return { ok: false, reason: `node(s) had untolerated taint {${key}: }` };
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

function matchesExpression(e: { key: string; operator: string; values?: string[] }, value: string | undefined): boolean {
  switch (e.operator) {
    case 'In': return value !== undefined && (e.values ?? []).includes(value);
    case 'NotIn': return value === undefined || !(e.values ?? []).includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': return value !== undefined && /^-?\d+$/.test(value) && Number(value) > Number(e.values?.[0]);
    case 'Lt': return value !== undefined && /^-?\d+$/.test(value) && Number(value) < Number(e.values?.[0]);
    default: return false;
  }
}

/** A node selector term: every label expression and every field expression (metadata.name only) must hold. */
export function matchesNodeSelectorTerm(term: NodeSelectorTerm, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  const fields: Record<string, string> = { 'metadata.name': node.metadata?.name ?? '' };
  // An empty term matches no node, as in Kubernetes.
  if (!term.matchExpressions?.length && !term.matchFields?.length) return false;
  return (term.matchExpressions ?? []).every((e) => matchesExpression(e, labels[e.key]))
    && (term.matchFields ?? []).every((f) => matchesExpression(f, fields[f.key]));
}

export function nodeSelector(pod: Pod, info: NodeInfo): FilterResult {
  const labels = info.node.metadata?.labels ?? {};
  const sel = pod.spec?.nodeSelector ?? {};
  const okSel = Object.entries(sel).every(([k, v]) => labels[k] === v);
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const okAff = !terms?.length || terms.some((t) => matchesNodeSelectorTerm(t, info.node));
  return okSel && okAff ? { ok: true } : { ok: false, reason: "node(s) didn't match Pod's node affinity/selector" };
}

/** Whether an affinity term of `owner` selects `other` (same namespace unless namespaces are listed). */
function termSelects(term: PodAffinityTerm, owner: Pod, other: Pod): boolean {
  const namespaces = term.namespaces?.length ? term.namespaces : term.namespaceSelector ? undefined : [owner.metadata?.namespace ?? ''];
  if (namespaces && !namespaces.includes(other.metadata?.namespace ?? '')) return false;
  if (!term.labelSelector) return false;
  return matchesLabels(fromLabelSelector(term.labelSelector), other.metadata?.labels);
}

function sameTopology(a: Node, b: Node, key: string): boolean {
  const va = a.metadata?.labels?.[key];
  return va !== undefined && va === b.metadata?.labels?.[key];
}

/**
 * Required inter-pod anti-affinity, both ways: the pod's own terms must select no pod in the
 * node's topology domain, and no pod there may have a term selecting this pod.
 */
export function podAntiAffinity(pod: Pod, info: NodeInfo, all: NodeInfo[]): FilterResult {
  const own = pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  for (const other of all) {
    for (const term of own) {
      if (!sameTopology(info.node, other.node, term.topologyKey)) continue;
      if (other.pods.some((p) => p.metadata?.uid !== pod.metadata?.uid && termSelects(term, pod, p))) {
        return { ok: false, reason: "node(s) didn't match pod anti-affinity rules", resolvable: true };
      }
    }
    for (const p of other.pods) {
      for (const term of p.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
        if (sameTopology(info.node, other.node, term.topologyKey) && termSelects(term, p, pod)) {
          return { ok: false, reason: "node(s) didn't satisfy existing pods anti-affinity rules", resolvable: true };
        }
      }
    }
  }
  return { ok: true };
}

/** Required inter-pod affinity: each term must select some pod in the node's topology domain. */
export function podAffinity(pod: Pod, info: NodeInfo, all: NodeInfo[]): FilterResult {
  const terms = pod.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  for (const term of terms) {
    const found = all.some((o) => sameTopology(info.node, o.node, term.topologyKey) && o.pods.some((p) => termSelects(term, pod, p)));
    // A pod matching its own term may start the group anywhere, as Kubernetes allows for the first one.
    const firstOfGroup = !all.some((o) => o.pods.some((p) => termSelects(term, pod, p))) && termSelects(term, pod, pod);
    if (!found && !firstOfGroup) return { ok: false, reason: "node(s) didn't match pod affinity rules" };
  }
  return { ok: true };
}

export function resourcesFit(pod: Pod, info: NodeInfo): FilterResult {
  const want = podRequests(pod);
  const have = allocatable(info.node);
  const used = requested(info);
  if (used.pods + 1 > have.pods) return { ok: false, reason: 'Too many pods', resolvable: true };
  if (want.cpu > 0 && used.cpu + want.cpu > have.cpu + 1e-9) return { ok: false, reason: 'Insufficient cpu', resolvable: true };
  if (want.memory > 0 && used.memory + want.memory > have.memory) return { ok: false, reason: 'Insufficient memory', resolvable: true };
  return { ok: true };
}

export function hostPorts(pod: Pod, info: NodeInfo): FilterResult {
  const wanted = (pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort).map((p) => `${p.protocol ?? 'TCP'}/${p.hostPort}`));
  if (!wanted.length) return { ok: true };
  const taken = new Set(info.pods.flatMap((p) => (p.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).filter((x) => x.hostPort).map((x) => `${x.protocol ?? 'TCP'}/${x.hostPort}`))));
  return wanted.some((w) => taken.has(w)) ? { ok: false, reason: "node(s) didn't have free ports for the requested pod ports", resolvable: true } : { ok: true };
}

export function nodeName(pod: Pod, info: NodeInfo): FilterResult {
  const want = pod.spec?.nodeName;
  return !want || want === info.node.metadata?.name ? { ok: true } : { ok: false, reason: "node(s) didn't match the requested node name" };
}

/** Least allocated: more free CPU and memory after placing the pod scores higher (0..100). */
export function leastAllocated(pod: Pod, info: NodeInfo): number {
  const have = allocatable(info.node);
  const used = requested(info);
  const want = podRequests(pod);
  const free = (cap: number, u: number): number => (cap > 0 ? Math.max(0, (cap - u) / cap) : 0);
  return Math.round(50 * free(have.cpu, used.cpu + want.cpu) + 50 * free(have.memory, used.memory + want.memory));
}

/** Spreading: how many pods of the same controller already run on the node (fewer is better). */
export function ownerPodsOn(pod: Pod, info: NodeInfo): number {
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
  if (!owner) return 0;
  return info.pods.filter((p) => p.metadata?.uid !== pod.metadata?.uid && p.metadata?.ownerReferences?.some((r) => r.uid === owner)).length;
}

/** Preferred node affinity: the sum of the weights of the preferred terms the node matches (normalized later). */
export function preferredNodeAffinity(pod: Pod, info: NodeInfo): number {
  let sum = 0;
  for (const p of pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (p.weight && matchesNodeSelectorTerm(p.preference, info.node)) sum += p.weight;
  }
  return sum;
}

/** Preferred pod anti-affinity: minus the weight of each term that a pod in the node's domain matches. */
export function preferredPodAntiAffinity(pod: Pod, info: NodeInfo, all: NodeInfo[]): number {
  let sum = 0;
  for (const w of pod.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    const hit = all.some((o) => sameTopology(info.node, o.node, w.podAffinityTerm.topologyKey) && o.pods.some((p) => termSelects(w.podAffinityTerm, pod, p)));
    if (hit) sum -= w.weight;
  }
  return sum;
}
