/**
 * The Job controller's pure decisions: from a Job, the pods it owns and the time, the pods to
 * create (with their completion indexes) or delete, the status and conditions to report, the
 * events to record and when to look again. Counting follows Kubernetes: pod successes and
 * failures, the backoff limit, the active deadline, podFailurePolicy, suspension and indexes.
 */
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { EnvVar, Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { deepCopy } from '../../api/machinery/object.js';
import { compareForDeletion, isPodReady } from '../replicaset/plan.js';
import { COMPLETION_INDEX_ANNOTATION, COMPLETION_INDEX_ENV, formatIndexes, parseIndexes, podIndex } from './indexes.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';

/** Kubernetes waits 10 s before replacing the first failed pod, doubling per further failure. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 6 * 60_000;
/** The most pods one sync creates, as Kubernetes' MaxPodCreateDeletePerSync. */
export const MAX_PODS_PER_SYNC = 500;

export const REASON_BACKOFF_LIMIT = 'BackoffLimitExceeded';
export const REASON_DEADLINE = 'DeadlineExceeded';
export const REASON_POD_FAILURE_POLICY = 'PodFailurePolicy';
export const REASON_COMPLETIONS_REACHED = 'CompletionsReached';
export const MSG_BACKOFF_LIMIT = 'Job has reached the specified backoff limit';
export const MSG_DEADLINE = 'Job was active longer than specified deadline';
/**
 * Held on every pod the controller creates until the pod's outcome is in the Job's status, so a
 * terminated pod deleted early (by a user, the garbage collector or a node) is never lost from the counts.
 */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface JobPlan {
  /** Completion indexes of the pods to create; undefined entries for NonIndexed Jobs. */
  create: (number | undefined)[];
  delete: Pod[];
  /** Pods whose tracking finalizer goes, once `status` (which counts them) is written. */
  removeFinalizers: Pod[];
  status: JobStatus;
  events: PlannedEvent[];
  /** Look again after this many ms: a backoff or the active deadline runs out. */
  requeueAfterMs?: number;
}

export interface JobPlanOptions {
  /** False while our own creates and deletes are still on their way through the watch. */
  mayManagePods: boolean;
}

function ms(t: string | undefined | null): number | undefined {
  const v = t ? Date.parse(t) : NaN;
  return Number.isNaN(v) ? undefined : v;
}

function rfc3339(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isJobFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export function isTracked(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** When a terminated pod finished: its last container exit, else the time it was last seen changing. */
export function podFinishTime(pod: Pod): number {
  let latest = 0;
  for (const c of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    latest = Math.max(latest, ms(c.state?.terminated?.finishedAt) ?? 0);
  }
  if (latest) return latest;
  for (const c of pod.status?.conditions ?? []) latest = Math.max(latest, ms(c.lastTransitionTime) ?? 0);
  return latest || (ms(pod.metadata?.creationTimestamp) ?? 0);
}

/**
 * Sets a condition, keeping its transition time when the status does not change. Kubernetes
 * stamps lastProbeTime with every write of a Job condition, and so do we.
 */
export function setCondition(conditions: JobCondition[], type: string, status: 'True' | 'False', reason: string, message: string, now: number): JobCondition[] {
  const at = rfc3339(now);
  const existing = conditions.find((c) => c.type === type);
  if (existing && existing.status === status && existing.reason === reason && existing.message === message) return conditions;
  const next: JobCondition = { type, status, reason, message, lastProbeTime: at, lastTransitionTime: existing && existing.status === status ? existing.lastTransitionTime ?? at : at };
  return existing ? conditions.map((c) => (c === existing ? next : c)) : [...conditions, next];
}

/** Sum of container restarts of active pods: with restartPolicy OnFailure, failures show up here, not as failed pods. */
function pastBackoffLimitOnFailure(job: Job, active: Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const pod of active) {
    for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) restarts += c.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/**
 * The pod backoff before creating replacements: 10 s after the first failure since the last
 * success, doubling per further failure, capped at 6 minutes. Returns ms still to wait.
 */
export function remainingBackoff(failed: Pod[], succeeded: Pod[], now: number): number {
  const lastSuccess = succeeded.reduce((m, p) => Math.max(m, podFinishTime(p)), 0);
  const recent = failed.map(podFinishTime).filter((t) => t > lastSuccess);
  if (recent.length === 0) return 0;
  const delay = Math.min(POD_FAILURE_BACKOFF_MS * 2 ** (recent.length - 1), MAX_POD_FAILURE_BACKOFF_MS);
  return Math.max(0, Math.max(...recent) + delay - now);
}

interface Classified {
  active: Pod[];
  succeeded: Pod[];
  /** Failed pods that count toward the backoff limit. */
  failed: Pod[];
  /** Failed pods a podFailurePolicy Ignore rule matched: never counted. */
  ignored: Pod[];
  /** A FailJob rule matched: the Job fails with this message. */
  failJob?: string;
}

/** A podFailurePolicy implies podReplacementPolicy Failed: pods are judged by their own outcome. */
function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy !== undefined;
}

function classify(job: Job, pods: Pod[]): Classified {
  const out: Classified = { active: [], succeeded: [], failed: [], ignored: [] };
  for (const pod of pods) {
    if (pod.status?.phase === 'Succeeded') out.succeeded.push(pod);
    else if (pod.status?.phase === 'Failed') {
      const match = matchPodFailurePolicy(job.spec?.podFailurePolicy, pod);
      if (match?.action === 'Ignore') {
        out.ignored.push(pod);
        continue;
      }
      if (match?.action === 'FailJob' && out.failJob === undefined) out.failJob = match.message;
      out.failed.push(pod);
    } else if (pod.metadata?.deletionTimestamp) {
      // A pod deleted before it finished may never reach phase Failed, so Kubernetes counts it as failed
      // then, unless the Job replaces only pods that really failed.
      if (!onlyReplaceFailedPods(job)) out.failed.push(pod);
    } else out.active.push(pod);
  }
  return out;
}

/** Decides one sync of a Job. `pods` are the pods whose controller reference is this Job. */
export function planJob(job: Job, pods: Pod[], now: number, opts: JobPlanOptions = { mayManagePods: true }): JobPlan {
  const prev = job.status ?? {};
  const status: JobStatus = deepCopy(prev);
  const events: PlannedEvent[] = [];
  const plan: JobPlan = { create: [], delete: [], removeFinalizers: [], status, events };
  const tracked = pods.filter(isTracked);
  const present = new Set(tracked.map((p) => p.metadata?.uid ?? ''));
  // A uid stays in uncountedTerminatedPods while its pod still holds the finalizer: counted, not yet released.
  const stillHeld = (uids: string[] | undefined): string[] => (uids ?? []).filter((u) => present.has(u));
  if (isJobFinished(job)) {
    plan.removeFinalizers = tracked;
    status.uncountedTerminatedPods = uncountedOf(stillHeld(prev.uncountedTerminatedPods?.succeeded), stillHeld(prev.uncountedTerminatedPods?.failed));
    return plan;
  }

  const { active, succeeded, failed, ignored, failJob } = classify(job, pods);
  const indexed = job.spec?.completionMode === 'Indexed';
  const completions = job.spec?.completions ?? undefined;
  const parallelism = job.spec?.parallelism ?? 1;
  const suspended = job.spec?.suspend === true;
  let conditions = [...(status.conditions ?? [])];

  // Each terminated pod is counted once: while it holds the finalizer and is not yet listed as uncounted.
  const heldSucceeded = new Set(prev.uncountedTerminatedPods?.succeeded ?? []);
  const heldFailed = new Set(prev.uncountedTerminatedPods?.failed ?? []);
  const newlySucceeded = succeeded.filter((p) => isTracked(p) && !heldSucceeded.has(p.metadata?.uid ?? ''));
  const newlyFailed = failed.filter((p) => isTracked(p) && !heldFailed.has(p.metadata?.uid ?? ''));
  status.succeeded = (prev.succeeded ?? 0) + newlySucceeded.length;
  status.failed = (prev.failed ?? 0) + newlyFailed.length;
  status.uncountedTerminatedPods = uncountedOf(
    [...stillHeld(prev.uncountedTerminatedPods?.succeeded), ...newlySucceeded.map((p) => p.metadata?.uid ?? '')],
    [...stillHeld(prev.uncountedTerminatedPods?.failed), ...newlyFailed.map((p) => p.metadata?.uid ?? '')],
  );
  // Terminated pods are in the status now; pods already being deleted need not be waited for.
  plan.removeFinalizers = tracked.filter((p) => isTerminal(p) || p.metadata?.deletionTimestamp || ignored.includes(p));

  let completed = new Set<number>();
  if (indexed && completions !== undefined) {
    completed = parseIndexes(prev.completedIndexes, completions);
    for (const pod of succeeded) {
      const i = podIndex(pod, completions);
      if (i !== undefined) completed.add(i);
    }
    status.completedIndexes = formatIndexes(completed);
  }

  // Suspension and resumption first: both change what startTime means.
  const wasSuspended = conditions.some((c) => c.type === 'Suspended' && c.status === 'True');
  if (suspended && !wasSuspended) {
    conditions = setCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
    events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
  } else if (!suspended && wasSuspended) {
    conditions = setCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
    events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
    // activeDeadlineSeconds counts continuous activity, so a resumed Job starts its clock again.
    status.startTime = rfc3339(now);
  }
  if (!suspended && !status.startTime) status.startTime = rfc3339(now);

  const finish = (type: 'Complete' | 'Failed', reason: string, message: string): JobPlan => {
    const target = type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget';
    conditions = setCondition(conditions, target, 'True', reason, message, now);
    conditions = setCondition(conditions, type, 'True', reason, message, now);
    status.conditions = conditions;
    if (type === 'Complete') status.completionTime = rfc3339(now);
    // Whatever still runs is stopped: a finished Job keeps no pods busy, and holds none back.
    plan.delete = active;
    plan.removeFinalizers = tracked;
    status.active = 0;
    status.ready = 0;
    events.push(type === 'Complete'
      ? { type: 'Normal', reason: 'Completed', message: 'Job completed' }
      : { type: 'Warning', reason, message });
    return plan;
  };

  // Failure wins over completion, as in Kubernetes' syncJob.
  if (!suspended) {
    if (failJob !== undefined) return finish('Failed', REASON_POD_FAILURE_POLICY, failJob);
    const limit = job.spec?.backoffLimit ?? 6;
    if (status.failed > limit || pastBackoffLimitOnFailure(job, active)) return finish('Failed', REASON_BACKOFF_LIMIT, MSG_BACKOFF_LIMIT);
    const deadline = job.spec?.activeDeadlineSeconds;
    const started = ms(status.startTime);
    if (deadline !== undefined && deadline !== null && started !== undefined) {
      const left = started + deadline * 1000 - now;
      if (left <= 0) return finish('Failed', REASON_DEADLINE, MSG_DEADLINE);
      plan.requeueAfterMs = left;
    }
  }

  const done = indexed && completions !== undefined
    ? completed.size >= completions
    : completions !== undefined ? status.succeeded >= completions : status.succeeded > 0 && active.length === 0;
  if (done) return finish('Complete', REASON_COMPLETIONS_REACHED, 'Reached expected number of succeeded pods');

  let activeCount = active.length;
  if (opts.mayManagePods) {
    if (suspended) {
      plan.delete = active;
    } else if (indexed && completions !== undefined) {
      manageIndexed(plan, active, completed, completions, parallelism, failed, succeeded, now);
    } else {
      let want: number;
      if (completions === undefined) want = status.succeeded > 0 ? active.length : parallelism;
      else want = Math.max(0, Math.min(completions - status.succeeded, parallelism));
      if (active.length > want) plan.delete = [...active].sort(compareForDeletion).slice(0, Math.min(active.length - want, MAX_PODS_PER_SYNC));
      else if (active.length < want) createAfterBackoff(plan, Array(Math.min(want - active.length, MAX_PODS_PER_SYNC)).fill(undefined), failed, succeeded, now);
    }
    activeCount = active.length - plan.delete.length + plan.create.length;
  }
  status.active = activeCount;
  status.ready = active.filter((p) => !plan.delete.includes(p) && isPodReady(p)).length;
  if (conditions.length) status.conditions = conditions;
  return plan;
}

function uncountedOf(succeeded: string[], failed: string[]): NonNullable<JobStatus['uncountedTerminatedPods']> {
  return { ...(succeeded.length ? { succeeded } : {}), ...(failed.length ? { failed } : {}) };
}

function createAfterBackoff(plan: JobPlan, create: (number | undefined)[], failed: Pod[], succeeded: Pod[], now: number): void {
  if (create.length === 0) return;
  const wait = remainingBackoff(failed, succeeded, now);
  if (wait > 0) {
    plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, wait);
    return;
  }
  plan.create = create;
}

/**
 * Indexed Jobs: one active pod per pending index. Pods of a completed or duplicated index, or
 * without a valid index, are deleted; the lowest pending indexes are created first.
 */
function manageIndexed(plan: JobPlan, active: Pod[], completed: Set<number>, completions: number, parallelism: number, failed: Pod[], succeeded: Pod[], now: number): void {
  const running = new Map<number, Pod>();
  const extra: Pod[] = [];
  for (const pod of [...active].sort((a, b) => compareForDeletion(b, a))) {
    const i = podIndex(pod, completions);
    if (i === undefined || completed.has(i) || running.has(i)) extra.push(pod);
    else running.set(i, pod);
  }
  const want = Math.min(parallelism, completions - completed.size);
  const keep = [...running.entries()].sort((a, b) => a[0] - b[0]);
  // Lowering parallelism stops the highest indexes first.
  while (keep.length > want) extra.push(keep.pop()![1]);
  plan.delete = extra.slice(0, MAX_PODS_PER_SYNC);
  const pending: number[] = [];
  for (let i = 0; i < completions && keep.length + pending.length < want && pending.length < MAX_PODS_PER_SYNC; i++) {
    if (!completed.has(i) && !running.has(i)) pending.push(i);
  }
  createAfterBackoff(plan, pending, failed, succeeded, now);
}

/** The owner reference a Job puts on its pods. */
export function jobOwnerReference(job: Job): OwnerReference {
  return { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata?.name ?? '', uid: job.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/**
 * A pod for the Job: its template with a controller reference; for an Indexed Job also the
 * completion index (annotation, label, JOB_COMPLETION_INDEX) and the hostname `<job>-<index>`.
 */
export function newJobPod(job: Job, index: number | undefined): Pod {
  const template = deepCopy(job.spec?.template ?? {});
  const meta = template.metadata ?? {};
  const spec = template.spec ?? { containers: [] };
  const name = job.metadata?.name ?? '';
  const labels = { ...(meta.labels ?? {}) };
  const annotations = { ...(meta.annotations ?? {}) };
  if (index !== undefined) {
    annotations[COMPLETION_INDEX_ANNOTATION] = String(index);
    labels[COMPLETION_INDEX_ANNOTATION] = String(index);
    if (!spec.hostname) spec.hostname = `${name}-${index}`;
    const env: EnvVar = { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } };
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      if (!(c.env ?? []).some((e) => e.name === COMPLETION_INDEX_ENV)) c.env = [...(c.env ?? []), env];
    }
  }
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`, namespace: job.metadata?.namespace,
      labels, ...(Object.keys(annotations).length ? { annotations } : {}),
      finalizers: [...(meta.finalizers ?? []), JOB_TRACKING_FINALIZER],
      ownerReferences: [jobOwnerReference(job)],
    },
    spec,
  };
}

