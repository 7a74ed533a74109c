/** apps/v1 and batch/v1 printers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { printerFor } from '../../../src/api/printers/index.js';
import { DAY, HOUR, MIN, NOW, SEC, ago, k } from './fixtures.js';

function cells(group: string, kind: string, obj: object): unknown[] {
  return printerFor(group, kind).cells(k(obj), NOW);
}

function names(group: string, kind: string): string[] {
  return printerFor(group, kind).columns.map((c) => (c.priority > 0 ? `${c.name}*` : c.name));
}

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'log', image: 'busybox:1.36' }] },
};

test('Deployment: READY ready/desired, UP-TO-DATE, AVAILABLE and wide template columns', () => {
  assert.deepEqual(names('apps', 'Deployment'), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*']);
  const d: Deployment = {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(5 * MIN + 12 * SEC) },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  assert.deepEqual(cells('apps', 'Deployment', d), ['web', '2/3', 3, 2, '5m12s', 'nginx,log', 'nginx:1.25,busybox:1.36', 'app=web']);
  const fresh: Deployment = { metadata: { name: 'new' }, spec: { replicas: 1, selector: {}, template } };
  assert.deepEqual(cells('apps', 'Deployment', fresh).slice(1, 4), ['0/1', 0, 0]);
});

test('selectors print sorted requirements with set-based expressions', () => {
  const d: Deployment = {
    metadata: { name: 'web' },
    spec: {
      selector: {
        matchLabels: { tier: 'fe', app: 'web' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'canary'] },
          { key: 'legacy', operator: 'DoesNotExist' },
          { key: 'zone', operator: 'Exists' },
          { key: 'arch', operator: 'NotIn', values: ['arm'] },
        ],
      },
      template,
    },
  };
  assert.equal(cells('apps', 'Deployment', d)[7], 'app=web,arch notin (arm),env in (canary,prod),!legacy,tier=fe,zone');
});

test('ReplicaSet: DESIRED CURRENT READY as numbers', () => {
  assert.deepEqual(names('apps', 'ReplicaSet'), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers*', 'Images*', 'Selector*']);
  const rs = {
    metadata: { name: 'web-7d4b9c', creationTimestamp: ago(DAY) },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d4b9c' } }, template },
    status: { replicas: 3, readyReplicas: 1 },
  };
  assert.deepEqual(cells('apps', 'ReplicaSet', rs), ['web-7d4b9c', 3, 3, 1, '24h', 'nginx,log', 'nginx:1.25,busybox:1.36', 'app=web,pod-template-hash=7d4b9c']);
});

test('DaemonSet: counts, NODE SELECTOR <none> or labels', () => {
  assert.deepEqual(names('apps', 'DaemonSet'), [
    'Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers*', 'Images*', 'Selector*',
  ]);
  const ds = {
    metadata: { name: 'log-agent', creationTimestamp: ago(3 * DAY) },
    spec: { selector: { matchLabels: { app: 'log' } }, template: { spec: { containers: [{ name: 'agent', image: 'fluent-bit:3' }], nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
    status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1, numberMisscheduled: 0 },
  };
  assert.deepEqual(cells('apps', 'DaemonSet', ds), ['log-agent', 2, 2, 1, 2, 1, 'kubernetes.io/os=linux', '3d', 'agent', 'fluent-bit:3', 'app=log']);
  const noSelector = { ...ds, spec: { ...ds.spec, template: { spec: { containers: [] } } } };
  assert.equal(cells('apps', 'DaemonSet', noSelector)[6], '<none>');
});

test('StatefulSet: READY ready/replicas; ControllerRevision: controller as kind.group/name', () => {
  assert.deepEqual(names('apps', 'StatefulSet'), ['Name', 'Ready', 'Age', 'Containers*', 'Images*']);
  const sts = { metadata: { name: 'db', creationTimestamp: ago(HOUR) }, spec: { replicas: 3, serviceName: 'db', selector: {}, template }, status: { replicas: 3, readyReplicas: 3 } };
  assert.deepEqual(cells('apps', 'StatefulSet', sts), ['db', '3/3', '60m', 'nginx,log', 'nginx:1.25,busybox:1.36']);

  assert.deepEqual(names('apps', 'ControllerRevision'), ['Name', 'Controller', 'Revision', 'Age']);
  const cr = {
    metadata: {
      name: 'db-5c7d9f',
      creationTimestamp: ago(HOUR),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u1', controller: true }],
    },
    revision: 2,
  };
  assert.deepEqual(cells('apps', 'ControllerRevision', cr), ['db-5c7d9f', 'statefulset.apps/db', 2, '60m']);
  assert.equal(cells('apps', 'ControllerRevision', { metadata: { name: 'orphan' }, revision: 1 })[1], '<none>');
});

function job(status: Job['status'], spec: Partial<NonNullable<Job['spec']>> = {}, meta: Job['metadata'] = {}): Job {
  return {
    metadata: { name: 'pi', namespace: 'default', creationTimestamp: ago(10 * MIN), ...meta },
    spec: {
      completions: 1,
      parallelism: 1,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } },
      template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34' }], restartPolicy: 'Never' } },
      ...spec,
    },
    status,
  };
}

test('Job: Complete with COMPLETIONS 1/1 and the run DURATION', () => {
  assert.deepEqual(names('batch', 'Job'), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers*', 'Images*', 'Selector*']);
  const done = job({
    startTime: ago(10 * MIN),
    completionTime: ago(10 * MIN - 42 * SEC),
    succeeded: 1,
    conditions: [
      { type: 'SuccessCriteriaMet', status: 'True' },
      { type: 'Complete', status: 'True' },
    ],
  });
  assert.deepEqual(cells('batch', 'Job', done), ['pi', 'Complete', '1/1', '42s', '10m', 'pi', 'perl:5.34', 'batch.kubernetes.io/controller-uid=abc']);
});

test('Job: Running, Failed, Suspended, Terminating, and the completions forms', () => {
  const runningJob = job({ startTime: ago(3 * MIN + 20 * SEC), active: 1 });
  assert.deepEqual(cells('batch', 'Job', runningJob).slice(1, 4), ['Running', '0/1', '3m20s']);
  const failed = job({ startTime: ago(5 * MIN), failed: 7, conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] });
  assert.equal(cells('batch', 'Job', failed)[1], 'Failed');
  const suspended = job({ conditions: [{ type: 'Suspended', status: 'True' }] }, { suspend: true });
  assert.deepEqual(cells('batch', 'Job', suspended).slice(1, 4), ['Suspended', '0/1', '']);
  assert.equal(cells('batch', 'Job', job({ conditions: [{ type: 'Suspended', status: 'False' }] }))[1], 'Running');
  assert.equal(cells('batch', 'Job', job({}, {}, { deletionTimestamp: ago(SEC) }))[1], 'Terminating');
  assert.equal(cells('batch', 'Job', job({ succeeded: 2 }, { completions: 5 }))[2], '2/5');
  assert.equal(cells('batch', 'Job', job({ succeeded: 0 }, { completions: undefined, parallelism: 3 }))[2], '0/1 of 3');
  assert.equal(cells('batch', 'Job', job({ succeeded: 1 }, { completions: undefined, parallelism: 1 }))[2], '1/1');
});

test('CronJob: <none> before the first schedule, then the age of the last one', () => {
  assert.deepEqual(names('batch', 'CronJob'), [
    'Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers*', 'Images*', 'Selector*',
  ]);
  const cj: CronJob = {
    metadata: { name: 'hello', creationTimestamp: ago(2 * HOUR) },
    spec: {
      schedule: '*/5 * * * *',
      suspend: false,
      jobTemplate: { spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox:1.36' }], restartPolicy: 'OnFailure' } } } },
    },
  };
  assert.deepEqual(cells('batch', 'CronJob', cj), ['hello', '*/5 * * * *', '<none>', 'False', 0, '<none>', '120m', 'hello', 'busybox:1.36', '<none>']);
  const ran: CronJob = {
    ...cj,
    spec: { ...cj.spec!, timeZone: 'Etc/UTC', suspend: true },
    status: { lastScheduleTime: ago(4 * MIN), active: [{ kind: 'Job', name: 'hello-28599120' }] },
  };
  assert.deepEqual(cells('batch', 'CronJob', ran).slice(1, 6), ['*/5 * * * *', 'Etc/UTC', 'True', 1, '4m']);
});
