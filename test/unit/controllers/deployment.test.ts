// The Deployment controller: fenceposts, hashing, the pure rollout plan (rolling, Recreate, scaling, cleanup, revisions) and one sync with an exact action list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../../src/api/machinery/object.js';
import { planDeployment, newReplicaSetFor } from '../../../src/controllers/deployment/plan.js';
import { computeHash, equalIgnoreHash, getProportion, resolveFenceposts } from '../../../src/controllers/deployment/util.js';
import { DeploymentController } from '../../../src/controllers/deployment/deployment-controller.js';
import { FakeClient, FakeInformer, FakeRecorder } from './replicaset-fixture.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const iso = (s: number): string => new Date(NOW + s * 1000).toISOString();

const template = (image: string): PodTemplateSpec => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });

function deploy(replicas: number, image: string, o: { strategy?: Deployment['spec'] extends infer S ? S extends { strategy?: infer T } ? T : never : never; generation?: number; paused?: boolean; annotations?: Record<string, string>; status?: Deployment['status']; limit?: number } = {}): Deployment & KObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: o.generation ?? 1, resourceVersion: '50', annotations: o.annotations },
    spec: {
      replicas, selector: { matchLabels: { app: 'web' } }, template: template(image), progressDeadlineSeconds: 600, revisionHistoryLimit: o.limit ?? 10,
      strategy: o.strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, ...(o.paused ? { paused: true } : {}),
    },
    ...(o.status ? { status: o.status } : {}),
  };
}

/** A ReplicaSet of the deployment for `image`, with spec and status sizes. */
function rsFor(d: Deployment, image: string, revision: number, spec: number, available: number, created: number, desired?: number): ReplicaSet & KObject {
  const base = newReplicaSetFor({ ...d, spec: { ...d.spec, template: template(image) } as Deployment['spec'] });
  return {
    ...base,
    metadata: {
      ...base.metadata, uid: `uid-${image}`, creationTimestamp: iso(created), generation: 1, resourceVersion: '20',
      annotations: { 'deployment.kubernetes.io/revision': String(revision), 'deployment.kubernetes.io/desired-replicas': String(desired ?? d.spec?.replicas ?? 1), 'deployment.kubernetes.io/max-replicas': String((desired ?? d.spec?.replicas ?? 1) + 1) },
    },
    spec: { ...base.spec, replicas: spec } as ReplicaSet['spec'],
    status: { replicas: spec, readyReplicas: available, availableReplicas: available, observedGeneration: 1 },
  } as ReplicaSet & KObject;
}

const sizes = (plan: ReturnType<typeof planDeployment>): Record<string, number> =>
  Object.fromEntries([...(plan.create ? [plan.create] : []), ...plan.update].map((rs) => [rs.spec?.template?.spec?.containers[0]?.image ?? '', rs.spec?.replicas ?? 0]));

test('fenceposts: surge rounds up, unavailable rounds down, both zero means one unavailable', () => {
  const d = (maxSurge: number | string, maxUnavailable: number | string, replicas = 10): Deployment => ({ spec: { replicas, selector: {}, template: {}, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } } });
  assert.deepEqual(resolveFenceposts(d('25%', '25%')), { maxSurge: 3, maxUnavailable: 2 });
  assert.deepEqual(resolveFenceposts(d(0, 0)), { maxSurge: 0, maxUnavailable: 1 });
  assert.deepEqual(resolveFenceposts(d('0%', '10%', 5)), { maxSurge: 0, maxUnavailable: 1 });
  assert.deepEqual(resolveFenceposts(d(2, '50%', 3)), { maxSurge: 2, maxUnavailable: 1 });
});

test('the template hash is stable, key-order independent, and ignores its own label when comparing', () => {
  const a = template('x');
  const b: PodTemplateSpec = { spec: { containers: [{ image: 'x', name: 'c' }] }, metadata: { labels: { app: 'web' } } };
  assert.equal(computeHash(a), computeHash(b));
  assert.match(computeHash(a), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.notEqual(computeHash(a), computeHash(template('y')));
  assert.notEqual(computeHash(a, 1), computeHash(a));
  const rs = newReplicaSetFor(deploy(3, 'x'));
  assert.equal(rs.metadata?.name, `web-${computeHash(a)}`);
  assert.deepEqual(rs.spec?.selector.matchLabels, { app: 'web', 'pod-template-hash': computeHash(a) });
  assert.equal(rs.metadata?.labels?.['pod-template-hash'], computeHash(a));
  assert.ok(equalIgnoreHash(rs.spec?.template, { ...a, metadata: { ...a.metadata, creationTimestamp: null as unknown as string } }));
});

test('a new Deployment gets a ReplicaSet at revision 1 with every replica, and NewReplicaSetCreated', () => {
  const d = deploy(3, 'v1');
  const plan = planDeployment(d, [], [], NOW);
  assert.equal(plan.create?.spec?.replicas, 3);
  assert.equal(plan.create?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.deepEqual(plan.create?.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }]);
  assert.equal(plan.revision, '1');
  assert.deepEqual(plan.events.map((e) => e.message), [`Scaled up replica set ${plan.create?.metadata?.name ?? ''} from 0 to 3`]);
  assert.deepEqual(plan.status?.conditions?.map((c) => [c.type, c.status, c.reason]), [['Progressing', 'True', 'NewReplicaSetCreated'], ['Available', 'False', 'MinimumReplicasUnavailable']]);
});

test('a rolling update surges first, then scales old pods down only as new ones become available', () => {
  const d = deploy(3, 'v2', { status: { replicas: 3, updatedReplicas: 0, availableReplicas: 3 } });
  const old = rsFor(d, 'v1', 1, 3, 3, -100);
  // Step 1: maxSurge 1 → new RS at revision 2 with one pod, old untouched.
  let plan = planDeployment(d, [old], [], NOW);
  assert.deepEqual(sizes(plan), { v2: 1 });
  assert.equal(plan.create?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
  // Step 2: the new pod is not available yet → maxUnavailable 0 forbids any scale-down.
  const fresh = rsFor(d, 'v2', 2, 1, 0, -1);
  plan = planDeployment(d, [old, fresh], [], NOW);
  assert.deepEqual(sizes(plan), {});
  // Step 3: it is available → one old pod goes.
  plan = planDeployment(d, [old, rsFor(d, 'v2', 2, 1, 1, -1)], [], NOW);
  assert.deepEqual(sizes(plan), { v1: 2 });
  assert.deepEqual(plan.events.map((e) => e.message), [`Scaled down replica set ${old.metadata.name ?? ''} from 3 to 2`]);
  // Step 4: room to surge again.
  plan = planDeployment(d, [rsFor(d, 'v1', 1, 2, 2, -100), rsFor(d, 'v2', 2, 1, 1, -1)], [], NOW);
  assert.deepEqual(sizes(plan), { v2: 2 });
});

test('maxUnavailable lets old pods go before new ones are ready', () => {
  const d = deploy(4, 'v2', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '50%' } } });
  const plan = planDeployment(d, [rsFor(d, 'v1', 1, 4, 4, -100), rsFor(d, 'v2', 2, 0, 0, -1)], [], NOW);
  // Surge 0: the new set cannot grow; two of four may be unavailable.
  assert.deepEqual(sizes(plan), { v1: 2 });
});

test('Recreate scales old sets to zero, waits for their pods, then creates the new set at full size', () => {
  const d = deploy(2, 'v2', { strategy: { type: 'Recreate' } });
  const old = rsFor(d, 'v1', 1, 2, 2, -100);
  let plan = planDeployment(d, [old], [], NOW);
  assert.deepEqual(sizes(plan), { v1: 0 });
  assert.equal(plan.create, undefined);
  const drained = { ...old, spec: { ...old.spec, replicas: 0 }, status: { replicas: 0 } } as ReplicaSet & KObject;
  const lingering: Pod = { metadata: { name: 'p', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'uid-v1', controller: true }] }, status: { phase: 'Running' } };
  plan = planDeployment(d, [drained], [lingering], NOW);
  assert.equal(plan.create, undefined, 'an old pod still runs');
  plan = planDeployment(d, [drained], [{ ...lingering, status: { phase: 'Succeeded' } }], NOW);
  assert.equal(plan.create?.spec?.replicas, 2);
  assert.equal(plan.create?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
});

test('scaling mid-rollout spreads the change across sets in proportion to their sizes', () => {
  // Was 10 (max 11 with surge 1); rollout under way with 6 old + 5 new. Scaled to 20: allowed 21.
  const d = deploy(20, 'v2', { status: { replicas: 11 } });
  const old = rsFor(d, 'v1', 1, 6, 6, -100, 10);
  const cur = rsFor(d, 'v2', 2, 5, 2, -10, 10);
  const plan = planDeployment(d, [old, cur], [], NOW);
  assert.deepEqual(sizes(plan), { v1: 11, v2: 10 });
  for (const rs of plan.update) assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], '20');
  assert.equal(getProportion(old, d, 10, 0), 5);
});

test('a paused Deployment makes no new ReplicaSet but still scales', () => {
  const d = deploy(5, 'v2', { paused: true });
  const plan = planDeployment(d, [rsFor(d, 'v1', 1, 3, 3, -100, 3)], [], NOW);
  assert.equal(plan.create, undefined);
  assert.deepEqual(sizes(plan), { v1: 5 });
  assert.ok(plan.status?.conditions?.some((c) => c.type === 'Progressing' && c.status === 'Unknown' && c.reason === 'DeploymentPaused'));
});

test('rollback reuses the old ReplicaSet and raises its revision above the others', () => {
  const d = deploy(2, 'v1', { annotations: { 'deployment.kubernetes.io/revision': '2' } });
  const v1 = rsFor(d, 'v1', 1, 0, 0, -100);
  const v2 = rsFor(d, 'v2', 2, 2, 2, -50);
  const plan = planDeployment(d, [v1, v2], [], NOW);
  assert.equal(plan.create, undefined);
  const reused = plan.update.find((rs) => rs.metadata?.name === v1.metadata.name);
  assert.equal(reused?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(reused?.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(reused?.spec?.replicas, 1);
  assert.equal(plan.revision, '3');
});

test('a complete rollout reports NewReplicaSetAvailable and prunes history beyond the limit, oldest revisions first', () => {
  const d = deploy(2, 'v4', { limit: 1, status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 } });
  const rss = [rsFor(d, 'v1', 1, 0, 0, -400), rsFor(d, 'v2', 2, 0, 0, -300), rsFor(d, 'v3', 3, 0, 0, -200), rsFor(d, 'v4', 4, 2, 2, -100)];
  const plan = planDeployment(d, rss, [], NOW);
  assert.deepEqual(plan.delete.map((rs) => rs.spec?.template?.spec?.containers[0]?.image), ['v1', 'v2']);
  assert.deepEqual(plan.status?.conditions?.map((c) => [c.type, c.status, c.reason]).sort(), [['Available', 'True', 'MinimumReplicasAvailable'], ['Progressing', 'True', 'NewReplicaSetAvailable']]);
  assert.deepEqual([plan.status?.replicas, plan.status?.updatedReplicas, plan.status?.availableReplicas, plan.status?.unavailableReplicas], [2, 2, 2, 0]);
});

test('no progress past progressDeadlineSeconds reports ProgressDeadlineExceeded', () => {
  const stale = iso(-700);
  const d = deploy(2, 'v2', { status: { observedGeneration: 1, replicas: 3, updatedReplicas: 1, availableReplicas: 2, readyReplicas: 2, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: stale, lastTransitionTime: stale }] } });
  const plan = planDeployment(d, [rsFor(d, 'v1', 1, 2, 2, -800), rsFor(d, 'v2', 2, 1, 0, -750)], [], NOW);
  const progressing = plan.status?.conditions?.find((c) => c.type === 'Progressing');
  assert.deepEqual([progressing?.status, progressing?.reason], ['False', 'ProgressDeadlineExceeded']);
});

test('syncDeployment creates the ReplicaSet, records the event, and writes revision and status through /status', async () => {
  const d = deploy(2, 'v1');
  const client = new FakeClient();
  const recorder = new FakeRecorder();
  const rsInformer = new FakeInformer();
  const controller = new DeploymentController({ client, deployments: new FakeInformer([d]), replicaSets: rsInformer, pods: new FakeInformer(), recorder, now: () => NOW });
  await controller.syncHandler('default/web');
  const name = `web-${computeHash(template('v1'))}`;
  assert.deepEqual(client.summary(), [`create replicasets ${name}`, 'update deployments/status web']);
  const written = client.actions[1].object as Deployment;
  assert.equal(written.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(recorder.events[0]?.reason, 'ScalingReplicaSet');
  // The informer has not shown the new ReplicaSet: the next sync waits instead of creating again.
  client.actions.length = 0;
  await controller.syncHandler('default/web');
  assert.deepEqual(client.actions, []);
  assert.equal(controller.satisfied('default/web'), false);
});
