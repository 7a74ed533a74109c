/**
 * The StatefulSet controller's pure plan: pods with stable names and ordinals, one claim per pod
 * and claim template, created in order (OrderedReady, each Running and Ready before the next) or
 * all at once (Parallel), removed highest ordinal first, rolled to the update revision from the
 * highest ordinal down to the partition, and the status `kubectl rollout status` reads.
 */
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { deepCopy } from '../../api/machinery/object.js';
import { CONTROLLER_REVISION_HASH_LABEL, templateOf } from '../history/revision.js';
import { isPodAvailable, isPodReady, ownerReferenceFor } from '../replicaset/plan.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export const SUCCESSFUL_CREATE = 'SuccessfulCreate';
export const FAILED_CREATE = 'FailedCreate';
export const SUCCESSFUL_DELETE = 'SuccessfulDelete';
export const FAILED_DELETE = 'FailedDelete';
export const RECREATING_FAILED_POD = 'RecreatingFailedPod';

/** A revision as the plan needs it: its name (the pods' hash label) and the template it holds. */
export interface PlanRevision {
  name: string;
  template: PodTemplateSpec;
}

export function planRevision(rev: ControllerRevision): PlanRevision {
  return { name: rev.metadata?.name ?? '', template: templateOf(rev) };
}

export type StatefulSetAction =
  /** Create the pod, after the claims it needs that do not exist yet. */
  | { type: 'createPod'; pod: Pod; claims: PersistentVolumeClaim[] }
  /** Claims missing under a pod that exists (deleted by hand, say): make them again. */
  | { type: 'createClaims'; podName: string; claims: PersistentVolumeClaim[] }
  | { type: 'deletePod'; pod: Pod; failed: boolean }
  /** Set a claim's owner references per persistentVolumeClaimRetentionPolicy. */
  | { type: 'setClaimOwners'; claim: PersistentVolumeClaim; ownerReferences: OwnerReference[] };

export interface StatefulSetPlan {
  actions: StatefulSetAction[];
  status: StatefulSetStatus;
  requeueAfterMs?: number;
}

export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

/** The ordinal in a pod name `<set>-<n>`, or undefined for a pod that is not a member. */
export function ordinalOf(set: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${set.metadata?.name ?? ''}-`;
  const name = pod.metadata?.name ?? '';
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export const podName = (set: StatefulSet, ordinal: number): string => `${set.metadata?.name ?? ''}-${ordinal}`;
export const claimName = (template: PersistentVolumeClaim, set: StatefulSet, ordinal: number): string =>
  `${template.metadata?.name ?? ''}-${podName(set, ordinal)}`;

const revisionOfPod = (pod: Pod): string | undefined => pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
const isTerminating = (pod: Pod): boolean => !!pod.metadata?.deletionTimestamp;
const isRunningAndReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod);
const isHealthy = (pod: Pod): boolean => isRunningAndReady(pod) && !isTerminating(pod);
const isFinished = (pod: Pod): boolean => pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';

/**
 * A member pod: the revision's template under a stable name, with the labels and hostname that
 * make its identity, the set's subdomain (for DNS through the governing Service) and one claim
 * per volumeClaimTemplate mounted by the template's name.
 */
export function newStatefulSetPod(set: StatefulSet, revision: PlanRevision, ordinal: number): Pod {
  const template = deepCopy(revision.template);
  const name = podName(set, ordinal);
  const spec = template.spec ?? { containers: [] };
  const claimVolumes: Volume[] = (set.spec?.volumeClaimTemplates ?? []).map((t) => ({
    name: t.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimName(t, set, ordinal) },
  }));
  const volumes = [...(spec.volumes ?? []).filter((v) => !claimVolumes.some((c) => c.name === v.name)), ...claimVolumes];
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: set.metadata?.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: revision.name, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [ownerReferenceFor(set, 'apps/v1', 'StatefulSet')],
    },
    spec: {
      ...spec, hostname: name, ...(set.spec?.serviceName ? { subdomain: set.spec.serviceName } : {}),
      ...(volumes.length ? { volumes } : {}),
    },
  };
}

const setOwnerRef = (set: StatefulSet): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata?.name ?? '', uid: set.metadata?.uid ?? '' });
const podOwnerRef = (pod: Pod): OwnerReference => ({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' });

/**
 * The owner references a claim should carry under the retention policy: the set when claims go
 * with it (whenDeleted: Delete), its pod when a scale-down condemns that pod (whenScaled: Delete).
 * Owners that are not ours are kept as they are.
 */
export function claimOwners(set: StatefulSet, claim: PersistentVolumeClaim, pod: Pod | undefined, condemned: boolean): OwnerReference[] {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy;
  const keep = (claim.metadata?.ownerReferences ?? []).filter((r) => r.uid !== set.metadata?.uid && !(r.kind === 'Pod' && r.apiVersion === 'v1' && pod && r.name === pod.metadata?.name));
  if (policy?.whenDeleted === 'Delete') keep.push(setOwnerRef(set));
  if (policy?.whenScaled === 'Delete' && condemned && pod?.metadata?.uid) keep.push(podOwnerRef(pod));
  return keep;
}

/** A fresh claim from a template for one ordinal, labelled with the set's selector so it can be found. */
export function newClaim(set: StatefulSet, template: PersistentVolumeClaim, ordinal: number): PersistentVolumeClaim {
  const t = deepCopy(template);
  const owners = claimOwners(set, { metadata: {} }, undefined, false);
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(template, set, ordinal), namespace: set.metadata?.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
      ...(owners.length ? { ownerReferences: owners } : {}),
    },
    spec: t.spec ?? {},
  };
}

/** The claims of an ordinal that do not exist yet. */
export function missingClaims(set: StatefulSet, ordinal: number, claims: Map<string, PersistentVolumeClaim>): PersistentVolumeClaim[] {
  return (set.spec?.volumeClaimTemplates ?? []).filter((t) => !claims.has(claimName(t, set, ordinal))).map((t) => newClaim(set, t, ordinal));
}

function sameOwners(a: OwnerReference[], b: OwnerReference[]): boolean {
  const key = (refs: OwnerReference[]): string => refs.map((r) => `${r.kind}/${r.uid}`).sort().join(',');
  return key(a) === key(b);
}

/** Owner reference changes the retention policy asks of an existing pod's claims. */
function retentionActions(set: StatefulSet, pod: Pod, ordinal: number, condemned: boolean, claims: Map<string, PersistentVolumeClaim>): StatefulSetAction[] {
  const out: StatefulSetAction[] = [];
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const claim = claims.get(claimName(t, set, ordinal));
    if (!claim || claim.metadata?.deletionTimestamp) continue;
    const want = claimOwners(set, claim, pod, condemned);
    if (!sameOwners(want, claim.metadata?.ownerReferences ?? [])) out.push({ type: 'setClaimOwners', claim, ownerReferences: want });
  }
  return out;
}

/**
 * The revision a missing pod is made at: the current one below the partition (or, for a
 * RollingUpdate without parameters, below the count of current pods) so a rollout in progress
 * does not jump ahead; the update revision otherwise.
 */
function revisionForOrdinal(set: StatefulSet, ordinal: number, current: PlanRevision, update: PlanRevision): PlanRevision {
  const strategy = set.spec?.updateStrategy;
  if (strategy?.type === 'OnDelete') return update;
  if (!strategy?.rollingUpdate) return ordinal < (set.status?.currentReplicas ?? 0) ? current : update;
  return ordinal < startOrdinal(set) + (strategy.rollingUpdate.partition ?? 0) ? current : update;
}

/**
 * One step of the StatefulSet's reconciliation, as Kubernetes' updateStatefulSet takes it:
 * (1) replace finished pods and create missing ones, in ordinal order; (2) remove pods beyond
 * the replica count, highest ordinal first; (3) for RollingUpdate, delete the highest-ordinal
 * pod not at the update revision. With OrderedReady each stage waits on every earlier pod being
 * Running and Ready and takes a single step; Parallel does not wait for creation and deletion.
 */
export function planStatefulSet(
  set: StatefulSet, pods: Pod[], claims: Map<string, PersistentVolumeClaim>, current: PlanRevision, update: PlanRevision, now: number,
): StatefulSetPlan {
  const actions: StatefulSetAction[] = [];
  const status = calculateStatus(set, pods, current, update, now);
  const plan: StatefulSetPlan = { actions, status };
  const minReady = set.spec?.minReadySeconds ?? 0;
  if ((status.readyReplicas ?? 0) > (status.availableReplicas ?? 0) && minReady > 0) plan.requeueAfterMs = minReady * 1000 + 100;
  if (set.metadata?.deletionTimestamp) return plan;

  const start = startOrdinal(set);
  const count = set.spec?.replicas ?? 1;
  const slots: { ordinal: number; pod?: Pod }[] = Array.from({ length: count }, (_, i) => ({ ordinal: start + i }));
  const condemned: { ordinal: number; pod: Pod }[] = [];
  for (const pod of pods) {
    const ord = ordinalOf(set, pod);
    if (ord === undefined) continue;
    if (ord >= start && ord < start + count) slots[ord - start].pod = pod;
    else condemned.push({ ordinal: ord, pod });
  }
  condemned.sort((a, b) => b.ordinal - a.ordinal);
  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
  const firstUnhealthy = [...slots.map((s) => s.pod), ...condemned.map((c) => c.pod)].find((p) => p && !isHealthy(p));

  for (const slot of slots) {
    const pod = slot.pod;
    if (pod && isFinished(pod) && !isTerminating(pod)) {
      // A finished member cannot run again under its name: delete it; it comes back next sync.
      actions.push({ type: 'deletePod', pod, failed: true });
      if (monotonic) return plan;
      continue;
    }
    if (!pod) {
      const revision = revisionForOrdinal(set, slot.ordinal, current, update);
      actions.push({ type: 'createPod', pod: newStatefulSetPod(set, revision, slot.ordinal), claims: missingClaims(set, slot.ordinal, claims) });
      if (monotonic) return plan;
      continue;
    }
    if (!isTerminating(pod)) {
      const missing = missingClaims(set, slot.ordinal, claims);
      if (missing.length && pod.status?.phase !== 'Running') actions.push({ type: 'createClaims', podName: pod.metadata?.name ?? '', claims: missing });
      actions.push(...retentionActions(set, pod, slot.ordinal, false, claims));
    }
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isPodAvailable(pod, minReady, now))) return plan;
  }

  for (const { ordinal, pod } of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return plan;
      continue;
    }
    if (monotonic && !isRunningAndReady(pod) && pod !== firstUnhealthy) return plan;
    // Claims go with the pod when the policy says so: the reference must be in place before the pod goes.
    actions.push(...retentionActions(set, pod, ordinal, true, claims));
    actions.push({ type: 'deletePod', pod, failed: false });
    if (monotonic) return plan;
  }

  if (set.spec?.updateStrategy?.type === 'OnDelete') return plan;
  const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  for (let i = slots.length - 1; i >= partition; i--) {
    const pod = slots[i].pod;
    if (!pod) return plan;
    if (revisionOfPod(pod) !== update.name && !isTerminating(pod)) {
      actions.push({ type: 'deletePod', pod, failed: false });
      return plan;
    }
    if (!isHealthy(pod)) return plan;
  }
  return plan;
}

/**
 * The status of the pods as observed: counts per readiness and revision. Once every pod is at
 * the update revision and ready, a RollingUpdate is complete and the update revision becomes
 * the current one.
 */
export function calculateStatus(set: StatefulSet, pods: Pod[], current: PlanRevision, update: PlanRevision, now: number): StatefulSetStatus {
  const minReady = set.spec?.minReadySeconds ?? 0;
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let currentReplicas = 0;
  let updated = 0;
  for (const pod of pods) {
    if (ordinalOf(set, pod) === undefined) continue;
    replicas++;
    if (isRunningAndReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
    if (!isTerminating(pod)) {
      if (revisionOfPod(pod) === current.name) currentReplicas++;
      if (revisionOfPod(pod) === update.name) updated++;
    }
  }
  const status: StatefulSetStatus = {
    ...(set.metadata?.generation !== undefined ? { observedGeneration: set.metadata.generation } : {}),
    replicas, readyReplicas: ready, availableReplicas: available, currentReplicas, updatedReplicas: updated,
    currentRevision: current.name, updateRevision: update.name,
    collisionCount: set.status?.collisionCount ?? 0,
  };
  if (set.status?.conditions?.length) status.conditions = set.status.conditions;
  if (set.spec?.updateStrategy?.type !== 'OnDelete' && updated === replicas && ready === replicas) {
    status.currentReplicas = updated;
    status.currentRevision = update.name;
  }
  return status;
}
