/** Picks a node for a pod: every filter must pass, the best total score wins. Pure. */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FILTERS, leastAllocated, spreadByOwner, type NodeInfo } from './plugins.js';

export interface ScheduleResult {
  node?: string;
  /** `0/3 nodes are available: 2 Insufficient memory, 1 node(s) were unschedulable.` */
  message?: string;
}

export function schedule(pod: Pod, nodes: NodeInfo[]): ScheduleResult {
  const reasons = new Map<string, number>();
  const feasible: NodeInfo[] = [];
  for (const info of nodes) {
    let failed: string | undefined;
    for (const f of FILTERS) {
      const r = f(pod, info);
      if (!r.ok) {
        failed = r.reason ?? 'unknown';
        break;
      }
    }
    if (failed) reasons.set(failed, (reasons.get(failed) ?? 0) + 1);
    else feasible.push(info);
  }
  if (!feasible.length) {
    const parts = [...reasons.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([r, n]) => `${n} ${r}`);
    const preemption = 'preemption: 0/' + nodes.length + ' nodes are available: ' + (nodes.length ? `${nodes.length} Preemption is not helpful for scheduling.` : 'no nodes available to schedule pods.');
    return { message: `0/${nodes.length} nodes are available${parts.length ? ': ' + parts.join(', ') : ''}. ${preemption}` };
  }
  let best = feasible[0];
  let bestScore = -1;
  for (const info of feasible) {
    const s = leastAllocated(pod, info) + spreadByOwner(pod, info);
    // Ties go to the node name that sorts first, so placement is deterministic.
    if (s > bestScore || (s === bestScore && (info.node.metadata?.name ?? '') < (best.node.metadata?.name ?? ''))) {
      best = info;
      bestScore = s;
    }
  }
  return { node: best.node.metadata?.name };
}
