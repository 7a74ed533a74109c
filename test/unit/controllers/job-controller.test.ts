// The Job and CronJob controllers' syncs against seeded caches and a recording client: the order of writes that keeps counts exact, orphan release, and job creation on a tick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../src/api/machinery/object.js';
import { JobController } from '../../../src/controllers/job/job-controller.js';
import { CronJobController } from '../../../src/controllers/cronjob/cronjob-controller.js';
import { FakeClient, FakeInformer, FakeRecorder } from './replicaset-fixture.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const FINALIZER = 'batch.kubernetes.io/job-tracking';

function jobObj(status: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ns', uid: 'ju', resourceVersion: '5' },
    spec: { completions: 2, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', template: { metadata: { labels: { a: 'b' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } },
    status,
  } as KObject;
}

function podObj(name: string, phase: string, finalizers = [FINALIZER]): KObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '7', finalizers, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'ju', controller: true }] },
    spec: { containers: [{ name: 'c', image: 'i' }] },
    status: { phase, containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: '2026-01-01T11:59:00Z' } } }] },
  } as KObject;
}

function jobController(jobs: KObject[], pods: KObject[]): { c: JobController; client: FakeClient; recorder: FakeRecorder } {
  const client = new FakeClient();
  const recorder = new FakeRecorder();
  const c = new JobController({ client, jobs: new FakeInformer(jobs), pods: new FakeInformer(pods), recorder, now: () => NOW });
  return { c, client, recorder };
}

test('a succeeded pod is written into the status before its finalizer goes, and a replacement is created', async () => {
  const { c, client, recorder } = jobController([jobObj({ startTime: '2026-01-01T11:58:00Z' })], [podObj('p1', 'Succeeded')]);
  await c.syncJob('ns/j');
  assert.deepEqual(client.summary(), ['create pods j-xxxx1', 'update jobs/status j', 'patch pods p1']);
  const status = (client.actions[1]?.object as unknown as { status: { succeeded: number; active: number; uncountedTerminatedPods: unknown } }).status;
  assert.equal(status.succeeded, 1);
  assert.equal(status.active, 1);
  assert.deepEqual(status.uncountedTerminatedPods, { succeeded: ['uid-p1'] });
  assert.deepEqual(client.actions[2]?.patch, { metadata: { '$deleteFromPrimitiveList/finalizers': [FINALIZER] } });
  const created = client.actions[0]?.object as { metadata: { finalizers: string[]; labels: Record<string, string>; ownerReferences: { uid: string }[] } };
  assert.deepEqual(created.metadata.finalizers, [FINALIZER]);
  assert.equal(created.metadata.ownerReferences[0]?.uid, 'ju');
  assert.deepEqual(recorder.events.map((e) => e.reason), ['SuccessfulCreate']);
});

test('a failed status write leaves the finalizer in place, so the pod cannot vanish uncounted', async () => {
  const { c, client } = jobController([jobObj({ startTime: '2026-01-01T11:58:00Z' })], [podObj('p1', 'Succeeded')]);
  client.failures.set('update:jobs', new Error('conflict'));
  await assert.rejects(c.syncJob('ns/j'));
  assert.ok(!client.summary().some((a) => a.startsWith('patch pods')));
});

test('an orphan pod keeps its finalizer while the Job exists and loses it once the server says the Job is gone', async () => {
  const pod = podObj('p1', 'Running');
  const { c, client } = jobController([], [pod]);
  client.objects.set('jobs/ns/j', { metadata: { name: 'j', namespace: 'ns', uid: 'ju' } });
  await c.syncHandler('orphan-pod:ns/p1');
  assert.deepEqual(client.summary(), []);
  client.objects.delete('jobs/ns/j');
  await c.syncHandler('orphan-pod:ns/p1');
  assert.deepEqual(client.summary(), ['patch pods p1']);
});

test('a CronJob tick creates the Job and records it as active with lastScheduleTime', async () => {
  const client = new FakeClient();
  const recorder = new FakeRecorder();
  const cj = {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj', namespace: 'ns', uid: 'cu', creationTimestamp: '2026-01-01T11:58:30Z' },
    spec: { schedule: '* * * * *', timeZone: 'UTC', concurrencyPolicy: 'Allow', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } } } },
  } as KObject;
  const c = new CronJobController({ client, cronJobs: new FakeInformer([cj]), jobs: new FakeInformer([]), recorder, now: () => NOW + 100, timers: false });
  await c.syncCronJob('ns/cj');
  const name = `cj-${NOW / 60_000}`;
  assert.deepEqual(client.summary(), [`create jobs ${name}`, 'update cronjobs/status cj']);
  const status = (client.actions[1]?.object as unknown as { status: { active: { name: string }[]; lastScheduleTime: string } }).status;
  assert.deepEqual(status.active.map((a) => a.name), [name]);
  assert.equal(status.lastScheduleTime, '2026-01-01T12:00:00Z');
  assert.deepEqual(recorder.events.map((e) => e.reason), ['SuccessfulCreate']);
  c.stop();
});
