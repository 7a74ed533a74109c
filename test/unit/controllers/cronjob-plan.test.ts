// The CronJob controller's pure parts: schedules (fields, macros, zones) and the plan for a tick, a restart after missed times, concurrency policies and history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { formatInZone, parseSchedule } from '../../../src/controllers/cronjob/schedule.js';
import { jobNameFor, mostRecentScheduleTime, planCronJob } from '../../../src/controllers/cronjob/plan.js';

const t = (s: string): number => Date.parse(s);
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

test('five-field schedules and macros give their next activation', () => {
  const next = (expr: string, from: string, tz = 'UTC'): string => iso(parseSchedule(expr, tz).next(t(from)) ?? 0);
  assert.equal(next('* * * * *', '2026-01-01T00:00:00Z'), '2026-01-01T00:01:00Z');
  assert.equal(next('* * * * *', '2026-01-01T00:00:30Z'), '2026-01-01T00:01:00Z');
  assert.equal(next('*/15 * * * *', '2026-01-01T00:16:00Z'), '2026-01-01T00:30:00Z');
  assert.equal(next('5/15 * * * *', '2026-01-01T00:21:00Z'), '2026-01-01T00:35:00Z');
  assert.equal(next('@hourly', '2026-01-01T00:16:00Z'), '2026-01-01T01:00:00Z');
  assert.equal(next('@daily', '2026-01-01T00:16:00Z'), '2026-01-02T00:00:00Z');
  assert.equal(next('@midnight', '2026-01-01T00:16:00Z'), '2026-01-02T00:00:00Z');
  assert.equal(next('@weekly', '2026-01-01T00:00:00Z'), '2026-01-04T00:00:00Z');
  assert.equal(next('@monthly', '2026-01-15T00:00:00Z'), '2026-02-01T00:00:00Z');
  assert.equal(next('@yearly', '2026-01-15T00:00:00Z'), '2027-01-01T00:00:00Z');
  assert.equal(next('@annually', '2026-01-15T00:00:00Z'), '2027-01-01T00:00:00Z');
  assert.equal(next('30 9 * jan mon-fri', '2026-01-02T10:00:00Z'), '2026-01-05T09:30:00Z');
  // Both day fields restricted: either matching is enough, as in standard cron.
  assert.equal(next('0 0 13 * 5', '2026-01-01T00:00:00Z'), '2026-01-02T00:00:00Z');
  assert.equal(next('@every 90s', '2026-01-01T00:00:10Z'), '2026-01-01T00:01:40Z');
  assert.throws(() => parseSchedule('61 * * * *'), /minute/);
  assert.throws(() => parseSchedule('* * * *'), /expected exactly 5 fields/);
  assert.throws(() => parseSchedule('* * * * *', 'Mars/Olympus'), /unknown time zone/);
});

test('spec.timeZone decides the wall clock, across a daylight-saving change', () => {
  const ny = parseSchedule('0 9 * * *', 'America/New_York');
  assert.equal(iso(ny.next(t('2026-01-01T00:00:00Z')) ?? 0), '2026-01-01T14:00:00Z');
  // New York moves to EDT on 8 March 2026.
  assert.equal(iso(ny.next(t('2026-03-08T00:00:00Z')) ?? 0), '2026-03-08T13:00:00Z');
  assert.equal(iso(parseSchedule('0 0 * * *', 'Asia/Kolkata').next(t('2026-01-01T00:00:00Z')) ?? 0), '2026-01-01T18:30:00Z');
  assert.equal(formatInZone(t('2026-01-01T14:00:00Z'), 'America/New_York'), '2026-01-01T09:00:00-05:00');
  assert.equal(formatInZone(t('2026-01-01T14:00:00Z'), 'UTC'), '2026-01-01T14:00:00Z');
});

function cronJob(spec: Partial<NonNullable<CronJob['spec']>> = {}, status: CronJob['status'] = {}): CronJob {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob',
    metadata: { name: 'cj', namespace: 'ns', uid: 'cu', creationTimestamp: '2026-01-01T00:00:30Z' },
    spec: {
      schedule: '* * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { team: 'a' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } } },
      ...spec,
    },
    status,
  };
}

function ownedJob(name: string, finished?: 'Complete' | 'Failed', at?: string): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, creationTimestamp: at ?? '2026-01-01T00:00:00Z', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: 'cu', controller: true }] },
    spec: { template: {} },
    status: {
      startTime: at ?? '2026-01-01T00:00:00Z',
      ...(finished ? { conditions: [{ type: finished, status: 'True' }], ...(finished === 'Complete' ? { completionTime: at ?? '2026-01-01T00:00:05Z' } : {}) } : {}),
    },
  };
}

const everyMinute = parseSchedule('* * * * *', 'UTC');

test('a tick creates the Job for the scheduled minute, named by minutes since the epoch, and records lastScheduleTime', () => {
  const now = t('2026-01-01T00:01:00.100Z');
  const p = planCronJob({ cronJob: cronJob(), jobs: [], schedule: everyMinute, now });
  const scheduled = t('2026-01-01T00:01:00Z');
  assert.equal(p.create?.metadata?.name, `cj-${scheduled / 60_000}`);
  assert.equal(p.create?.metadata?.name, jobNameFor('cj', scheduled));
  assert.equal(p.create?.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T00:01:00Z');
  assert.deepEqual(p.create?.metadata?.labels, { team: 'a' });
  assert.equal(p.create?.metadata?.ownerReferences?.[0]?.uid, 'cu');
  assert.equal(p.status.lastScheduleTime, '2026-01-01T00:01:00Z');
  assert.equal(p.requeueAfterMs, 60_000 - 100 + 100);
  // The same time is never run twice, even before the Job shows up.
  const again = planCronJob({ cronJob: cronJob({}, { lastScheduleTime: '2026-01-01T00:01:00Z' }), jobs: [], schedule: everyMinute, now: now + 500 });
  assert.equal(again.create, undefined);
  // Before the first scheduled time after creation nothing runs.
  assert.equal(planCronJob({ cronJob: cronJob(), jobs: [], schedule: everyMinute, now: t('2026-01-01T00:00:59Z') }).create, undefined);
});

test('after downtime only the most recent missed time runs', () => {
  const cj = cronJob({}, { lastScheduleTime: '2026-01-01T00:01:00Z' });
  const now = t('2026-01-01T00:30:20Z');
  const recent = mostRecentScheduleTime(cj, everyMinute, now);
  assert.equal(iso(recent.time ?? 0), '2026-01-01T00:30:00Z');
  assert.equal(recent.missed, 29);
  const p = planCronJob({ cronJob: cj, jobs: [], schedule: everyMinute, now });
  assert.equal(p.create?.metadata?.name, jobNameFor('cj', t('2026-01-01T00:30:00Z')));
  assert.deepEqual(p.events, []);
});

test('more than 100 missed times is reported as TooManyMissedTimes, and the latest still runs', () => {
  const cj = cronJob({}, { lastScheduleTime: '2026-01-01T00:01:00Z' });
  const p = planCronJob({ cronJob: cj, jobs: [], schedule: everyMinute, now: t('2026-01-01T05:00:10Z') });
  assert.deepEqual(p.events.map((e) => e.reason), ['TooManyMissedTimes']);
  assert.equal(p.create?.metadata?.name, jobNameFor('cj', t('2026-01-01T05:00:00Z')));
});

test('startingDeadlineSeconds: a time missed by more than the deadline is not run', () => {
  const hourly = parseSchedule('0 * * * *', 'UTC');
  const cj = cronJob({ schedule: '0 * * * *', startingDeadlineSeconds: 60 }, { lastScheduleTime: '2026-01-01T00:00:00Z' });
  // Restarted at 01:05: the 01:00 run is 5 minutes late, beyond the 60 s deadline.
  const late = planCronJob({ cronJob: cj, jobs: [], schedule: hourly, now: t('2026-01-01T01:05:00Z') });
  assert.equal(late.create, undefined);
  assert.equal(late.requeueAfterMs, 55 * 60_000 + 100);
  // Within the deadline it runs.
  const inTime = planCronJob({ cronJob: cj, jobs: [], schedule: hourly, now: t('2026-01-01T01:00:40Z') });
  assert.equal(inTime.create?.metadata?.name, jobNameFor('cj', t('2026-01-01T01:00:00Z')));
});

test('concurrencyPolicy: Forbid waits for the active Job, Replace deletes it, Allow runs both', () => {
  const running = ownedJob('cj-1');
  const status = { active: [{ kind: 'Job', name: 'cj-1', namespace: 'ns', uid: 'uid-cj-1' }], lastScheduleTime: '2026-01-01T00:01:00Z' };
  const now = t('2026-01-01T00:02:00.100Z');
  const forbid = planCronJob({ cronJob: cronJob({ concurrencyPolicy: 'Forbid' }, status), jobs: [running], schedule: everyMinute, now });
  assert.equal(forbid.create, undefined);
  assert.deepEqual(forbid.events.map((e) => e.reason), ['JobAlreadyActive']);
  const replace = planCronJob({ cronJob: cronJob({ concurrencyPolicy: 'Replace' }, status), jobs: [running], schedule: everyMinute, now });
  assert.deepEqual(replace.delete, [running]);
  assert.ok(replace.create);
  assert.equal(replace.status.active, undefined);
  const allow = planCronJob({ cronJob: cronJob({}, status), jobs: [running], schedule: everyMinute, now });
  assert.deepEqual(allow.delete, []);
  assert.ok(allow.create);
  assert.equal(allow.status.active?.length, 1);
});

test('finished Jobs leave the active list (SawCompletedJob), set lastSuccessfulTime, and are pruned beyond the history limits', () => {
  const done = ownedJob('cj-2', 'Complete', '2026-01-01T00:02:05Z');
  const status = { active: [{ kind: 'Job', name: 'cj-2', namespace: 'ns', uid: 'uid-cj-2' }], lastScheduleTime: '2026-01-01T00:02:00Z' };
  const old = [ownedJob('cj-a', 'Complete', '2025-12-31T00:00:00Z'), ownedJob('cj-b', 'Complete', '2025-12-31T00:01:00Z'), ownedJob('cj-c', 'Complete', '2025-12-31T00:02:00Z')];
  const failed = [ownedJob('cj-f1', 'Failed', '2025-12-31T00:00:00Z'), ownedJob('cj-f2', 'Failed', '2025-12-31T00:05:00Z')];
  const p = planCronJob({ cronJob: cronJob({}, status), jobs: [done, ...old, ...failed], schedule: everyMinute, now: t('2026-01-01T00:02:30Z') });
  assert.equal(p.status.active, undefined);
  assert.equal(p.status.lastSuccessfulTime, '2026-01-01T00:02:05Z');
  assert.deepEqual(p.events, [{ type: 'Normal', reason: 'SawCompletedJob', message: 'Saw completed job: cj-2, condition: Complete' }]);
  assert.deepEqual(p.delete.map((j) => j.metadata?.name), ['cj-a', 'cj-f1']);
});

test('a suspended CronJob runs nothing; a Job it did not create is reported; a vanished active Job is dropped', () => {
  const suspended = planCronJob({ cronJob: cronJob({ suspend: true }), jobs: [], schedule: everyMinute, now: t('2026-01-01T00:05:00Z') });
  assert.equal(suspended.create, undefined);
  const manual = planCronJob({ cronJob: cronJob({ suspend: true }), jobs: [ownedJob('manual')], schedule: everyMinute, now: t('2026-01-01T00:05:00Z') });
  assert.deepEqual(manual.events.map((e) => e.reason), ['UnexpectedJob']);
  const gone = planCronJob({ cronJob: cronJob({ suspend: true }, { active: [{ name: 'cj-9', uid: 'x' }] }), jobs: [], schedule: everyMinute, now: t('2026-01-01T00:05:00Z') });
  assert.deepEqual(gone.events.map((e) => e.reason), ['MissingJob']);
  assert.equal(gone.status.active, undefined);
  const bad = planCronJob({ cronJob: cronJob(), jobs: [], schedule: 'expected exactly 5 fields', now: t('2026-01-01T00:05:00Z') });
  assert.deepEqual(bad.events.map((e) => e.reason), ['UnparseableSchedule']);
});
