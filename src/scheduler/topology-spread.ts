/**
 * Pod topology spread, as Kubernetes' PodTopologySpread plugin judges it: pods matching a constraint's
 * selector are counted per topology domain (the nodes sharing a value of `topologyKey`); a node may take
 * the pod while its domain would stay within `maxSkew` of the emptiest domain (DoNotSchedule), and nodes
 * whose domains hold fewer matching pods score higher (ScheduleAnyway). Pure.
 */
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { fromLabelSelector, matchesLabels } from '../api/machinery/selectors.js';
import { matchesNodeSelectorTerm, type FilterResult, type NodeInfo } from './plugins.js';

/** The constraint's selector, narrowed by the values of the pod's own labels named in matchLabelKeys. */
function selects(c: TopologySpreadConstraint, pod: Pod, other: Pod): boolean {
  if (other.metadata?.namespace !== pod.metadata?.namespace || other.metadata?.deletionTimestamp) return false;
  if (!c.labelSelector) return false;
  const labels = other.metadata?.labels;
  const own = pod.metadata?.labels ?? {};
  if ((c.matchLabelKeys ?? []).some((k) => own[k] !== undefined && labels?.[k] !== own[k])) return false;
  return matchesLabels(fromLabelSelector(c.labelSelector), labels);
}

/** Nodes that count as domains: they carry the key and, by default (nodeAffinityPolicy Honor), fit the pod's node selector and affinity. */
function eligible(c: TopologySpreadConstraint, pod: Pod, info: NodeInfo): boolean {
  const labels = info.node.metadata?.labels ?? {};
  if (labels[c.topologyKey] === undefined) return false;
  if (c.nodeAffinityPolicy === 'Ignore') return true;
  if (!Object.entries(pod.spec?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return !terms?.length || terms.some((t) => matchesNodeSelectorTerm(t, info.node));
}

/** Matching pods per domain value, over the eligible nodes; every eligible domain is present, empty ones with 0. */
export function domainCounts(c: TopologySpreadConstraint, pod: Pod, all: NodeInfo[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const info of all) {
    if (!eligible(c, pod, info)) continue;
    const domain = info.node.metadata?.labels?.[c.topologyKey] ?? '';
    const n = info.pods.filter((p) => p.metadata?.uid !== pod.metadata?.uid && selects(c, pod, p)).length;
    counts.set(domain, (counts.get(domain) ?? 0) + n);
  }
  return counts;
}

function constraints(pod: Pod, when: 'DoNotSchedule' | 'ScheduleAnyway'): TopologySpreadConstraint[] {
  return (pod.spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === when);
}

export function podTopologySpread(pod: Pod, info: NodeInfo, all: NodeInfo[]): FilterResult {
  for (const c of constraints(pod, 'DoNotSchedule')) {
    const domain = info.node.metadata?.labels?.[c.topologyKey];
    if (domain === undefined) return { ok: false, reason: "node(s) didn't match pod topology spread constraints (missing required label)" };
    const counts = domainCounts(c, pod, all);
    // Fewer domains than minDomains: the missing ones count as empty, so the minimum is 0.
    const min = c.minDomains !== undefined && counts.size < c.minDomains ? 0 : Math.min(...counts.values());
    const self = selects(c, pod, pod) ? 1 : 0;
    if ((counts.get(domain) ?? 0) + self - min > c.maxSkew) {
      return { ok: false, reason: "node(s) didn't match pod topology spread constraints", resolvable: true };
    }
  }
  return { ok: true };
}

/** ScheduleAnyway constraints: the matching pods already in the node's domains (fewer is better; normalized later). */
export function topologySpreadScore(pod: Pod, info: NodeInfo, all: NodeInfo[]): number {
  let sum = 0;
  for (const c of constraints(pod, 'ScheduleAnyway')) {
    const domain = info.node.metadata?.labels?.[c.topologyKey];
    if (domain === undefined) continue;
    sum += domainCounts(c, pod, all).get(domain) ?? 0;
  }
  return sum;
}
