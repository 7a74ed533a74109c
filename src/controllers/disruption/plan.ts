/**
 * PodDisruptionBudget arithmetic, as Kubernetes' disruption controller does it: which pods a
 * budget covers, how many must stay healthy, and how many may be disrupted now. Pure; the
 * controller and the API server's eviction handler both use it.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { fromLabelSelector, matchesLabels } from '../../api/machinery/selectors.js';

export interface ControllerRef {
  kind: string;
  name: string;
  uid: string;
}

/** The scale of a pod's controller (a Deployment's for its ReplicaSets); undefined when unknown. */
export type ScaleOf = (namespace: string, ref: ControllerRef) => number | undefined;

export function budgetSelects(pdb: PodDisruptionBudget, pod: Pod): boolean {
  if (pdb.metadata?.namespace !== pod.metadata?.namespace) return false;
  const sel = pdb.spec?.selector;
  // A null selector selects nothing; an empty one everything (policy/v1).
  if (!sel) return false;
  return matchesLabels(fromLabelSelector(sel), pod.metadata?.labels);
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function isActive(pod: Pod): boolean {
  return !pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

/** An int-or-percent against a total; percentages round up, as Kubernetes does for PDBs. */
function scaled(v: number | string, total: number): number | undefined {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return undefined;
  return Math.ceil((Number(m[1]) * total) / 100);
}

export interface BudgetCounts {
  expectedPods: number;
  desiredHealthy: number;
  currentHealthy: number;
  disruptionsAllowed: number;
}

/** Counts for a budget over the pods it selects; `disrupted` names pods already granted an eviction. */
export function budgetCounts(pdb: PodDisruptionBudget, pods: Pod[], scaleOf: ScaleOf, disrupted: Set<string> = new Set()): BudgetCounts {
  const selected = pods.filter((p) => budgetSelects(pdb, p) && isActive(p));
  const currentHealthy = selected.filter((p) => isPodReady(p) && !disrupted.has(p.metadata?.name ?? '')).length;
  const spec = pdb.spec ?? {};
  let expectedPods = selected.length;
  let desiredHealthy = 0;
  const needsScale = spec.maxUnavailable !== undefined || (typeof spec.minAvailable === 'string');
  if (needsScale) {
    // The expected count comes from the controllers' scale, so pods that are missing count as unavailable.
    const controllers = new Map<string, number>();
    let unknown = false;
    for (const p of selected) {
      const ref = p.metadata?.ownerReferences?.find((r) => r.controller);
      if (!ref) { unknown = true; continue; }
      const n = scaleOf(p.metadata?.namespace ?? '', ref);
      if (n === undefined) unknown = true;
      else controllers.set(ref.uid, n);
    }
    expectedPods = unknown && !controllers.size ? selected.length : [...controllers.values()].reduce((a, b) => a + b, 0);
  }
  if (spec.maxUnavailable !== undefined) {
    desiredHealthy = Math.max(0, expectedPods - (scaled(spec.maxUnavailable, expectedPods) ?? 0));
  } else if (spec.minAvailable !== undefined) {
    desiredHealthy = scaled(spec.minAvailable, expectedPods) ?? 0;
  }
  const disruptionsAllowed = Math.max(0, currentHealthy - desiredHealthy);
  return { expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed };
}

/** The status the controller writes; disruptedPods entries older than two minutes or of gone pods are dropped. */
export function budgetStatus(pdb: PodDisruptionBudget, pods: Pod[], scaleOf: ScaleOf, now: number): PodDisruptionBudgetStatus {
  const old = pdb.status?.disruptedPods ?? {};
  const live = new Set(pods.filter((p) => isActive(p) && p.metadata?.namespace === pdb.metadata?.namespace).map((p) => p.metadata?.name ?? ''));
  const disruptedPods: Record<string, string> = {};
  for (const [name, t] of Object.entries(old)) if (live.has(name) && Date.parse(t) + 120_000 > now) disruptedPods[name] = t;
  const c = budgetCounts(pdb, pods, scaleOf, new Set(Object.keys(disruptedPods)));
  const prev = pdb.status?.conditions?.find((x) => x.type === 'DisruptionAllowed');
  const allowed = c.disruptionsAllowed > 0;
  const status = allowed ? 'True' : 'False';
  const transition = prev && prev.status === status ? prev.lastTransitionTime : new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    observedGeneration: pdb.metadata?.generation,
    disruptedPods: Object.keys(disruptedPods).length ? disruptedPods : undefined,
    disruptionsAllowed: c.disruptionsAllowed,
    currentHealthy: c.currentHealthy,
    desiredHealthy: c.desiredHealthy,
    expectedPods: c.expectedPods,
    conditions: [{
      type: 'DisruptionAllowed', status, reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '',
      observedGeneration: pdb.metadata?.generation, lastTransitionTime: transition,
    }],
  };
}
