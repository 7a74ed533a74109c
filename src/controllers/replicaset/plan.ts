/**
 * The ReplicaSet controller's pure decisions: which pods it owns, adopts or releases, how many
 * pods to create or which to delete, and the status it reports. No I/O; `now` is passed in.
 */
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { deepCopy } from '../../api/machinery/object.js';
import { fromLabelSelector, matchesLabels } from '../../api/machinery/selectors.js';

/**
 * The most pods one sync creates or deletes. Kubernetes picked 500 as a realistic burst for a
 * cluster's API server; a single-node skiff is far smaller, so the cap mainly bounds a typo
 * like `replicas: 10000` to a few syncs' worth of damage at a time.
 */
export const BURST_REPLICAS = 500;
/** Creates go out in batches 1, 2, 4, ... so a failing template costs one call, not hundreds. */
export const SLOW_START_INITIAL_BATCH = 1;

export const REPLICA_FAILURE = 'ReplicaFailure';

/** The controller reference of an object: the one ownerReference with controller: true. */
export function controllerRefOf(obj: { metadata?: { ownerReferences?: OwnerReference[] } }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** Pods that still count toward replicas: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

function readyCondition(pod: Pod): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds, as Kubernetes counts availability. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now;
}

export interface PodClaim {
  /** Pods controlled by the ReplicaSet that still match its selector (adoptions included). */
  owned: Pod[];
  /** Orphans that match the selector: the ReplicaSet takes them as its own. */
  adopt: Pod[];
  /** Pods it controls that no longer match: it lets go of them. */
  release: Pod[];
}

/**
 * Sorts the pods of a namespace into what the ReplicaSet keeps, adopts and releases, following
 * ownerReferences first and the selector for orphans. A ReplicaSet being deleted adopts nothing.
 */
export function claimPods(rs: ReplicaSet, pods: Pod[]): PodClaim {
  const selector = fromLabelSelector(rs.spec?.selector);
  const uid = rs.metadata?.uid;
  const claim: PodClaim = { owned: [], adopt: [], release: [] };
  // An empty selector would match every pod in the namespace; Kubernetes refuses it, and so do we.
  if (selector.length === 0) return claim;
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    const matches = matchesLabels(selector, pod.metadata?.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) claim.owned.push(pod);
      else if (!pod.metadata?.deletionTimestamp) claim.release.push(pod);
      continue;
    }
    if (matches && !pod.metadata?.deletionTimestamp && !rs.metadata?.deletionTimestamp) {
      claim.adopt.push(pod);
      claim.owned.push(pod);
    }
  }
  return claim;
}

/** The owner reference a ReplicaSet puts on its pods (and on those it adopts). */
export function ownerReferenceFor(owner: { apiVersion?: string; kind?: string; metadata?: { name?: string; uid?: string } }, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export type ReplicaPlan = { type: 'none' } | { type: 'create'; count: number } | { type: 'delete'; pods: Pod[] };

/** Compares active pods with spec.replicas: create the shortfall or delete the excess, at most `burst` at a time. */
export function planReplicas(rs: ReplicaSet, activePods: Pod[], burst = BURST_REPLICAS): ReplicaPlan {
  const want = rs.spec?.replicas ?? 1;
  const diff = activePods.length - want;
  if (diff < 0) return { type: 'create', count: Math.min(-diff, burst) };
  if (diff > 0) return { type: 'delete', pods: getPodsToDelete(activePods, Math.min(diff, burst)) };
  return { type: 'none' };
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function ms(t: string | undefined): number {
  const v = t ? Date.parse(t) : NaN;
  return Number.isNaN(v) ? 0 : v;
}

/**
 * Orders pods so that the cheapest to lose come first, as Kubernetes' ActivePods does:
 * unscheduled before scheduled, pending before running, not ready before ready, ready for
 * less time before longer, more restarts before fewer, newer before older.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const assigned = (p: Pod): number => (p.spec?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: Pod): number => PHASE_RANK[p.status?.phase ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: Pod): number => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  if (ready(a) && ready(b)) {
    const since = (p: Pod): number => ms(readyCondition(p)?.lastTransitionTime);
    if (since(a) !== since(b)) return since(b) - since(a);
  }
  const restarts = (p: Pod): number => (p.status?.containerStatuses ?? []).reduce((m, c) => Math.max(m, c.restartCount ?? 0), 0);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: Pod): number => ms(p.metadata?.creationTimestamp);
  if (created(a) !== created(b)) return created(b) - created(a);
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** The `count` pods to delete when scaling down. */
export function getPodsToDelete(pods: Pod[], count: number): Pod[] {
  return [...pods].sort(compareForDeletion).slice(0, count);
}

/** A fresh pod for the ReplicaSet: the template, a generated name `<rs>-xxxxx` and a controller reference. */
export function newPodFromTemplate(rs: ReplicaSet): Pod {
  const template: PodTemplateSpec = deepCopy(rs.spec?.template ?? {});
  const meta = template.metadata ?? {};
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata?.name ?? ''}-`, namespace: rs.metadata?.namespace,
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
      ...(meta.finalizers ? { finalizers: meta.finalizers } : {}),
      ownerReferences: [ownerReferenceFor(rs, 'apps/v1', 'ReplicaSet')],
    },
    spec: template.spec ?? { containers: [] },
  };
}

export interface ManageError {
  /** Whether the failed step was creating (FailedCreate) or deleting (FailedDelete). */
  creating: boolean;
  message: string;
}

/**
 * The status a ReplicaSet reports for its active pods. A failed create or delete raises
 * ReplicaFailure; a sync without errors clears it. Conditions keep their transition times.
 */
export function calculateStatus(rs: ReplicaSet, activePods: Pod[], manageError: ManageError | undefined, now: number): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of activePods) {
    const labels = pod.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  let conditions: ReplicaSetCondition[] = [...(rs.status?.conditions ?? [])];
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageError && !failure) {
    conditions.push({
      type: REPLICA_FAILURE, status: 'True', reason: manageError.creating ? 'FailedCreate' : 'FailedDelete',
      message: manageError.message, lastTransitionTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  return {
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    ...(rs.metadata?.generation !== undefined ? { observedGeneration: rs.metadata.generation } : {}),
    ...(conditions.length ? { conditions } : {}),
  };
}

/**
 * Runs `fn` `count` times in batches of 1, 2, 4, ... (starting at `initialBatchSize`), all calls
 * of a batch in parallel. It stops after the first batch with a failure, so a template the
 * server rejects costs one call rather than `count`. Returns the successes and the first error.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.length - results.filter((r) => r.status === 'rejected').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}
