// The DaemonSet and StatefulSet controllers' syncs against seeded caches, with the exact writes they make.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../src/api/machinery/object.js';
import { newAlreadyExists } from '../../../src/api/machinery/errors.js';
import { DaemonSetController } from '../../../src/controllers/daemonset/daemonset-controller.js';
import { StatefulSetController } from '../../../src/controllers/statefulset/statefulset-controller.js';
import { newRevision } from '../../../src/controllers/history/revision.js';
import { FakeClient, FakeInformer, FakeRecorder } from './replicaset-fixture.js';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };

function statefulSet(): KObject {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'set-uid', generation: 1, resourceVersion: '7' },
    spec: {
      replicas: 2, serviceName: 'web', podManagementPolicy: 'OrderedReady', selector: { matchLabels: { app: 'web' } }, template,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
    },
  };
}

function stsController(objs: { pods?: KObject[]; revisions?: KObject[] } = {}) {
  const client = new FakeClient();
  const recorder = new FakeRecorder();
  const set = statefulSet();
  client.objects.set('statefulsets/default/web', set);
  const c = new StatefulSetController({
    client, recorder, statefulSets: new FakeInformer([set]), pods: new FakeInformer(objs.pods ?? []),
    claims: new FakeInformer(), revisions: new FakeInformer(objs.revisions ?? []),
  });
  return { c, client, recorder };
}

test('a new StatefulSet gets its first revision, then web-0 after its claim, and reports the revision in status', async () => {
  const { c, client, recorder } = stsController();
  await c.syncHandler('default/web');
  const rev = newRevision({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'set-uid' }, template }, 1);
  const name = rev.metadata?.name ?? '';
  assert.deepEqual(client.summary(), [
    `create controllerrevisions ${name}`, 'create persistentvolumeclaims data-web-0', 'create pods web-0', 'update statefulsets/status web',
  ]);
  const status = client.actions.at(-1)?.object?.['status'] as Record<string, unknown>;
  assert.equal(status['updateRevision'], name);
  assert.equal(status['currentRevision'], name);
  assert.deepEqual(recorder.events.map((e) => e.message), [
    'create Claim data-web-0 Pod web-0 in StatefulSet web success', 'create Pod web-0 in StatefulSet web successful',
  ]);
});

test('a pod create that races the cache (AlreadyExists) is not an error and records no event', async () => {
  const rev = newRevision({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'set-uid' }, template }, 1);
  const { c, client, recorder } = stsController({ revisions: [rev as unknown as KObject] });
  client.failures.set('create:pods', newAlreadyExists({ group: '', resource: 'pods' }, 'web-0'));
  await c.syncHandler('default/web');
  assert.ok(!recorder.events.some((e) => e.reason === 'FailedCreate'));
  assert.ok(!client.summary().some((a) => a.startsWith('create controllerrevisions')), 'the existing revision is reused');
});

test('an orphan member pod is adopted after checking the set with the server; a non-member is left alone', async () => {
  const orphan = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `u-${name}`, resourceVersion: '3', labels: { app: 'web' } }, spec: { containers: [] } });
  const { c, client } = stsController({ pods: [orphan('web-0'), orphan('stray')] });
  await c.syncHandler('default/web');
  const patches = client.actions.filter((a) => a.verb === 'patch' && a.resource === 'pods');
  assert.deepEqual(patches.map((a) => a.name), ['web-0']);
  assert.equal(client.actions.find((a) => a.verb === 'get' && a.resource === 'statefulsets')?.name, 'web');
});

test('a DaemonSet creates one pinned pod per node, then waits for the informer to show them', async () => {
  const client = new FakeClient();
  const recorder = new FakeRecorder();
  const ds: KObject = {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default', uid: 'ds-uid', generation: 1 },
    spec: { selector: { matchLabels: { app: 'web' } }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } },
  };
  const nodes = new FakeInformer<KObject>([{ metadata: { name: 'n1' } }, { metadata: { name: 'n2' } }]);
  const c = new DaemonSetController({ client, recorder, daemonSets: new FakeInformer([ds]), pods: new FakeInformer(), nodes, revisions: new FakeInformer() });
  await c.syncHandler('default/agent');
  const summary = client.summary();
  assert.match(summary[0], /^create controllerrevisions agent-/);
  assert.deepEqual(summary.slice(1), ['create pods agent-xxxx1', 'create pods agent-xxxx2', 'update daemonsets/status agent']);
  const pinned = client.actions.filter((a) => a.resource === 'pods').map((a) => (a.object?.['spec'] as { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: { matchFields: { values: string[] }[] }[] } } } }).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0]);
  assert.deepEqual(pinned.sort(), ['n1', 'n2']);
  assert.deepEqual(c.expectations.pending('default/agent'), { add: 2, del: 0 });
  // The creates are not in the cache yet: a second sync must not create again.
  client.actions.length = 0;
  await c.syncHandler('default/agent');
  assert.ok(!client.summary().some((s) => s.startsWith('create pods')));
  // A node going away wakes every DaemonSet.
  nodes.handlers.forEach((h) => h.onDelete?.({ metadata: { name: 'n2' } }));
  assert.equal(c.queue.length, 1);
});
