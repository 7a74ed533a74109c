// In-process API tests of object semantics: identity on create, resourceVersions, generation, status separation, conflicts and scoping.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KObject } from '../../../src/api/machinery/object.js';
import { configMap, deployment, startApi, type ApiFixture } from './fixture.js';

const CM = '/api/v1/namespaces/default/configmaps';
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';

interface Status {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: { name?: string; kind?: string; group?: string; causes?: { reason?: string; field?: string; message?: string }[] };
}

describe('API objects in process', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApi();
  });
  after(async () => {
    await f.close();
  });

  it('create returns 201 with uid, creationTimestamp and a numeric resourceVersion that grows across kinds', async () => {
    const a = await f.post(CM, configMap('rv-a')).expect(201);
    const node = await f.post('/api/v1/nodes', { metadata: { name: 'rv-node' } }).expect(201);
    const b = await f.post('/api/v1/namespaces/kube-system/configmaps', configMap('rv-b')).expect(201);
    const metas = [a, node, b].map((r) => (r.body as KObject).metadata);
    for (const m of metas) {
      assert.match(m.uid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.match(m.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.match(m.resourceVersion ?? '', /^\d+$/);
    }
    const rvs = metas.map((m) => Number(m.resourceVersion));
    assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2], `resourceVersions must increase globally: ${rvs.join(',')}`);
    assert.notEqual(metas[0].uid, metas[2].uid);
    assert.equal((a.body as KObject).metadata.namespace, 'default');
    assert.equal((node.body as KObject).metadata.namespace, undefined);
    // What GET returns is what create returned.
    const got = await f.get(`${CM}/rv-a`).expect(200);
    assert.deepEqual(got.body, a.body);
  });

  it('server-owned metadata in a create body is replaced', async () => {
    const r = await f.post(CM, configMap('spoof', {
      metadata: { name: 'spoof', uid: 'not-a-uid', creationTimestamp: '2001-01-01T00:00:00Z', generation: 7 },
    })).expect(201);
    const m = (r.body as KObject).metadata;
    assert.notEqual(m.uid, 'not-a-uid');
    assert.notEqual(m.creationTimestamp, '2001-01-01T00:00:00Z');
    assert.equal(m.generation, undefined);
  });

  it('generateName makes a unique name from the prefix', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const r = await f.post(CM, { metadata: { generateName: 'gen-' }, data: {} }).expect(201);
      const m = (r.body as KObject).metadata;
      assert.match(m.name ?? '', /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.equal(m.generateName, 'gen-');
      names.add(m.name ?? '');
    }
    assert.equal(names.size, 3);
    const noName = await f.post(CM, { metadata: {}, data: {} }).expect(422);
    assert.equal((noName.body as Status).reason, 'Invalid');
    assert.equal((noName.body as Status).details?.causes?.[0]?.field, 'metadata.name');
  });

  it('Deployments start at generation 1; it grows on spec changes only, never for labels or status', async () => {
    const created = (await f.post(DEPLOY, { ...deployment('gen'), status: { replicas: 9, readyReplicas: 9 } }).expect(201)).body as KObject;
    assert.equal(created.metadata.generation, 1);
    assert.equal((created.status as { replicas?: number } | undefined)?.replicas, undefined, 'status on create is dropped');

    // A label change is not a spec change.
    const relabeled = structuredClone(created);
    relabeled.metadata.labels = { ...relabeled.metadata.labels, tier: 'web' };
    const r1 = (await f.put(`${DEPLOY}/gen`, relabeled).expect(200)).body as KObject;
    assert.equal(r1.metadata.generation, 1);
    assert.equal(r1.metadata.labels?.tier, 'web');
    assert.ok(Number(r1.metadata.resourceVersion) > Number(created.metadata.resourceVersion));

    // Status through the main resource is ignored and does not bump generation.
    const withStatus = structuredClone(r1);
    withStatus.status = { replicas: 3 };
    const r2 = (await f.put(`${DEPLOY}/gen`, withStatus).expect(200)).body as KObject;
    assert.equal(r2.metadata.generation, 1);
    assert.equal((r2.status as { replicas?: number } | undefined)?.replicas, undefined);

    // A spec change bumps it.
    const scaled = structuredClone(r2);
    (scaled.spec as { replicas: number }).replicas = 4;
    const r3 = (await f.put(`${DEPLOY}/gen`, scaled).expect(200)).body as KObject;
    assert.equal(r3.metadata.generation, 2);

    // Status is written through /status, which ignores spec changes and keeps generation.
    const statusWrite = structuredClone(r3);
    statusWrite.status = { replicas: 4, readyReplicas: 2, observedGeneration: 2 };
    (statusWrite.spec as { replicas: number }).replicas = 40;
    statusWrite.metadata.labels = { ...statusWrite.metadata.labels };
    const r4 = (await f.put(`${DEPLOY}/gen/status`, statusWrite).expect(200)).body as KObject;
    assert.equal((r4.status as { readyReplicas?: number }).readyReplicas, 2);
    assert.equal((r4.spec as { replicas: number }).replicas, 4, '/status must not change spec');
    assert.equal(r4.metadata.generation, 2);

    // GET /status returns the whole object, with the written status.
    const viaStatus = (await f.get(`${DEPLOY}/gen/status`).expect(200)).body as KObject;
    assert.deepEqual(viaStatus.status, r4.status);

    // A main-resource PUT without status keeps the stored status.
    const noStatus = structuredClone(r4);
    delete noStatus.status;
    noStatus.metadata.annotations = { note: 'x' };
    const r5 = (await f.put(`${DEPLOY}/gen`, noStatus).expect(200)).body as KObject;
    assert.deepEqual(r5.status, r4.status);
    assert.equal(r5.metadata.generation, 2);
  });

  it('a PUT with a stale resourceVersion is a 409 Conflict and changes nothing', async () => {
    const v1 = (await f.post(CM, configMap('cas')).expect(201)).body as KObject;
    const v2 = (await f.put(`${CM}/cas`, { ...v1, data: { k: 'second' } }).expect(200)).body as KObject;
    const stale = await f.put(`${CM}/cas`, { ...v1, data: { k: 'stale' } }).expect(409);
    const s = stale.body as Status;
    assert.equal(s.kind, 'Status');
    assert.equal(s.reason, 'Conflict');
    assert.match(s.message, /the object has been modified/);
    const now = (await f.get(`${CM}/cas`).expect(200)).body as KObject;
    assert.deepEqual(now, v2);
    // Without a resourceVersion the PUT is unconditional.
    const { resourceVersion: _rv, ...meta } = v1.metadata;
    const r = (await f.put(`${CM}/cas`, { ...v1, metadata: meta, data: { k: 'third' } }).expect(200)).body as KObject;
    assert.deepEqual(r.data, { k: 'third' });
  });

  it('a uid in a PUT body is a precondition: a different uid is a 409', async () => {
    const v1 = (await f.post(CM, configMap('uidpre')).expect(201)).body as KObject;
    const { resourceVersion: _rv, ...meta } = v1.metadata;
    const r = await f.put(`${CM}/uidpre`, { ...v1, metadata: { ...meta, uid: '00000000-0000-0000-0000-000000000000' }, data: { k: 'x' } }).expect(409);
    assert.match((r.body as Status).message, /Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, UID in object meta: /);
    assert.deepEqual(((await f.get(`${CM}/uidpre`)).body as KObject).data, { k: 'v' });
    // The matching uid, or none, is fine.
    await f.put(`${CM}/uidpre`, { ...v1, metadata: meta, data: { k: 'y' } }).expect(200);
  });

  it('a Namespace update keeps spec.finalizers and status; only /finalize and /status change them', async () => {
    const ns = (await f.post('/api/v1/namespaces', { metadata: { name: 'keepfin' } }).expect(201)).body as KObject;
    const r = (await f.put('/api/v1/namespaces/keepfin', { ...ns, spec: { finalizers: [] }, status: { phase: 'Terminating' } }).expect(200)).body as KObject;
    assert.deepEqual(r.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(r.status, { phase: 'Active' });
    const p = (await f.patch('/api/v1/namespaces/keepfin', { spec: { finalizers: null } }, 'application/merge-patch+json').expect(200)).body as KObject;
    assert.deepEqual(p.spec, { finalizers: ['kubernetes'] });
  });

  it('a no-op PUT keeps the resourceVersion', async () => {
    const v1 = (await f.post(CM, configMap('noop')).expect(201)).body as KObject;
    const v2 = (await f.put(`${CM}/noop`, v1).expect(200)).body as KObject;
    assert.equal(v2.metadata.resourceVersion, v1.metadata.resourceVersion);
  });

  it('AlreadyExists, NotFound and a missing namespace are Status errors with details', async () => {
    await f.post(CM, configMap('dup')).expect(201);
    const dup = (await f.post(CM, configMap('dup')).expect(409)).body as Status;
    assert.equal(dup.reason, 'AlreadyExists');
    assert.equal(dup.details?.name, 'dup');
    assert.equal(dup.details?.kind, 'configmaps');

    const missing = (await f.get(`${CM}/nope`).expect(404)).body as Status;
    assert.equal(missing.reason, 'NotFound');
    assert.equal(missing.message, 'configmaps "nope" not found');
    assert.deepEqual({ name: missing.details?.name, kind: missing.details?.kind }, { name: 'nope', kind: 'configmaps' });

    const grouped = (await f.get(`${DEPLOY}/nope`).expect(404)).body as Status;
    assert.equal(grouped.message, 'deployments.apps "nope" not found');
    assert.equal(grouped.details?.group, 'apps');

    await f.put(`${CM}/nope`, configMap('nope')).expect(404);
    await f.del(`${CM}/nope`).expect(404);

    const noNs = (await f.post('/api/v1/namespaces/ghost/configmaps', configMap('x')).expect(404)).body as Status;
    assert.equal(noNs.reason, 'NotFound');
    assert.deepEqual({ name: noNs.details?.name, kind: noNs.details?.kind }, { name: 'ghost', kind: 'namespaces' });
    assert.equal((await f.get('/api/v1/namespaces/ghost/configmaps/x')).status, 404);
  });

  it('a body namespace that disagrees with the URL is a 400', async () => {
    const r = await f.post(CM, configMap('other', { metadata: { name: 'other', namespace: 'kube-system' } })).expect(400);
    assert.equal((r.body as Status).reason, 'BadRequest');
    const wrongName = await f.post(CM, configMap('wn')).expect(201);
    await f.put(`${CM}/wn`, { ...(wrongName.body as KObject), metadata: { name: 'other' } }).expect(400);
  });

  it('cluster-scoped kinds live only at cluster paths, namespaced kinds only under a namespace', async () => {
    await f.post('/api/v1/nodes', { metadata: { name: 'scoped' } }).expect(201);
    await f.get('/api/v1/nodes/scoped').expect(200);
    const list = (await f.get('/api/v1/nodes').expect(200)).body as { kind: string; items: KObject[] };
    assert.equal(list.kind, 'NodeList');
    assert.ok(list.items.some((n) => n.metadata.name === 'scoped'));
    assert.equal((await f.get('/api/v1/namespaces/default/nodes/scoped')).status, 404);
    assert.equal((await f.get('/api/v1/namespaces/default/nodes')).status, 404);
    assert.equal((await f.post('/api/v1/namespaces/default/nodes', { metadata: { name: 'n2' } })).status, 404);
    // A namespaced kind by name without a namespace is not found.
    assert.equal((await f.get('/api/v1/configmaps/x')).status, 404);
    // Listing a namespaced kind across namespaces works.
    const all = (await f.get('/api/v1/configmaps').expect(200)).body as { items: KObject[] };
    const namespaces = new Set(all.items.map((i) => i.metadata.namespace));
    assert.ok(namespaces.has('default') && namespaces.has('kube-system'), [...namespaces].join(','));
    // Across all namespaces a namespaced kind can only be read: no create, no collection delete.
    const post = await f.post('/api/v1/configmaps', configMap('cw', { metadata: { name: 'cw', namespace: 'default' } })).expect(405);
    assert.equal((post.body as Status).reason, 'MethodNotAllowed');
    await f.get(`${CM}/cw`).expect(404);
    await f.del('/api/v1/configmaps').expect(405);
    assert.ok(((await f.get('/api/v1/configmaps').expect(200)).body as { items: KObject[] }).items.length > 0);
    // Unknown resources and groups.
    assert.equal((await f.get('/api/v1/namespaces/default/widgets')).status, 404);
    assert.equal((await f.get('/apis/nope.example.com/v1/things')).status, 404);
  });

  it('dryRun=All on create, update, patch and delete persists nothing', async () => {
    const dry = await f.post(`${CM}?dryRun=All`, configMap('dry')).expect(201);
    assert.equal((dry.body as KObject).metadata.name, 'dry');
    assert.ok((dry.body as KObject).metadata.uid);
    await f.get(`${CM}/dry`).expect(404);

    const live = (await f.post(CM, configMap('dry')).expect(201)).body as KObject;
    const upd = await f.put(`${CM}/dry?dryRun=All`, { ...live, data: { k: 'changed' } }).expect(200);
    assert.deepEqual((upd.body as KObject).data, { k: 'changed' });
    const pat = await f.patch(`${CM}/dry?dryRun=All`, { data: { k: 'patched' } }, 'application/merge-patch+json').expect(200);
    assert.deepEqual((pat.body as KObject).data, { k: 'patched' });
    await f.del(`${CM}/dry?dryRun=All`).expect(200);
    const after = (await f.get(`${CM}/dry`).expect(200)).body as KObject;
    assert.deepEqual(after, live);
    await f.post(`${CM}?dryRun=Bogus`, configMap('dry2')).expect(400);
  });

  it('fieldValidation: Strict rejects unknown and duplicate fields, Warn returns a Warning header', async () => {
    const strict = await f.post(`${CM}?fieldValidation=Strict`, { ...configMap('fv-strict'), bogus: 1 }).expect(400);
    assert.match((strict.body as Status).message, /strict decoding error: unknown field "bogus"/);
    await f.get(`${CM}/fv-strict`).expect(404);

    const dupBody = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fv-dup"},"data":{"a":"1","a":"2"}}';
    const dup = await f.post(`${CM}?fieldValidation=Strict`).set('Content-Type', 'application/json').send(dupBody).expect(400);
    assert.match((dup.body as Status).message, /duplicate field "data.a"/);

    const warn = await f.post(`${CM}?fieldValidation=Warn`, { ...configMap('fv-warn'), spec: { x: 1 } }).expect(201);
    assert.match(String(warn.headers.warning), /^299 - "unknown field \\"spec\\""$/);
    // Warn is the default.
    const dflt = await f.post(CM, { ...configMap('fv-default'), bogus: true }).expect(201);
    assert.match(String(dflt.headers.warning), /unknown field \\"bogus\\"/);
    const ignore = await f.post(`${CM}?fieldValidation=Ignore`, { ...configMap('fv-ignore'), bogus: true }).expect(201);
    assert.equal(ignore.headers.warning, undefined);
    // Warn and Ignore accept the object but, as Kubernetes' typed decoding does, never keep unknown fields.
    for (const name of ['fv-warn', 'fv-default', 'fv-ignore']) {
      const stored = (await f.get(`${CM}/${name}`).expect(200)).body as KObject;
      assert.equal(stored.spec, undefined, name);
      assert.equal(stored.bogus, undefined, name);
      assert.deepEqual(stored.data, { k: 'v' });
    }

    const strictPatch = await f.patch(`${CM}/fv-ignore?fieldValidation=Strict`, { nope: 1 }, 'application/merge-patch+json').expect(400);
    assert.match((strictPatch.body as Status).message, /unknown field "nope"/);
    await f.post(`${CM}?fieldValidation=Loose`, configMap('fv-bad')).expect(400);
  });

  it('body errors: 413 above 3 MiB, 415 for an unknown Content-Type, 400 for bad JSON, 422 with causes', async () => {
    const big = { ...configMap('big'), data: { blob: 'x'.repeat(3 * 1024 * 1024 + 1) } };
    const tooLarge = await f.post(CM, big).expect(413);
    assert.equal((tooLarge.body as Status).reason, 'RequestEntityTooLarge');
    await f.get(`${CM}/big`).expect(404);

    const media = await f.post(CM).set('Content-Type', 'text/plain').send('name: x').expect(415);
    assert.equal((media.body as Status).reason, 'UnsupportedMediaType');

    const bad = await f.post(CM).set('Content-Type', 'application/json').send('{"metadata": {').expect(400);
    assert.equal((bad.body as Status).reason, 'BadRequest');
    assert.equal((bad.body as Status).kind, 'Status');
    await f.post(CM).set('Content-Type', 'application/json').send('[1,2]').expect(400);
    await f.post(CM, { ...configMap('kind'), kind: 'Secret' }).expect(400);

    const invalid = await f.post(DEPLOY, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'Bad_Name' },
      spec: { replicas: -1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'c' } }, spec: { containers: [] } } },
    }).expect(422);
    const s = invalid.body as Status;
    assert.equal(s.reason, 'Invalid');
    assert.equal(s.details?.kind, 'Deployment');
    assert.equal(s.details?.group, 'apps');
    const fields = (s.details?.causes ?? []).map((c) => c.field);
    for (const want of ['metadata.name', 'spec.replicas', 'spec.template.spec.containers']) {
      assert.ok(fields.includes(want), `expected a cause for ${want}, got ${fields.join(', ')}`);
    }
    assert.match(s.message, /^Deployment\.apps "Bad_Name" is invalid: \[/);

    // YAML bodies are accepted for create.
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: "1"\n';
    const y = await f.post(CM).set('Content-Type', 'application/yaml').send(yaml).expect(201);
    assert.deepEqual((y.body as KObject).data, { a: '1' });
  });

  it('every non-public path needs credentials; health and version do not', async () => {
    const { default: supertest } = await import('supertest');
    const anon = supertest(f.app);
    const denied = await anon.get('/api/v1/namespaces').expect(401);
    assert.equal((denied.body as Status).reason, 'Unauthorized');
    assert.equal((await anon.get('/api/v1/namespaces').set('Authorization', 'Bearer wrong')).status, 401);
    assert.equal((await anon.get('/apis')).status, 401);
    assert.equal((await anon.get('/healthz')).text, 'ok');
    assert.equal((await anon.get('/readyz')).text, 'ok');
    assert.equal((await anon.get('/livez')).status, 200);
    const v = await anon.get('/version').expect(200);
    const info = v.body as { major: string; minor: string; gitVersion: string; platform: string };
    assert.equal(info.major, '1');
    assert.match(info.gitVersion, /^v1\.\d+\.\d+\+skiff\.test$/);
    assert.match(v.headers['content-type'] ?? '', /^application\/json/);
    await f.get('/api/v1/namespaces').expect(200);
  });
});
