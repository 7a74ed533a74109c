/** When a finished Job with ttlSecondsAfterFinished is due for deletion: a pure function of the Job and the time. */
import type { Job } from 'kubernetes-types/batch/v1.js';

export type TtlDecision = { type: 'none' } | { type: 'wait'; ms: number } | { type: 'delete' };

/** The time the Job finished: its Complete or Failed condition's transition (completionTime for older writers). */
export function jobFinishTime(job: Job): number | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c) return undefined;
  const t = Date.parse(c.lastTransitionTime ?? job.status?.completionTime ?? '');
  return Number.isNaN(t) ? undefined : t;
}

export function planTtl(job: Job, now: number): TtlDecision {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata?.deletionTimestamp) return { type: 'none' };
  const finished = jobFinishTime(job);
  if (finished === undefined) return { type: 'none' };
  const left = finished + ttl * 1000 - now;
  return left > 0 ? { type: 'wait', ms: left } : { type: 'delete' };
}
