// The ReplicaSet controller: pure plan and status helpers, and syncReplicaSet against seeded caches with an exact action list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../../src/api/machinery/object.js';
import { newInternalError } from '../../../src/api/machinery/errors.js';
import {
  calculateStatus, claimPods, getPodsToDelete, planReplicas, slowStartBatch,
} from '../../../src/controllers/replicaset/plan.js';
import { ReplicaSetController } from '../../../src/controllers/replicaset/replicaset-controller.js';
import { ControllerExpectations } from '../../../src/controllers/replicaset/expectations.js';
import { FakeClient, FakeInformer, FakeRecorder } from './replicaset-fixture.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const iso = (offsetSeconds: number): string => new Date(NOW + offsetSeconds * 1000).toISOString();

function rs(replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet & KObject {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default', uid: 'rs-uid', generation: 2, resourceVersion: '10' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, ...extra },
  };
}

interface PodOpts { owner?: string | null; labels?: Record<string, string>; ready?: boolean; readySince?: number; node?: string; phase?: string; created?: number; restarts?: number; deleting?: boolean }

function pod(name: string, o: PodOpts = {}): Pod & KObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '5', creationTimestamp: iso(o.created ?? -100),
      labels: o.labels ?? { app: 'web', tier: 'fe' },
      ...(o.owner === null ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: o.owner ?? 'rs-uid', controller: true }] }),
      ...(o.deleting ? { deletionTimestamp: iso(0) } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(o.node === '' ? {} : { nodeName: o.node ?? 'n1' }) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: iso(o.readySince ?? -60) }],
      containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: o.ready !== false, restartCount: o.restarts ?? 0 }],
    },
  };
}

function fixture(set: ReplicaSet & KObject, pods: (Pod & KObject)[]) {
  const client = new FakeClient();
  client.objects.set(`replicasets/default/${set.metadata.name}`, set);
  const recorder = new FakeRecorder();
  const replicaSets = new FakeInformer([set as KObject]);
  const podInformer = new FakeInformer(pods as KObject[]);
  const controller = new ReplicaSetController({ client, replicaSets, pods: podInformer, recorder, now: () => NOW });
  return { client, recorder, controller, podInformer };
}

test('planReplicas creates the shortfall, deletes the excess, and does nothing when satisfied', () => {
  assert.deepEqual(planReplicas(rs(3), [pod('a')]), { type: 'create', count: 2 });
  assert.deepEqual(planReplicas(rs(1), [pod('a')]), { type: 'none' });
  assert.deepEqual(planReplicas(rs(700), [], 500), { type: 'create', count: 500 });
  const plan = planReplicas(rs(1), [pod('a'), pod('b', { ready: false })]);
  assert.equal(plan.type, 'delete');
  assert.deepEqual(plan.type === 'delete' && plan.pods.map((p) => p.metadata?.name), ['b']);
});

test('getPodsToDelete prefers unscheduled, then pending, then not ready, then newest', () => {
  const pods = [
    pod('old-ready', { created: -500, readySince: -400 }),
    pod('new-ready', { created: -50, readySince: -40 }),
    pod('not-ready', { ready: false }),
    pod('pending', { phase: 'Pending', ready: false }),
    pod('unscheduled', { node: '', phase: 'Pending', ready: false }),
    pod('restarts', { created: -500, readySince: -400, restarts: 3 }),
  ];
  assert.deepEqual(getPodsToDelete(pods, 6).map((p) => p.metadata?.name), ['unscheduled', 'pending', 'not-ready', 'new-ready', 'restarts', 'old-ready']);
});

test('claimPods adopts matching orphans, releases pods that stopped matching, ignores other owners', () => {
  const c = claimPods(rs(3), [
    pod('mine'), pod('orphan', { owner: null }), pod('orphan-other-labels', { owner: null, labels: { app: 'db' } }),
    pod('theirs', { owner: 'other-uid' }), pod('relabelled', { labels: { app: 'db' } }),
  ]);
  assert.deepEqual(c.owned.map((p) => p.metadata?.name), ['mine', 'orphan']);
  assert.deepEqual(c.adopt.map((p) => p.metadata?.name), ['orphan']);
  assert.deepEqual(c.release.map((p) => p.metadata?.name), ['relabelled']);
});

test('calculateStatus counts labelled, ready and available pods, honouring minReadySeconds', () => {
  const set = rs(3, { minReadySeconds: 30 });
  const status = calculateStatus(set, [
    pod('a', { readySince: -60 }), pod('b', { readySince: -10 }), pod('c', { ready: false, labels: { app: 'web' } }),
  ], undefined, NOW);
  assert.deepEqual(status, { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 2 });
  const failed = calculateStatus(set, [], { creating: true, message: 'quota' }, NOW);
  assert.deepEqual(failed.conditions?.map((c) => [c.type, c.reason, c.message]), [['ReplicaFailure', 'FailedCreate', 'quota']]);
  assert.equal(calculateStatus({ ...set, status: failed }, [], undefined, NOW).conditions, undefined);
});

test('slowStartBatch runs 1, 2, 4, ... and stops after the first failing batch', async () => {
  let calls = 0;
  const ok = await slowStartBatch(10, 1, async () => { calls++; });
  assert.deepEqual([ok.successes, calls], [10, 10]);
  calls = 0;
  const res = await slowStartBatch(10, 1, async () => {
    calls++;
    if (calls === 2) throw new Error('boom');
  });
  // Batch 1 ok, batch 2 (calls 2-3) has a failure: the remaining 7 never run.
  assert.deepEqual([res.successes, calls, (res.error as Error).message], [2, 3, 'boom']);
});

test('expectations block until observed and can only go down', () => {
  let now = 0;
  const e = new ControllerExpectations(() => now);
  assert.equal(e.satisfied('k'), true);
  e.expectCreations('k', 2);
  assert.equal(e.satisfied('k'), false);
  e.creationObserved('k');
  e.creationObserved('k');
  e.creationObserved('k');
  assert.deepEqual(e.pending('k'), { add: 0, del: 0 });
  assert.equal(e.satisfied('k'), true);
  e.expectDeletions('k', ['default/a']);
  e.deletionObserved('k', 'default/a');
  e.deletionObserved('k', 'default/a');
  assert.equal(e.satisfied('k'), true);
  e.expectCreations('k', 1);
  now = 6 * 60 * 1000;
  assert.equal(e.satisfied('k'), true, 'expired expectations stop blocking');
});

test('sync creates the missing pods with a controller reference, then waits for the informer', async () => {
  const { client, recorder, controller } = fixture(rs(3), [pod('web-a')]);
  await controller.syncHandler('default/web');
  assert.deepEqual(client.summary(), ['create pods web-xxxx1', 'create pods web-xxxx2', 'update replicasets/status web']);
  const created = client.actions[0].object as Pod;
  assert.equal(created.metadata?.generateName, 'web-');
  assert.deepEqual(created.metadata?.labels, { app: 'web', tier: 'fe' });
  assert.deepEqual(created.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(created.spec?.containers, [{ name: 'c', image: 'busybox' }]);
  assert.deepEqual(recorder.events.map((e) => `${e.reason} ${e.message}`), ['SuccessfulCreate Created pod: web-xxxx1', 'SuccessfulCreate Created pod: web-xxxx2']);
  // The watch has not shown the two pods yet: a second sync must not create more.
  client.actions.length = 0;
  await controller.syncHandler('default/web');
  assert.deepEqual(client.summary().filter((a) => a.startsWith('create')), []);
  assert.deepEqual(controller.expectations.pending('default/web'), { add: 2, del: 0 });
});

test('sync does nothing when satisfied and the status is current', async () => {
  const set = rs(2);
  set.status = { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 2 };
  const { client, recorder, controller } = fixture(set, [pod('a'), pod('b'), pod('c', { owner: 'someone-else' })]);
  await controller.syncHandler('default/web');
  assert.deepEqual(client.actions, []);
  assert.deepEqual(recorder.events, []);
});

test('sync deletes the excess, not-ready pods first, and reports the status', async () => {
  const { client, recorder, controller } = fixture(rs(1), [pod('a', { readySince: -500, created: -600 }), pod('b', { ready: false }), pod('c', { created: -10, readySince: -5 })]);
  await controller.syncHandler('default/web');
  assert.deepEqual(client.summary(), ['delete pods b', 'delete pods c', 'update replicasets/status web']);
  assert.deepEqual(recorder.events.map((e) => e.message), ['Deleted pod: b', 'Deleted pod: c']);
  assert.deepEqual((client.actions.at(-1)?.object as ReplicaSet).status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 2, observedGeneration: 2 });
});

test('sync adopts orphans and releases pods that no longer match', async () => {
  const { client, controller } = fixture(rs(2), [pod('orphan', { owner: null }), pod('mine'), pod('moved', { labels: { app: 'db' } })]);
  await controller.syncHandler('default/web');
  assert.deepEqual(client.summary(), ['patch pods moved', 'patch pods orphan', 'update replicasets/status web']);
  assert.deepEqual(client.actions.find((a) => a.name === 'moved')?.patch, { metadata: { uid: 'uid-moved', ownerReferences: null } });
  const adopt = client.actions.find((a) => a.name === 'orphan')?.patch as { metadata: { ownerReferences: { uid: string; controller: boolean }[] } };
  assert.deepEqual(adopt.metadata.ownerReferences.map((r) => [r.uid, r.controller]), [['rs-uid', true]]);
});

test('a failed create raises ReplicaFailure and the error requeues the key', async () => {
  const { client, recorder, controller } = fixture(rs(4), []);
  client.failures.set('create:pods', newInternalError('quota exceeded'));
  await assert.rejects(controller.syncHandler('default/web'), /quota exceeded/);
  // Slow start: one failing create, not four.
  assert.deepEqual(client.summary(), ['update replicasets/status web']);
  const status = (client.actions.at(-1)?.object as ReplicaSet).status;
  assert.equal(status?.conditions?.[0]?.reason, 'FailedCreate');
  assert.equal(recorder.events[0]?.reason, 'FailedCreate');
  assert.deepEqual(controller.expectations.pending('default/web'), { add: 0, del: 0 });
});

test('a deleted ReplicaSet forgets its expectations and makes no calls', async () => {
  const { client, controller } = fixture(rs(1), []);
  controller.expectations.expectCreations('default/gone', 3);
  await controller.syncHandler('default/gone');
  assert.deepEqual(client.actions, []);
  assert.equal(controller.expectations.pending('default/gone'), undefined);
});
