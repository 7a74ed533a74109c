// Jobs and CronJobs end to end on real Docker with real kubectl: completions and parallelism with `kubectl wait`, Indexed jobs, backoffLimit, activeDeadlineSeconds, ttlSecondsAfterFinished, a CronJob on schedule and `kubectl create job --from=cronjob`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, removeDataDir, startClusterRetrying, type Cluster } from './harness.js';

let cluster: Cluster;

before(async () => {
  cluster = await startClusterRetrying();
});

after(async () => {
  if (cluster) {
    await cluster.stop();
    removeDataDir(cluster);
  }
});

interface JobSpecInput {
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  completionMode?: 'Indexed' | 'NonIndexed';
  suspend?: boolean;
  podFailurePolicy?: unknown;
}

function job(name: string, script: string, spec: JobSpecInput = {}): string {
  return JSON.stringify({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
    spec: {
      ...spec,
      template: {
        spec: {
          restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'skiff/busybox:1.36', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script] }],
        },
      },
    },
  });
}

interface JobJson {
  metadata: { uid: string; labels?: Record<string, string> };
  spec: { selector?: { matchLabels?: Record<string, string> } };
  status?: { succeeded?: number; failed?: number; active?: number; completedIndexes?: string; startTime?: string; completionTime?: string; conditions?: { type: string; status: string; reason?: string }[] };
}

function getJob(name: string): JobJson {
  return JSON.parse(cluster.k(['get', 'job', name, '-o', 'json'])) as JobJson;
}

function condition(j: JobJson, type: string): { status: string; reason?: string } | undefined {
  return j.status?.conditions?.find((c) => c.type === type);
}

/** Started first: it needs up to a minute of wall time, which the other checks use meanwhile. */
let cronStarted = 0;
test('three CronJobs and seven Jobs are accepted in one apply; a suspended Job runs no pods; create job --from=cronjob works', () => {
  const cronJob = (name: string, extra: Record<string, unknown>): Record<string, unknown> => ({
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name },
    spec: {
      schedule: '* * * * *', ...extra,
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'skiff/busybox:1.36', command: ['sh', '-c', 'echo tick'] }] } } } },
    },
  });
  // The Jobs run side by side; each test below then checks its own.
  const items = [
    cronJob('tick', { concurrencyPolicy: 'Forbid' }),
    cronJob('tick-tz', { timeZone: 'Asia/Kolkata' }),
    cronJob('late', { suspend: true }),
    job('three', 'sleep 1; echo done', { completions: 3, parallelism: 2 }),
    job('idx', 'echo "index=$JOB_COMPLETION_INDEX host=$(hostname)"', { completions: 3, parallelism: 3, completionMode: 'Indexed' }),
    job('fails', 'exit 3', { backoffLimit: 1 }),
    job('slow', 'sleep 300', { activeDeadlineSeconds: 3 }),
    job('brief', 'true', { ttlSecondsAfterFinished: 2 }),
    job('held', 'true', { suspend: true }),
    job('fatal', 'exit 42', { backoffLimit: 6, podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] } }),
  ].map((o) => (typeof o === 'string' ? JSON.parse(o) as unknown : o));
  cluster.k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
  cronStarted = Date.now();
  assert.match(cluster.k(['get', 'cronjob', 'tick']), /tick\s+\* \* \* \* \*/);
  // Started here too, so their pods run while the checks below look at the others.
  cluster.k(['create', 'job', 'manual', '--from=cronjob/tick']);
  cluster.k(['wait', '--for=condition=suspended', 'job/held', '--timeout=60s']);
  assert.equal((JSON.parse(cluster.k(['get', 'pods', '-l', 'job-name=held', '-o', 'json'])) as { items: unknown[] }).items.length, 0);
  assert.match(cluster.k(['get', 'job', 'held']), /held\s+Suspended\s+0\/1/);
  cluster.k(['patch', 'job', 'held', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
});

test('a Job with completions 3 and parallelism 2 completes, and kubectl wait returns', () => {
  const j = getJob('three');
  // The API server generates the selector and pod labels from the uid.
  assert.equal(j.spec.selector?.matchLabels?.['batch.kubernetes.io/controller-uid'], j.metadata.uid);
  cluster.k(['wait', '--for=condition=complete', 'job/three', '--timeout=90s']);
  const done = getJob('three');
  assert.equal(done.status?.succeeded, 3);
  assert.ok(done.status?.completionTime);
  const pods = JSON.parse(cluster.k(['get', 'pods', '-l', 'job-name=three', '-o', 'json'])) as { items: { metadata: { labels: Record<string, string>; finalizers?: string[] }; status: { phase: string } }[] };
  assert.equal(pods.items.length, 3);
  for (const p of pods.items) {
    assert.equal(p.status.phase, 'Succeeded');
    assert.equal(p.metadata.labels['batch.kubernetes.io/controller-uid'], j.metadata.uid);
    // Counted, so the tracking finalizer is released.
    assert.ok(!(p.metadata.finalizers ?? []).includes('batch.kubernetes.io/job-tracking'));
  }
  const describe = cluster.k(['describe', 'job', 'three']);
  assert.match(describe, /Pods Statuses:\s+0 Active .* 3 Succeeded \/ 0 Failed/);
  assert.match(describe, /Completed\s+\S+\s+job-controller\s+Job completed/);
  assert.match(describe, /SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: three-/);
  assert.match(cluster.k(['get', 'job', 'three']), /three\s+Complete\s+3\/3/);
});

test('an Indexed Job gives each pod its JOB_COMPLETION_INDEX and hostname', () => {
  cluster.k(['wait', '--for=condition=complete', 'job/idx', '--timeout=90s']);
  assert.equal(getJob('idx').status?.completedIndexes, '0-2');
  const pods = JSON.parse(cluster.k(['get', 'pods', '-l', 'job-name=idx', '-o', 'json'])) as { items: { metadata: { name: string; annotations: Record<string, string> } }[] };
  const seen = pods.items.map((p) => {
    const index = p.metadata.annotations['batch.kubernetes.io/job-completion-index'];
    const log = cluster.k(['logs', p.metadata.name]).trim();
    assert.equal(log, `index=${index} host=idx-${index}`);
    return index;
  }).sort();
  assert.deepEqual(seen, ['0', '1', '2']);
});

test('a failing Job stops at backoffLimit with Failed BackoffLimitExceeded', () => {
  // The second pod starts after Kubernetes' 10 s pod backoff.
  cluster.k(['wait', '--for=condition=failed', 'job/fails', '--timeout=90s']);
  const j = getJob('fails');
  assert.equal(condition(j, 'Failed')?.reason, 'BackoffLimitExceeded');
  assert.equal(j.status?.failed, 2);
  assert.match(cluster.k(['get', 'events', '--field-selector', 'involvedObject.name=fails']), /BackoffLimitExceeded/);
});

test('activeDeadlineSeconds stops a running Job with DeadlineExceeded and removes its pod', async () => {
  cluster.k(['wait', '--for=condition=failed', 'job/slow', '--timeout=60s']);
  assert.equal(condition(getJob('slow'), 'Failed')?.reason, 'DeadlineExceeded');
  await eventually(() => {
    const pods = JSON.parse(cluster.k(['get', 'pods', '-l', 'job-name=slow', '-o', 'json'])) as { items: unknown[] };
    return pods.items.length === 0;
  }, 60_000, 500);
});

test('ttlSecondsAfterFinished deletes the finished Job and its pods', async () => {
  await eventually(() => cluster.kubectl(['get', 'job', 'brief']).code !== 0 && cluster.kubectl(['get', 'job', 'brief']).stderr.includes('NotFound'), 60_000, 500);
  await eventually(() => (JSON.parse(cluster.k(['get', 'pods', '-l', 'job-name=brief', '-o', 'json'])) as { items: unknown[] }).items.length === 0, 60_000, 500);
});

test('a suspended Job (resumed above once seen Suspended without pods) completes', () => {
  cluster.k(['wait', '--for=condition=complete', 'job/held', '--timeout=90s']);
  assert.equal(condition(getJob('held'), 'Suspended')?.status, 'False');
});

test('a podFailurePolicy FailJob rule fails the Job on the first matching exit code', () => {
  cluster.k(['wait', '--for=condition=failed', 'job/fatal', '--timeout=90s']);
  const j = getJob('fatal');
  assert.equal(condition(j, 'Failed')?.reason, 'PodFailurePolicy');
  assert.equal(j.status?.failed, 1);
  assert.match(cluster.k(['describe', 'job', 'fatal']), /failed with exit code 42 matching FailJob rule at index 0/);
});

test('kubectl create job --from=cronjob (run above) makes a Job the CronJob owns, and it completes', () => {
  const j = JSON.parse(cluster.k(['get', 'job', 'manual', '-o', 'json'])) as JobJson & { metadata: { ownerReferences?: { kind: string; name: string }[]; annotations?: Record<string, string> } };
  assert.equal(j.metadata.ownerReferences?.[0]?.kind, 'CronJob');
  assert.equal(j.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
  cluster.k(['wait', '--for=condition=complete', 'job/manual', '--timeout=90s']);
});

test('the CronJob created a Job for a scheduled minute and recorded lastScheduleTime', async () => {
  assert.ok(cronStarted > 0);
  const status = await eventually(() => {
    const cj = JSON.parse(cluster.k(['get', 'cronjob', 'tick', '-o', 'json'])) as { status?: { lastScheduleTime?: string; lastSuccessfulTime?: string } };
    return cj.status?.lastScheduleTime && cj.status.lastSuccessfulTime ? cj.status : undefined;
  }, 90_000, 1000);
  const scheduled = Date.parse(status?.lastScheduleTime ?? '');
  assert.equal(new Date(scheduled).getUTCSeconds(), 0);
  const name = `tick-${scheduled / 60_000}`;
  const j = JSON.parse(cluster.k(['get', 'job', name, '-o', 'json'])) as { metadata: { annotations?: Record<string, string> } };
  assert.equal(Date.parse(j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'] ?? ''), scheduled);
  assert.match(cluster.k(['describe', 'cronjob', 'tick']), /SuccessfulCreate\s+.*cronjob-controller\s+Created job tick-/);
  // spec.timeZone: the scheduled time is written in the CronJob's zone.
  const tz = JSON.parse(cluster.k(['get', 'cronjob', 'tick-tz', '-o', 'json'])) as { status?: { lastScheduleTime?: string } };
  const tzJob = JSON.parse(cluster.k(['get', 'job', `tick-tz-${Date.parse(tz.status?.lastScheduleTime ?? '') / 60_000}`, '-o', 'json'])) as { metadata: { annotations?: Record<string, string> } };
  assert.match(tzJob.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'] ?? '', /\+05:30$/);
});

test('a CronJob resumed after missing its schedules runs only the most recent missed time, at once', async () => {
  // 'late' was created suspended with the others; at least one scheduled minute has passed since.
  // Resume well inside a minute, so the next scheduled minute cannot be mistaken for the missed one.
  await eventually(() => new Date().getUTCSeconds() >= 3 && new Date().getUTCSeconds() <= 40, 60_000, 250);
  const resumedAt = Date.now();
  cluster.k(['patch', 'cronjob', 'late', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
  const last = await eventually(() => {
    const cj = JSON.parse(cluster.k(['get', 'cronjob', 'late', '-o', 'json'])) as { status?: { lastScheduleTime?: string } };
    return cj.status?.lastScheduleTime;
  }, 60_000, 500);
  const jobs = JSON.parse(cluster.k(['get', 'jobs', '-o', 'json'])) as { items: { metadata: { name: string; ownerReferences?: { name: string }[]; annotations?: Record<string, string> } }[] };
  const missedRuns = jobs.items
    .filter((j) => j.metadata.ownerReferences?.[0]?.name === 'late')
    .map((j) => Date.parse(j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'] ?? ''))
    .filter((t) => t <= resumedAt);
  assert.deepEqual(missedRuns, [Math.floor(resumedAt / 60_000) * 60_000], `only the latest missed minute runs (last schedule ${last})`);
});

test('a Job pod deleted while running counts as one failure and is replaced', async () => {
  cluster.k(['apply', '-f', '-'], { input: job('evicted', 'sleep 300', { backoffLimit: 6 }) });
  const running = await eventually(() => {
    const pods = JSON.parse(cluster.k(['get', 'pods', '-l', 'job-name=evicted', '-o', 'json'])) as { items: { metadata: { name: string }; status: { phase: string } }[] };
    return pods.items.find((p) => p.status.phase === 'Running')?.metadata.name;
  }, 60_000, 300);
  cluster.k(['delete', 'pod', running, '--wait=false']);
  await eventually(() => getJob('evicted').status?.failed === 1, 30_000, 300);
  // Its replacement runs, and the failure is not counted again.
  await eventually(() => {
    const pods = JSON.parse(cluster.k(['get', 'pods', '-l', 'job-name=evicted', '-o', 'json'])) as { items: { metadata: { name: string }; status: { phase: string } }[] };
    return pods.items.some((p) => p.metadata.name !== running && p.status.phase === 'Running');
  }, 60_000, 300);
  const j = getJob('evicted');
  assert.equal(j.status?.failed, 1);
  assert.equal(j.status?.active, 1);
  assert.match(cluster.k(['describe', 'job', 'evicted']), /1 Active .* 0 Succeeded \/ 1 Failed/);
  cluster.k(['delete', 'job', 'evicted', '--wait=false']);
});
