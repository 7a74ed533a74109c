/**
 * The Deployment controller's pure plan: from a Deployment, the ReplicaSets it owns and (for
 * Recreate) their pods, decide which ReplicaSet to create, which to scale or delete, the
 * revision to record and the status to report. One sync takes one step of a rollout, as in
 * Kubernetes: the informers bring the next step once the ReplicaSets have moved.
 */
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { deepCopy, deepEqual } from '../../api/machinery/object.js';
import { fromLabelSelector, matchesLabels } from '../../api/machinery/selectors.js';
import { controllerRefOf, ownerReferenceFor } from '../replicaset/plan.js';
import {
  AVAILABLE, FOUND_NEW_RS, MIN_AVAILABLE, MIN_UNAVAILABLE, NEW_RS_AVAILABLE, NEW_RS_CREATED, PAUSED, POD_TEMPLATE_HASH_LABEL,
  PROGRESSING, REPLICA_FAILURE, REVISION_ANNOTATION, RESUMED, RS_UPDATED, TIMED_OUT, activeReplicaSets, byCreation, byRevision,
  bySizeNewer, bySizeOlder, computeHash, deploymentComplete, deploymentProgressing, deploymentTimedOut, desiredReplicasAnnotation,
  equalIgnoreHash, getCondition, getProportion, hasProgressDeadline, isRollingUpdate, maxRevision, maxSurge, maxUnavailable,
  newCondition, removeCondition, replicasOf, resolveFenceposts, setCondition, setNewReplicaSetAnnotations,
  setReplicasAnnotations, sumAvailableReplicas, sumReadyReplicas, sumSpecReplicas, sumStatusReplicas,
} from './util.js';

export const SCALING_REPLICA_SET = 'ScalingReplicaSet';
export const SELECTOR_EMPTY = 'SelectorEmpty';

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface DeploymentPlan {
  /** A new ReplicaSet for the current template, if none exists yet. */
  create?: ReplicaSet;
  /** ReplicaSets whose spec.replicas, annotations or minReadySeconds change: the full new objects. */
  update: ReplicaSet[];
  /** Old, empty ReplicaSets beyond revisionHistoryLimit. */
  delete: ReplicaSet[];
  /** The Deployment's new revision annotation, when it changes. */
  revision?: string;
  /** The Deployment's new status, when it changes. */
  status?: DeploymentStatus;
  events: PlannedEvent[];
  /** Sync again after this long (progress deadline checks), if set. */
  requeueAfterMs?: number;
}

export interface ReplicaSetClaim {
  owned: ReplicaSet[];
  adopt: ReplicaSet[];
  release: ReplicaSet[];
}

/** ReplicaSets the Deployment controls, orphans matching its selector to adopt, and owned ones that stopped matching. */
export function claimReplicaSets(d: Deployment, rss: ReplicaSet[]): ReplicaSetClaim {
  const selector = fromLabelSelector(d.spec?.selector);
  const claim: ReplicaSetClaim = { owned: [], adopt: [], release: [] };
  if (selector.length === 0) return claim;
  for (const rs of rss) {
    if (rs.metadata?.namespace !== d.metadata?.namespace) continue;
    const ref = controllerRefOf(rs);
    const matches = matchesLabels(selector, rs.metadata?.labels);
    if (ref) {
      if (ref.uid !== d.metadata?.uid) continue;
      if (matches) claim.owned.push(rs);
      else if (!rs.metadata?.deletionTimestamp) claim.release.push(rs);
    } else if (matches && !rs.metadata?.deletionTimestamp && !d.metadata?.deletionTimestamp) {
      claim.adopt.push(rs);
      claim.owned.push(rs);
    }
  }
  return claim;
}

/** The ReplicaSet running the Deployment's current template: the oldest one that matches. */
export function findNewReplicaSet(d: Deployment, rss: ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** The replicas a new ReplicaSet may have now: all of them for Recreate, up to the surge limit for RollingUpdate. */
export function newRSNewReplicas(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): number {
  const want = replicasOf(d);
  const current = newRS.spec?.replicas ?? 0;
  if (!isRollingUpdate(d)) return want;
  const maxTotal = want + resolveFenceposts(d).maxSurge;
  const total = sumSpecReplicas(all);
  if (total >= maxTotal) return current;
  return current + Math.min(maxTotal - total, want - current);
}

/** The ReplicaSet a Deployment makes for its current template: named and labelled by the template hash. */
export function newReplicaSetFor(d: Deployment): ReplicaSet {
  const hash = computeHash(d.spec?.template, d.status?.collisionCount);
  const template = deepCopy(d.spec?.template ?? {});
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
  const selector = deepCopy(d.spec?.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata?.name ?? ''}-${hash}`, namespace: d.metadata?.namespace, labels: { ...template.metadata.labels },
      ownerReferences: [ownerReferenceFor(d, 'apps/v1', 'Deployment')],
    },
    spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
  };
}

/** The status counted from the ReplicaSets, with Available set from the minimum-availability rule. */
export function calculateStatus(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined, conditions: DeploymentStatus['conditions'], now: number): DeploymentStatus {
  const available = sumAvailableReplicas(all);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: sumStatusReplicas(all),
    updatedReplicas: sumStatusReplicas([newRS]),
    readyReplicas: sumReadyReplicas(all),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sumSpecReplicas(all) - available),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    ...(conditions?.length ? { conditions: deepCopy(conditions) } : {}),
  };
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', MIN_AVAILABLE, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', MIN_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** Working state of one planning pass: copies of the ReplicaSets that the steps scale in place. */
class Planner {
  readonly events: PlannedEvent[] = [];
  readonly deletes: ReplicaSet[] = [];
  /** The Deployment's conditions as this pass has set them so far. */
  readonly base: DeploymentStatus;
  revision?: string;
  newRS?: ReplicaSet;
  old: ReplicaSet[] = [];
  created?: ReplicaSet;
  requeueAfterMs?: number;
  private readonly originals = new Map<string, ReplicaSet>();

  constructor(readonly d: Deployment, rss: ReplicaSet[], readonly pods: Pod[], readonly now: number) {
    this.base = { conditions: deepCopy(d.status?.conditions ?? []) };
    const copies = rss.map((rs) => deepCopy(rs));
    for (const rs of rss) this.originals.set(rs.metadata?.name ?? '', rs);
    const found = findNewReplicaSet(d, copies);
    this.newRS = found;
    this.old = copies.filter((rs) => rs !== found);
  }

  get all(): ReplicaSet[] {
    return this.newRS ? [...this.old, this.newRS] : this.old;
  }

  /**
   * Finds the new ReplicaSet and keeps revisions right: an existing one (a rollback, or a template
   * seen before) becomes revision max+1; a missing one is made when `create` is set.
   */
  syncRevision(create: boolean): void {
    const d = this.d;
    const newRevision = maxRevision(this.old) + 1;
    if (this.newRS) {
      setNewReplicaSetAnnotations(d, this.newRS, newRevision, true);
      if ((this.newRS.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0)) {
        this.newRS.spec = { ...(this.newRS.spec ?? { selector: {} }), minReadySeconds: d.spec?.minReadySeconds ?? 0 };
      }
      const rev = this.newRS.metadata?.annotations?.[REVISION_ANNOTATION];
      if (rev && d.metadata?.annotations?.[REVISION_ANNOTATION] !== rev) this.revision = rev;
      if (!getCondition(this.base, PROGRESSING)) {
        setCondition(this.base, newCondition(PROGRESSING, 'True', FOUND_NEW_RS, `Found new replica set "${this.newRS.metadata?.name ?? ''}"`, this.now));
      }
      return;
    }
    if (!create) return;
    const rs = newReplicaSetFor(d);
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    const replicas = newRSNewReplicas(d, this.old, rs);
    rs.spec = { ...(rs.spec ?? { selector: {} }), replicas };
    this.newRS = rs;
    this.created = rs;
    if (replicas > 0) this.event(SCALING_REPLICA_SET, `Scaled up replica set ${rs.metadata?.name ?? ''} from 0 to ${replicas}`);
    this.revision = String(newRevision);
    setCondition(this.base, newCondition(PROGRESSING, 'True', NEW_RS_CREATED, `Created new replica set "${rs.metadata?.name ?? ''}"`, this.now));
  }

  private event(reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal'): void {
    this.events.push({ type, reason, message });
  }

  /** Sets spec.replicas and the size annotations; an event when the size moves. */
  scaleReplicaSet(rs: ReplicaSet, size: number): boolean {
    const from = rs.spec?.replicas ?? 0;
    const d = this.d;
    const annotated = setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (from !== size) {
      rs.spec = { ...(rs.spec ?? { selector: {} }), replicas: size };
      this.event(SCALING_REPLICA_SET, `Scaled ${size > from ? 'up' : 'down'} replica set ${rs.metadata?.name ?? ''} from ${from} to ${size}`);
    }
    return from !== size || annotated;
  }

  /** Scales only when the size differs (annotations alone are not worth a write here). */
  scaleIfNeeded(rs: ReplicaSet, size: number): boolean {
    if ((rs.spec?.replicas ?? 0) === size) return false;
    return this.scaleReplicaSet(rs, size);
  }

  /** A scaling event: some active ReplicaSet was sized for a different spec.replicas. */
  isScalingEvent(): boolean {
    const want = replicasOf(this.d);
    return activeReplicaSets(this.all).some((rs) => {
      const desired = desiredReplicasAnnotation(rs);
      return desired !== undefined && desired !== want;
    });
  }

  /**
   * Brings the ReplicaSets to spec.replicas without rolling anything: one active set takes it all;
   * several (a rollout under way) share the change in proportion to their sizes.
   */
  scale(): void {
    const d = this.d;
    const want = replicasOf(d);
    const active = activeReplicaSets(this.all);
    let only: ReplicaSet | undefined;
    if (active.length === 1) only = active[0];
    else if (active.length === 0) only = this.newRS ?? [...this.old].sort(byCreation).at(-1);
    if (only) {
      this.scaleIfNeeded(only, want);
      return;
    }
    const newRS = this.newRS;
    if (newRS && desiredReplicasAnnotation(newRS) === want && (newRS.spec?.replicas ?? 0) === want && (newRS.status?.availableReplicas ?? 0) === want) {
      for (const rs of activeReplicaSets(this.old)) this.scaleIfNeeded(rs, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const allowed = want > 0 ? want + maxSurge(d) : 0;
    const toAdd = allowed - sumSpecReplicas(active);
    const ordered = [...active].sort(toAdd > 0 ? bySizeNewer : bySizeOlder);
    const sizes = new Map<ReplicaSet, number>();
    let added = 0;
    for (const rs of ordered) {
      const p = toAdd !== 0 ? getProportion(rs, d, toAdd, added) : 0;
      sizes.set(rs, (rs.spec?.replicas ?? 0) + p);
      added += p;
    }
    ordered.forEach((rs, i) => {
      let size = sizes.get(rs) ?? 0;
      // Whatever rounding left over goes to the largest set.
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      this.scaleReplicaSet(rs, size);
    });
  }

  /** Deletes old, empty ReplicaSets beyond revisionHistoryLimit, lowest revisions first. */
  cleanup(): void {
    const limit = this.d.spec?.revisionHistoryLimit;
    if (limit === undefined) return;
    const cleanable = this.old.filter((rs) => {
      const orig = this.originals.get(rs.metadata?.name ?? '') ?? rs;
      return !orig.metadata?.deletionTimestamp && (orig.spec?.replicas ?? 0) === 0 && (orig.status?.replicas ?? 0) === 0
        && (orig.metadata?.generation ?? 0) <= (orig.status?.observedGeneration ?? 0);
    });
    const excess = cleanable.length - limit;
    if (excess <= 0) return;
    this.deletes.push(...[...cleanable].sort(byRevision).slice(0, excess));
  }

  /** Rolling update step 1: grow the new ReplicaSet within maxSurge. */
  reconcileNewReplicaSet(): boolean {
    const newRS = this.newRS;
    if (!newRS) return false;
    const want = replicasOf(this.d);
    const cur = newRS.spec?.replicas ?? 0;
    if (cur === want) return false;
    if (cur > want) return this.scaleIfNeeded(newRS, want);
    return this.scaleIfNeeded(newRS, newRSNewReplicas(this.d, this.all, newRS));
  }

  /** Rolling update step 2: shrink old ReplicaSets, unhealthy pods first, within maxUnavailable. */
  reconcileOldReplicaSets(): boolean {
    const d = this.d;
    const newRS = this.newRS;
    const oldActive = activeReplicaSets(this.old);
    if (sumSpecReplicas(oldActive) === 0) return false;
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = (newRS?.spec?.replicas ?? 0) - (newRS?.status?.availableReplicas ?? 0);
    const maxScaledDown = sumSpecReplicas(this.all) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // Pods that are not available cost nothing to remove: take them first.
    let cleaned = 0;
    for (const rs of [...oldActive].sort(byCreation)) {
      if (cleaned >= maxScaledDown) break;
      const size = rs.spec?.replicas ?? 0;
      const unhealthy = size - (rs.status?.availableReplicas ?? 0);
      if (size === 0 || unhealthy <= 0) continue;
      const n = Math.min(maxScaledDown - cleaned, unhealthy);
      this.scaleIfNeeded(rs, size - n);
      cleaned += n;
    }
    // Then available ones, as long as minAvailable stays available.
    const availableNow = sumAvailableReplicas(this.all);
    let scaled = 0;
    if (availableNow > minAvailable) {
      const total = availableNow - minAvailable;
      for (const rs of [...oldActive].sort(byCreation)) {
        if (scaled >= total) break;
        const size = rs.spec?.replicas ?? 0;
        if (size === 0) continue;
        const n = Math.min(size, total - scaled);
        this.scaleIfNeeded(rs, size - n);
        scaled += n;
      }
    }
    return cleaned + scaled > 0;
  }

  /** Recreate: whether any pod of an old ReplicaSet still exists in a non-terminal phase. */
  oldPodsRunning(): boolean {
    if (sumStatusReplicas(this.old) > 0) return true;
    const oldUids = new Set(this.old.map((rs) => rs.metadata?.uid));
    return this.pods.some((p) => {
      const ref = controllerRefOf(p);
      if (!ref || !oldUids.has(ref.uid)) return false;
      const phase = p.status?.phase;
      return phase !== 'Failed' && phase !== 'Succeeded';
    });
  }

  /** Progressing, timed-out and replica-failure conditions over the computed status. */
  rolloutStatus(): DeploymentStatus {
    const d = this.d;
    const status = calculateStatus(d, this.all, this.newRS, this.base.conditions, this.now);
    if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
    const current = getCondition(d.status, PROGRESSING);
    const complete = status.replicas === status.updatedReplicas && current?.reason === NEW_RS_AVAILABLE;
    const rsName = this.newRS?.metadata?.name;
    if (hasProgressDeadline(d) && !complete) {
      if (deploymentComplete(d, status)) {
        setCondition(status, newCondition(PROGRESSING, 'True', NEW_RS_AVAILABLE,
          rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata?.name ?? ''}" has successfully progressed.`, this.now));
      } else if (deploymentProgressing(d, status)) {
        const cond = newCondition(PROGRESSING, 'True', RS_UPDATED,
          rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata?.name ?? ''}" is progressing.`, this.now);
        // Progress refreshes lastUpdateTime even with the same reason: the deadline counts from it.
        const existing = getCondition(status, PROGRESSING);
        if (existing?.status === 'True') cond.lastTransitionTime = existing.lastTransitionTime;
        removeCondition(status, PROGRESSING);
        setCondition(status, cond);
      } else if (deploymentTimedOut(d, status, this.now)) {
        setCondition(status, newCondition(PROGRESSING, 'False', TIMED_OUT,
          rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata?.name ?? ''}" has timed out progressing.`, this.now));
      }
    }
    const failure = [this.newRS, ...this.old].map((rs) => rs?.status?.conditions?.find((c) => c.type === REPLICA_FAILURE)).find((c) => c);
    if (failure) {
      setCondition(status, { type: REPLICA_FAILURE, status: failure.status, reason: failure.reason, message: failure.message, lastUpdateTime: failure.lastTransitionTime, lastTransitionTime: failure.lastTransitionTime });
    } else removeCondition(status, REPLICA_FAILURE);
    // A rollout still under way is looked at again when its deadline passes, even if nothing else happens.
    const prog = getCondition(status, PROGRESSING);
    if (hasProgressDeadline(d) && prog?.status === 'True' && prog.reason !== NEW_RS_AVAILABLE && !deploymentComplete(d, status)) {
      const from = prog.lastUpdateTime ? Date.parse(prog.lastUpdateTime) : this.now;
      this.requeueAfterMs = Math.max(1000, from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - this.now + 1000);
    }
    return status;
  }

  /** Applies the paused/resumed Progressing condition, unless a timeout is already reported. */
  checkPausedConditions(): void {
    const cond = getCondition(this.base, PROGRESSING);
    if (cond?.reason === TIMED_OUT) return;
    const pausedShown = cond?.reason === PAUSED;
    if (this.d.spec?.paused && !pausedShown) {
      setCondition(this.base, newCondition(PROGRESSING, 'Unknown', PAUSED, 'Deployment is paused', this.now));
    } else if (!this.d.spec?.paused && pausedShown) {
      setCondition(this.base, newCondition(PROGRESSING, 'Unknown', RESUMED, 'Deployment is resumed', this.now));
    }
  }

  finish(status: DeploymentStatus): DeploymentPlan {
    const update = this.all.filter((rs) => {
      if (rs === this.created) return false;
      const orig = this.originals.get(rs.metadata?.name ?? '');
      return orig !== undefined && (!deepEqual(orig.spec, rs.spec) || !deepEqual(orig.metadata?.annotations, rs.metadata?.annotations));
    });
    const changed = !deepEqual(normalize(this.d.status), normalize(status));
    return {
      ...(this.created ? { create: this.created } : {}), update, delete: this.deletes,
      ...(this.revision !== undefined ? { revision: this.revision } : {}),
      ...(changed ? { status } : {}),
      events: this.events,
      ...(this.requeueAfterMs !== undefined ? { requeueAfterMs: this.requeueAfterMs } : {}),
    };
  }
}

/** Zero and absent counts mean the same to readers: compare statuses without that difference. */
function normalize(s: DeploymentStatus | undefined): DeploymentStatus {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s ?? {})) if (v !== 0 && v !== undefined && !(Array.isArray(v) && v.length === 0)) out[k] = v;
  return out as DeploymentStatus;
}

/**
 * Plans one sync of a Deployment over the ReplicaSets it owns (`rss`) and their pods. Follows
 * Kubernetes' syncDeployment: a deleted Deployment only reports status; a paused one or a
 * scaling event only scales (proportionally during a rollout); otherwise one step of the
 * Recreate or RollingUpdate strategy runs, and a finished rollout prunes old history.
 */
export function planDeployment(d: Deployment, rss: ReplicaSet[], pods: Pod[], now: number): DeploymentPlan {
  const p = new Planner(d, rss, pods, now);
  if (fromLabelSelector(d.spec?.selector).length === 0) {
    p.events.push({ type: 'Warning', reason: SELECTOR_EMPTY, message: 'This deployment is selecting all pods. A non-empty selector is required.' });
    const status = { ...(d.status ?? {}), observedGeneration: d.metadata?.generation ?? 0 };
    return p.finish(status);
  }
  if (d.metadata?.deletionTimestamp) {
    p.syncRevision(false);
    return p.finish(calculateStatus(d, p.all, p.newRS, p.base.conditions, now));
  }
  p.checkPausedConditions();
  p.syncRevision(false);
  if (d.spec?.paused || p.isScalingEvent()) {
    p.scale();
    if (d.spec?.paused) p.cleanup();
    return p.finish(calculateStatus(d, p.all, p.newRS, p.base.conditions, now));
  }
  if (!isRollingUpdate(d)) {
    let scaledDown = false;
    for (const rs of activeReplicaSets(p.old)) if (p.scaleIfNeeded(rs, 0)) scaledDown = true;
    if (scaledDown || p.oldPodsRunning()) return p.finish(p.rolloutStatus());
    p.syncRevision(true);
    if (p.newRS && p.newRS !== p.created) p.scaleIfNeeded(p.newRS, replicasOf(d));
    if (deploymentComplete(d, d.status ?? {})) p.cleanup();
    return p.finish(p.rolloutStatus());
  }
  p.syncRevision(true);
  if (p.reconcileNewReplicaSet()) return p.finish(p.rolloutStatus());
  if (p.reconcileOldReplicaSets()) return p.finish(p.rolloutStatus());
  if (deploymentComplete(d, d.status ?? {})) p.cleanup();
  return p.finish(p.rolloutStatus());
}
