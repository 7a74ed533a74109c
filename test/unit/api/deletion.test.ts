// In-process API tests of deletion: finalizers, graceful pod deletion after binding, preconditions, collections and namespace termination.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KObject } from '../../../src/api/machinery/object.js';
import { configMap, deployment, pod, startApi, type ApiFixture } from './fixture.js';

const CM = '/api/v1/namespaces/default/configmaps';
const PODS = '/api/v1/namespaces/default/pods';

/** A fixed clock, so deletion deadlines can be checked exactly. */
const NOW = new Date('2030-01-02T03:04:05Z');

interface Status {
  kind: string;
  status?: string;
  code: number;
  reason: string;
  message: string;
}

describe('API deletion in process', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApi({ now: () => NOW });
  });
  after(async () => {
    await f.close();
  });

  it('an object without finalizers goes at once; DELETE returns its last state', async () => {
    const created = (await f.post(CM, configMap('plain')).expect(201)).body as KObject;
    const r = await f.del(`${CM}/plain`).expect(200);
    const gone = r.body as KObject;
    assert.equal(gone.metadata.uid, created.metadata.uid);
    assert.ok(Number(gone.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    await f.get(`${CM}/plain`).expect(404);
    await f.del(`${CM}/plain`).expect(404);
  });

  it('finalizers keep an object with a deletionTimestamp until the last is removed by PUT or PATCH', async () => {
    await f.post(CM, configMap('fin', { metadata: { name: 'fin', finalizers: ['example.com/a', 'example.com/b'] } })).expect(201);
    const del = await f.del(`${CM}/fin`).expect(200);
    const marked = del.body as KObject;
    assert.equal(marked.metadata.deletionTimestamp, '2030-01-02T03:04:05Z');
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 0);
    assert.deepEqual(marked.metadata.finalizers, ['example.com/a', 'example.com/b']);
    const stillThere = (await f.get(`${CM}/fin`).expect(200)).body as KObject;
    assert.equal(stillThere.metadata.deletionTimestamp, '2030-01-02T03:04:05Z');

    // A second DELETE does not move the deletionTimestamp.
    const again = (await f.del(`${CM}/fin`)).body as KObject;
    assert.equal(again.metadata.deletionTimestamp, '2030-01-02T03:04:05Z');

    // Clients cannot clear the deletionTimestamp by writing the object.
    const cleared = structuredClone(stillThere);
    delete cleared.metadata.deletionTimestamp;
    cleared.metadata.finalizers = ['example.com/b'];
    const afterPut = (await f.put(`${CM}/fin`, cleared).expect(200)).body as KObject;
    assert.equal(afterPut.metadata.deletionTimestamp, '2030-01-02T03:04:05Z');
    assert.deepEqual(afterPut.metadata.finalizers, ['example.com/b']);

    // No finalizer can be added once the object is being deleted.
    const added = await f.patch(`${CM}/fin`, { metadata: { finalizers: ['example.com/b', 'example.com/late'] } }, 'application/merge-patch+json').expect(422);
    const cause = (added.body as { details?: { causes?: { reason?: string; field?: string; message?: string }[] } }).details?.causes?.[0];
    assert.equal(cause?.reason, 'FieldValueForbidden');
    assert.equal(cause?.field, 'metadata.finalizers');
    assert.match(cause?.message ?? '', /no new finalizers can be added if the object is being deleted, found new finalizers \[\]string\{"example\.com\/late"\}/);
    assert.deepEqual(((await f.get(`${CM}/fin`)).body as KObject).metadata.finalizers, ['example.com/b']);

    // Removing the last finalizer deletes the object.
    await f.patch(`${CM}/fin`, [{ op: 'remove', path: '/metadata/finalizers' }], 'application/json-patch+json').expect(200);
    await f.get(`${CM}/fin`).expect(404);
  });

  it('a finalizer-held object can be released with a merge patch too', async () => {
    await f.post(CM, configMap('fin2', { metadata: { name: 'fin2', finalizers: ['example.com/x'] } })).expect(201);
    await f.del(`${CM}/fin2`).expect(200);
    await f.patch(`${CM}/fin2`, { metadata: { finalizers: null } }, 'application/merge-patch+json').expect(200);
    await f.get(`${CM}/fin2`).expect(404);
  });

  it('propagationPolicy Foreground and Orphan hold the object with the matching finalizer', async () => {
    await f.post(CM, configMap('fg')).expect(201);
    const fg = (await f.del(`${CM}/fg`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' }).expect(200)).body as KObject;
    assert.deepEqual(fg.metadata.finalizers, ['foregroundDeletion']);
    assert.ok(fg.metadata.deletionTimestamp);
    await f.post(CM, configMap('orph')).expect(201);
    const orph = (await f.del(`${CM}/orph?propagationPolicy=Orphan`).expect(200)).body as KObject;
    assert.deepEqual(orph.metadata.finalizers, ['orphan']);
    await f.del(`${CM}/orph?propagationPolicy=Sideways`).expect(400);
  });

  it('marking a Deployment for deletion bumps its generation once', async () => {
    const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';
    await f.post(DEPLOY, deployment('held')).expect(201);
    const first = (await f.del(`${DEPLOY}/held?propagationPolicy=Foreground`).expect(200)).body as KObject;
    assert.equal(first.metadata.generation, 2);
    assert.ok(first.metadata.deletionTimestamp);
    const second = (await f.del(`${DEPLOY}/held?propagationPolicy=Foreground`).expect(200)).body as KObject;
    assert.equal(second.metadata.generation, 2);
    await f.patch(`${DEPLOY}/held`, { metadata: { finalizers: null } }, 'application/merge-patch+json').expect(200);
    await f.get(`${DEPLOY}/held`).expect(404);
  });

  it('unbound pods go at once; bound pods get a grace period, and gracePeriodSeconds=0 forces them out', async () => {
    await f.post(PODS, pod('unbound')).expect(201);
    await f.del(`${PODS}/unbound`).expect(200);
    await f.get(`${PODS}/unbound`).expect(404);

    await f.post(PODS, pod('bound')).expect(201);
    const bind = await f.post(`${PODS}/bound/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-1' } }).expect(201);
    assert.equal((bind.body as Status).status, 'Success');
    assert.equal((bind.body as Status).code, 201);
    const bound = (await f.get(`${PODS}/bound`).expect(200)).body as KObject;
    assert.equal((bound.spec as { nodeName?: string }).nodeName, 'node-1');
    const conditions = (bound.status as { conditions?: { type: string; status: string }[] }).conditions ?? [];
    assert.ok(conditions.some((c) => c.type === 'PodScheduled' && c.status === 'True'));
    // Binding twice is a conflict.
    await f.post(`${PODS}/bound/binding`, { target: { kind: 'Node', name: 'node-2' } }).expect(409);

    const graceful = (await f.del(`${PODS}/bound`).expect(200)).body as KObject;
    assert.equal(graceful.metadata.deletionGracePeriodSeconds, 30);
    assert.equal(graceful.metadata.deletionTimestamp, '2030-01-02T03:04:35Z');
    await f.get(`${PODS}/bound`).expect(200);

    // A shorter grace period shortens the deadline; a longer one does not extend it.
    const shorter = (await f.del(`${PODS}/bound?gracePeriodSeconds=5`).expect(200)).body as KObject;
    assert.equal(shorter.metadata.deletionGracePeriodSeconds, 5);
    assert.equal(shorter.metadata.deletionTimestamp, '2030-01-02T03:04:10Z');
    const longer = (await f.del(`${PODS}/bound?gracePeriodSeconds=60`)).body as KObject;
    assert.equal(longer.metadata.deletionTimestamp, '2030-01-02T03:04:10Z');

    await f.del(`${PODS}/bound`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }).expect(200);
    await f.get(`${PODS}/bound`).expect(404);
    await f.del(`${PODS}/gone?gracePeriodSeconds=-1`).expect(400);
  });

  it('eviction deletes an unbound pod at once and a bound one gracefully', async () => {
    const eviction = (name: string): object => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } });
    await f.post(PODS, pod('evict-unbound')).expect(201);
    const r = await f.post(`${PODS}/evict-unbound/eviction`, eviction('evict-unbound')).expect(201);
    assert.deepEqual([(r.body as Status).kind, (r.body as Status).status, (r.body as Status).code], ['Status', 'Success', 201]);
    await f.get(`${PODS}/evict-unbound`).expect(404);

    await f.post(PODS, pod('evict-bound')).expect(201);
    await f.post(`${PODS}/evict-bound/binding`, { target: { kind: 'Node', name: 'node-1' } }).expect(201);
    await f.post(`${PODS}/evict-bound/eviction?dryRun=All`, eviction('evict-bound')).expect(201);
    assert.equal(((await f.get(`${PODS}/evict-bound`)).body as KObject).metadata.deletionTimestamp, undefined);
    await f.post(`${PODS}/evict-bound/eviction`, { ...eviction('evict-bound'), deleteOptions: { gracePeriodSeconds: 3 } }).expect(201);
    const evicted = (await f.get(`${PODS}/evict-bound`).expect(200)).body as KObject;
    assert.equal(evicted.metadata.deletionGracePeriodSeconds, 3);
    assert.equal(evicted.metadata.deletionTimestamp, '2030-01-02T03:04:08Z');
    await f.del(`${PODS}/evict-bound?gracePeriodSeconds=0`).expect(200);
    await f.post(`${PODS}/nobody/eviction`, eviction('nobody')).expect(404);
  });

  it('a bound pod with terminationGracePeriodSeconds uses it', async () => {
    const p = pod('tgps');
    (p.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds = 7;
    await f.post(PODS, p).expect(201);
    await f.post(`${PODS}/tgps/binding`, { target: { name: 'node-1' } }).expect(201);
    const r = (await f.del(`${PODS}/tgps`).expect(200)).body as KObject;
    assert.equal(r.metadata.deletionGracePeriodSeconds, 7);
    await f.del(`${PODS}/tgps?gracePeriodSeconds=0`).expect(200);
  });

  it('preconditions on uid and resourceVersion are checked', async () => {
    const cm = (await f.post(CM, configMap('pre')).expect(201)).body as KObject;
    const wrongUid = await f.del(`${CM}/pre`, { preconditions: { uid: 'other' } }).expect(409);
    assert.match((wrongUid.body as Status).message, /Precondition failed: UID in precondition/);
    await f.del(`${CM}/pre`, { preconditions: { resourceVersion: '1' } }).expect(409);
    await f.get(`${CM}/pre`).expect(200);
    await f.del(`${CM}/pre`, { preconditions: { uid: cm.metadata.uid, resourceVersion: cm.metadata.resourceVersion } }).expect(200);
  });

  it('DELETE on a collection removes what the selector matches, and dryRun keeps everything', async () => {
    await f.post('/api/v1/namespaces', { metadata: { name: 'coll' } }).expect(201);
    const base = '/api/v1/namespaces/coll/configmaps';
    for (const [name, tier] of [['c1', 'a'], ['c2', 'a'], ['c3', 'b']]) {
      await f.post(base, configMap(name, { metadata: { name, labels: { tier } } })).expect(201);
    }
    const dry = (await f.del(`${base}?labelSelector=tier%3Da&dryRun=All`).expect(200)).body as { items: KObject[] };
    assert.equal(dry.items.length, 2);
    assert.equal(((await f.get(base)).body as { items: KObject[] }).items.length, 3);
    const r = (await f.del(`${base}?labelSelector=tier%3Da`).expect(200)).body as { kind: string; items: KObject[] };
    assert.equal(r.kind, 'ConfigMapList');
    assert.deepEqual(r.items.map((i) => i.metadata.name).sort(), ['c1', 'c2']);
    const left = ((await f.get(base)).body as { items: KObject[] }).items;
    assert.deepEqual(left.map((i) => i.metadata.name), ['c3']);
  });

  it('the system namespaces default, kube-system and kube-public cannot be deleted', async () => {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      const r = await f.del(`/api/v1/namespaces/${name}`).expect(403);
      assert.equal((r.body as Status).reason, 'Forbidden');
      assert.equal((r.body as Status).message, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
      const ns = (await f.get(`/api/v1/namespaces/${name}`).expect(200)).body as KObject;
      assert.equal(ns.metadata.deletionTimestamp, undefined);
    }
  });

  it('a namespace DELETE marks it Terminating; finalize with no finalizers removes it', async () => {
    const created = (await f.post('/api/v1/namespaces', { metadata: { name: 'doomed' } }).expect(201)).body as KObject;
    assert.equal((created.status as { phase?: string }).phase, 'Active');
    assert.equal(created.metadata.labels?.['kubernetes.io/metadata.name'], 'doomed');
    assert.deepEqual((created.spec as { finalizers?: string[] }).finalizers, ['kubernetes']);
    await f.post('/api/v1/namespaces/doomed/configmaps', configMap('inside')).expect(201);

    const del = await f.del('/api/v1/namespaces/doomed').expect(200);
    const ns = del.body as KObject;
    assert.equal(ns.metadata.deletionTimestamp, '2030-01-02T03:04:05Z');
    assert.equal((ns.status as { phase?: string }).phase, 'Terminating');
    const got = (await f.get('/api/v1/namespaces/doomed').expect(200)).body as KObject;
    assert.equal((got.status as { phase?: string }).phase, 'Terminating');
    const terminating = (await f.get('/api/v1/namespaces?fieldSelector=status.phase%3DTerminating').expect(200)).body as { items: KObject[] };
    assert.deepEqual(terminating.items.map((i) => i.metadata.name), ['doomed']);

    // Nothing new can be created inside; existing content can still be read.
    const forbidden = await f.post('/api/v1/namespaces/doomed/configmaps', configMap('late')).expect(403);
    assert.equal((forbidden.body as Status).reason, 'Forbidden');
    assert.match((forbidden.body as Status).message, /because it is being terminated/);
    await f.get('/api/v1/namespaces/doomed/configmaps/inside').expect(200);

    // Finalize that keeps the finalizer keeps the namespace.
    await f.put('/api/v1/namespaces/doomed/finalize', { ...got, spec: { finalizers: ['kubernetes'] } }).expect(200);
    await f.get('/api/v1/namespaces/doomed').expect(200);
    await f.put('/api/v1/namespaces/doomed/finalize', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' }, spec: { finalizers: [] } }).expect(200);
    await f.get('/api/v1/namespaces/doomed').expect(404);
  });
});
