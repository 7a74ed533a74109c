/**
 * The eviction subresource's check against a pod's PodDisruptionBudget, as Kubernetes' eviction
 * REST handler does it, using the status the disruption controller last wrote. Pure.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { fromLabelSelector, matchesLabels } from '../machinery/selectors.js';

function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The budgets of the pod's namespace whose selector matches it (a null selector matches nothing). */
export function budgetsFor(pod: Pod, pdbs: PodDisruptionBudget[]): PodDisruptionBudget[] {
  return pdbs.filter((b) => b.metadata?.namespace === pod.metadata?.namespace && b.spec?.selector && matchesLabels(fromLabelSelector(b.spec.selector), pod.metadata?.labels));
}

export type EvictionVerdict =
  | { allow: true; decrement: boolean }
  | { allow: false; message: string; cause: string };

/**
 * Whether evicting `pod` is allowed under its budget (the status as last computed by the
 * controller), and whether the eviction uses up one allowed disruption.
 */
export function evictionVerdict(pdb: PodDisruptionBudget, pod: Pod): EvictionVerdict {
  const name = pdb.metadata?.name ?? '';
  const st: PodDisruptionBudgetStatus = pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
  const message = "Cannot evict pod as it would violate the pod's disruption budget.";
  if ((st.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) {
    return { allow: false, message, cause: `The disruption budget ${name} is still being processed by the server.` };
  }
  const healthyBudget = (st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0;
  // An unready pod does not count towards the budget: it may go if the budget is met (or always, by policy).
  if (!isPodReady(pod) && (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' || healthyBudget)) return { allow: true, decrement: false };
  if ((st.disruptionsAllowed ?? 0) <= 0) {
    return { allow: false, message, cause: `The disruption budget ${name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently` };
  }
  return { allow: true, decrement: true };
}
