/** Picks a node for a pod: every filter must pass, then weighted, normalized scores rank the rest. Pure. */
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  hostPorts, leastAllocated, nodeName, nodeReady, nodeSelector, nodeUnschedulable, ownerPodsOn, podAffinity, podAntiAffinity,
  preferredNodeAffinity, preferredPodAntiAffinity, resourcesFit, taintToleration, type FilterResult, type NodeInfo,
} from './plugins.js';
import { podTopologySpread, topologySpreadScore } from './topology-spread.js';

/** In Kubernetes' order; the first failing filter names the node's reason. `all` is the whole snapshot. */
const FILTERS: ((pod: Pod, info: NodeInfo, all: NodeInfo[]) => FilterResult)[] = [
  (_p, i) => nodeReady(i), nodeUnschedulable, nodeName, nodeSelector, taintToleration, hostPorts, resourcesFit,
  podTopologySpread, podAffinity, podAntiAffinity,
];

export interface ScheduleResult {
  node?: string;
  /** `0/3 nodes are available: 2 Insufficient memory, 1 node(s) were unschedulable. preemption: ...` */
  message?: string;
}

/** Kubernetes' FitError text: reasons counted per node and sorted as strings, then the preemption summary. */
export function fitErrorMessage(total: number, failures: { reason: string; resolvable: boolean }[]): string {
  const count = (keys: string[]): string[] => {
    const m = new Map<string, number>();
    for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
    return [...m.entries()].map(([k, n]) => `${n} ${k}`).sort();
  };
  const reasons = count(failures.map((f) => f.reason));
  const head = `0/${total} nodes are available${reasons.length ? `: ${reasons.join(', ')}` : ''}.`;
  if (!total) return `${head} preemption: 0/0 nodes are available: no nodes available to schedule pods.`;
  // Every pod here has the same priority, so preemption never finds victims where it could help.
  const preemption = count(failures.map((f) => (f.resolvable ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling')));
  return `${head} preemption: 0/${total} nodes are available: ${preemption.join(', ')}.`;
}

/** Scales raw scores to 0..100 (highest raw = 100); all-equal raws give every node the same score. */
function normalize(raw: number[], reverse = false): number[] {
  const max = Math.max(...raw);
  const min = Math.min(...raw);
  if (max === min) return raw.map(() => 0);
  return raw.map((r) => Math.round((100 * (reverse ? max - r : r - min)) / (max - min)));
}

export function schedule(pod: Pod, nodes: NodeInfo[]): ScheduleResult {
  const failures: { reason: string; resolvable: boolean }[] = [];
  const feasible: NodeInfo[] = [];
  for (const info of nodes) {
    let failed: { reason: string; resolvable: boolean } | undefined;
    for (const f of FILTERS) {
      const r = f(pod, info, nodes);
      if (!r.ok) {
        failed = { reason: r.reason ?? 'unknown', resolvable: r.resolvable ?? false };
        break;
      }
    }
    if (failed) failures.push(failed);
    else feasible.push(info);
  }
  if (!feasible.length) return { message: fitErrorMessage(nodes.length, failures) };
  // Weights as in Kubernetes' default profile: balance 1, spreading and affinities 2.
  const least = feasible.map((i) => leastAllocated(pod, i));
  const spread = normalize(feasible.map((i) => ownerPodsOn(pod, i)), true);
  const nodeAff = normalize(feasible.map((i) => preferredNodeAffinity(pod, i)));
  const antiAff = normalize(feasible.map((i) => preferredPodAntiAffinity(pod, i, nodes)));
  const topology = normalize(feasible.map((i) => topologySpreadScore(pod, i, nodes)), true);
  let best = 0;
  let bestScore = -1;
  feasible.forEach((info, i) => {
    const s = least[i] + 2 * spread[i] + 2 * nodeAff[i] + 2 * antiAff[i] + 2 * topology[i];
    // Ties go to the node name that sorts first, so placement is deterministic.
    if (s > bestScore || (s === bestScore && (info.node.metadata?.name ?? '') < (feasible[best].node.metadata?.name ?? ''))) {
      best = i;
      bestScore = s;
    }
  });
  return { node: feasible[best].node.metadata?.name };
}
