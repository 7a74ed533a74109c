/**
 * The CronJob controller's pure decision: given a CronJob, the Jobs it owns and the time, what
 * to record, create and delete. The same function serves a timer tick, a restart after downtime
 * and a status change, so missed schedules are handled exactly as a live tick would be.
 */
import type { CronJob, CronJobStatus, Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { deepCopy } from '../../api/machinery/object.js';
import { formatInZone, type Schedule } from './schedule.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** More missed start times than this means a broken clock or a long outage: say so instead of listing them. */
export const MAX_MISSED_SCHEDULES = 100;
/** Wake a little after the scheduled minute so `now` is safely past it. */
const REQUEUE_SLACK_MS = 100;

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface CronJobPlan {
  status: CronJobStatus;
  /** The Job to create for the scheduled time, if any. */
  create?: Job;
  /** Jobs to delete: running ones a Replace policy supersedes, and finished ones beyond the history limits. */
  delete: Job[];
  events: PlannedEvent[];
  /** When to look again (ms from now): the next scheduled time. */
  requeueAfterMs?: number;
}

function ms(t: string | undefined | null): number | undefined {
  const v = t ? Date.parse(t) : NaN;
  return Number.isNaN(v) ? undefined : v;
}

function rfc3339(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Go's RFC1123Z, which Kubernetes' MissSchedule event uses. */
function rfc1123z(t: number): string {
  return new Date(t).toUTCString().replace('GMT', '+0000');
}

/** The Complete or Failed condition of a finished Job. */
export function finishedCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** Deterministic per scheduled time, so two syncs for one tick can never create two Jobs. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

export interface MostRecent {
  /** The latest scheduled time in (earliest, now], if any. */
  time?: number;
  /** Roughly how many scheduled times were passed since the earliest time we care about. */
  missed: number;
}

/**
 * The most recent unmet scheduled time, counting from the last schedule (or creation) but never
 * from before now - startingDeadlineSeconds. As in Kubernetes, the number missed is estimated
 * from the interval between the first two activations, so a years-long outage costs no CPU.
 */
export function mostRecentScheduleTime(cj: CronJob, schedule: Schedule, now: number): MostRecent {
  let earliest = ms(cj.status?.lastScheduleTime) ?? ms(cj.metadata?.creationTimestamp) ?? now;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
  const t1 = schedule.next(earliest);
  if (t1 === undefined || now < t1) return { missed: 0 };
  const t2 = schedule.next(t1);
  if (t2 === undefined || now < t2) return { time: t1, missed: 1 };
  const interval = Math.round((t2 - t1) / 60_000) * 60;
  if (interval < 1) return { missed: 0 };
  const missed = Math.floor((now - t1) / 1000 / interval) + 1;
  let potential = t1 + (missed - 2) * interval * 1000;
  if (potential < earliest) potential = earliest;
  let recent: number | undefined;
  for (let t = schedule.next(potential); t !== undefined && t <= now; t = schedule.next(t)) recent = t;
  return { time: recent, missed };
}

/** The Job a CronJob runs at `scheduledMs`: its template, a fixed name, the scheduled-time annotation and a controller reference. */
export function jobFromTemplate(cj: CronJob, scheduledMs: number, timeZone: string): Job {
  const template = cj.spec?.jobTemplate;
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: {
      name: jobNameFor(cj.metadata?.name ?? '', scheduledMs), namespace: cj.metadata?.namespace,
      labels: { ...(template?.metadata?.labels ?? {}) },
      // Kubernetes writes the time in the CronJob's zone, UTC when none is set.
      annotations: { ...(template?.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduledMs, cj.spec?.timeZone ? timeZone : 'UTC') },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata?.name ?? '', uid: cj.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec: deepCopy(template?.spec ?? { template: {} }),
  };
}

function startOf(job: Job): number {
  return ms(job.status?.startTime) ?? ms(job.metadata?.creationTimestamp) ?? 0;
}

/** Finished Jobs beyond a history limit, oldest first. */
function beyondLimit(jobs: Job[], limit: number | undefined | null): Job[] {
  if (limit === undefined || limit === null || jobs.length <= limit) return [];
  const sorted = [...jobs].sort((a, b) => startOf(a) - startOf(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return sorted.slice(0, jobs.length - limit);
}

export interface CronJobPlanInput {
  cronJob: CronJob;
  /** Jobs whose controller reference is this CronJob. */
  jobs: Job[];
  /** The parsed schedule, or the parser's error message. */
  schedule: Schedule | string;
  now: number;
}

/** Decides one sync of a CronJob, following Kubernetes' syncCronJob and cleanupFinishedJobs. */
export function planCronJob({ cronJob: cj, jobs, schedule, now }: CronJobPlanInput): CronJobPlan {
  const events: PlannedEvent[] = [];
  const status: CronJobStatus = deepCopy(cj.status ?? {});
  let active: ObjectReference[] = [...(status.active ?? [])];
  const byUid = new Map(jobs.map((j) => [j.metadata?.uid ?? '', j]));

  for (const job of jobs) {
    const uid = job.metadata?.uid ?? '';
    const inActive = active.some((a) => a.uid === uid);
    const done = finishedCondition(job);
    if (!inActive && !done) {
      // Created by hand (kubectl create job --from) or before a crash that lost our status write.
      events.push({ type: 'Warning', reason: 'UnexpectedJob', message: `Saw a job that the controller did not create or forgot: ${job.metadata?.name ?? ''}` });
    } else if (inActive && done) {
      active = active.filter((a) => a.uid !== uid);
      events.push({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${job.metadata?.name ?? ''}, condition: ${done.type}` });
    }
    const completed = done?.type === 'Complete' ? ms(job.status?.completionTime) : undefined;
    if (completed !== undefined && completed > (ms(status.lastSuccessfulTime) ?? 0)) status.lastSuccessfulTime = rfc3339(completed);
  }
  for (const ref of active) {
    if (!byUid.has(ref.uid ?? '')) events.push({ type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${ref.name ?? ''}` });
  }
  active = active.filter((a) => byUid.has(a.uid ?? ''));

  const toDelete: Job[] = [];
  if (!cj.metadata?.deletionTimestamp) {
    const finished = jobs.filter((j) => finishedCondition(j));
    toDelete.push(...beyondLimit(finished.filter((j) => finishedCondition(j)?.type === 'Complete'), cj.spec?.successfulJobsHistoryLimit));
    toDelete.push(...beyondLimit(finished.filter((j) => finishedCondition(j)?.type === 'Failed'), cj.spec?.failedJobsHistoryLimit));
  }
  const result = (extra: Partial<CronJobPlan> = {}): CronJobPlan => {
    if (active.length) status.active = active;
    else delete status.active;
    return { status, delete: toDelete, events, ...extra };
  };

  if (cj.metadata?.deletionTimestamp || cj.spec?.suspend) return result();
  if (typeof schedule === 'string') {
    events.push({ type: 'Warning', reason: 'UnparseableSchedule', message: `unparseable schedule: ${JSON.stringify(cj.spec?.schedule ?? '')} : ${schedule}` });
    return result();
  }
  const requeue = (): number | undefined => {
    const next = schedule.next(now);
    return next === undefined ? undefined : next - now + REQUEUE_SLACK_MS;
  };

  const recent = mostRecentScheduleTime(cj, schedule, now);
  if (recent.missed > MAX_MISSED_SCHEDULES) {
    events.push({ type: 'Warning', reason: 'TooManyMissedTimes', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew' });
  }
  const scheduled = recent.time;
  if (scheduled === undefined) return result({ requeueAfterMs: requeue() });

  const deadline = cj.spec?.startingDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && scheduled + deadline * 1000 < now) {
    events.push({ type: 'Warning', reason: 'MissSchedule', message: `Missed scheduled time to start a job: ${rfc1123z(scheduled)}` });
    return result({ requeueAfterMs: requeue() });
  }
  const name = jobNameFor(cj.metadata?.name ?? '', scheduled);
  if (active.some((a) => a.name === name) || ms(cj.status?.lastScheduleTime) === scheduled) return result({ requeueAfterMs: requeue() });

  const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && active.length > 0) {
    events.push({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
    return result({ requeueAfterMs: requeue() });
  }
  if (policy === 'Replace') {
    for (const ref of active) {
      const job = byUid.get(ref.uid ?? '');
      if (job && !toDelete.includes(job)) toDelete.push(job);
    }
    active = [];
  }
  status.lastScheduleTime = rfc3339(scheduled);
  return result({ create: jobFromTemplate(cj, scheduled, schedule.timeZone), requeueAfterMs: requeue() });
}
