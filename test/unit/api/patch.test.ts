// In-process API tests of PATCH: JSON, merge and strategic patches, server-side apply with conflicts, status patches and the scale subresource.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KObject } from '../../../src/api/machinery/object.js';
import { configMap, deployment, startApi, type ApiFixture } from './fixture.js';

const CM = '/api/v1/namespaces/default/configmaps';
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';
const APPLY = 'application/apply-patch+yaml';
const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const JSONPATCH = 'application/json-patch+json';

interface Status {
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { reason?: string; field?: string; message?: string }[] };
}

interface ManagedField {
  manager: string;
  operation: string;
  apiVersion: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

interface Scale {
  kind: string;
  apiVersion: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

const managers = (o: KObject): ManagedField[] => (o.metadata.managedFields ?? []) as ManagedField[];
const containers = (o: KObject): { name: string; image: string }[] =>
  ((o.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec.containers);

describe('API patches in process', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApi();
  });
  after(async () => {
    await f.close();
  });

  it('JSON patch: ops apply in order, a failed test op is a 422 and changes nothing', async () => {
    await f.post(CM, configMap('jp', { data: { a: '1', b: '2' } })).expect(201);
    const r = (await f.patch(`${CM}/jp`, [
      { op: 'add', path: '/data/c', value: '3' },
      { op: 'remove', path: '/data/a' },
      { op: 'replace', path: '/data/b', value: 'two' },
      { op: 'add', path: '/metadata/labels', value: { x: 'y' } },
    ], JSONPATCH).expect(200)).body as KObject;
    assert.deepEqual(r.data, { b: 'two', c: '3' });
    assert.deepEqual(r.metadata.labels, { x: 'y' });
    const before = (await f.get(`${CM}/jp`)).body as KObject;
    const failed = await f.patch(`${CM}/jp`, [{ op: 'test', path: '/data/b', value: 'nope' }, { op: 'remove', path: '/data/b' }], JSONPATCH).expect(422);
    assert.match((failed.body as Status).message, /test/);
    await f.patch(`${CM}/jp`, [{ op: 'remove', path: '/data/absent' }], JSONPATCH).expect(422);
    assert.deepEqual((await f.get(`${CM}/jp`)).body, before);
    // The patch body must be an array of operations.
    await f.patch(`${CM}/jp`, { op: 'add' }, JSONPATCH).expect(400);
  });

  it('merge patch: null deletes a key, objects merge, lists replace', async () => {
    await f.post(CM, configMap('mp', { data: { a: '1', b: '2' } })).expect(201);
    const r = (await f.patch(`${CM}/mp`, { data: { a: null, c: '3' }, metadata: { annotations: { n: 'v' } } }, MERGE).expect(200)).body as KObject;
    assert.deepEqual(r.data, { b: '2', c: '3' });
    assert.deepEqual(r.metadata.annotations, { n: 'v' });
    await f.patch(`${CM}/mp`, '{"data": ', MERGE).expect(400);
    await f.patch(`${CM}/mp`, '[1]', MERGE).expect(400);
    await f.patch(`${CM}/missing`, { data: {} }, MERGE).expect(404);
  });

  it('strategic merge patch merges containers by name; merge patch replaces the list', async () => {
    const d = deployment('smp');
    containers(d).push({ name: 'side', image: 'busybox:1' });
    await f.post(DEPLOY, d).expect(201);
    const smp = (await f.patch(`${DEPLOY}/smp`, { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } }, STRATEGIC).expect(200)).body as KObject;
    assert.deepEqual(containers(smp).map((c) => [c.name, c.image]), [['c', 'nginx:2'], ['side', 'busybox:1']]);
    assert.equal(smp.metadata.generation, 2);
    const del = (await f.patch(`${DEPLOY}/smp`, { spec: { template: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } } } }, STRATEGIC).expect(200)).body as KObject;
    assert.deepEqual(containers(del).map((c) => c.name), ['c']);
    const mp = (await f.patch(`${DEPLOY}/smp`, { spec: { template: { spec: { containers: [{ name: 'only', image: 'redis:7' }] } } } }, MERGE).expect(200)).body as KObject;
    assert.deepEqual(containers(mp).map((c) => c.name), ['only']);
    // Defaults are applied to what a patch adds.
    assert.equal((containers(mp)[0] as { imagePullPolicy?: string }).imagePullPolicy, 'IfNotPresent');
    // A patch that breaks validation is a 422 and changes nothing.
    const invalid = await f.patch(`${DEPLOY}/smp`, { spec: { replicas: -2 } }, MERGE).expect(422);
    assert.equal((invalid.body as Status).details?.causes?.[0]?.field, 'spec.replicas');
    assert.equal(((await f.get(`${DEPLOY}/smp`)).body as KObject).metadata.generation, 4);
  });

  it('a patch naming a stale resourceVersion is a 409; the name cannot change', async () => {
    const cm = (await f.post(CM, configMap('prv')).expect(201)).body as KObject;
    await f.patch(`${CM}/prv`, { data: { k: 'v2' } }, MERGE).expect(200);
    const stale = await f.patch(`${CM}/prv`, { metadata: { resourceVersion: cm.metadata.resourceVersion }, data: { k: 'v3' } }, MERGE).expect(409);
    assert.equal((stale.body as Status).reason, 'Conflict');
    assert.deepEqual(((await f.get(`${CM}/prv`)).body as KObject).data, { k: 'v2' });
    await f.patch(`${CM}/prv`, { metadata: { name: 'renamed' } }, MERGE).expect(400);
  });

  it('PATCH in a non-patch media type is a 415', async () => {
    await f.post(CM, configMap('ptype')).expect(201);
    const r = await f.patch(`${CM}/ptype`, { data: { x: '1' } }, 'application/json').expect(415);
    assert.equal((r.body as Status).reason, 'UnsupportedMediaType');
    await f.patch(`${CM}/ptype`, 'data: {}', 'text/plain').expect(415);
  });

  it('server-side apply creates, updates, tracks managers and reports conflicts until forced', async () => {
    const yaml = (value: string, extra = ''): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  labels:\n    owner: alice\ndata:\n  k: ${value}\n${extra}`;
    // An apply needs a field manager.
    await f.patch(`${CM}/ssa`, yaml('v'), APPLY).expect(400);

    const created = await f.patch(`${CM}/ssa?fieldManager=alice`, yaml('v'), APPLY).expect(201);
    const c = created.body as KObject;
    assert.ok(c.metadata.uid);
    assert.ok(c.metadata.creationTimestamp);
    assert.deepEqual(c.data, { k: 'v' });
    assert.deepEqual(managers(c).map((m) => [m.manager, m.operation]), [['alice', 'Apply']]);
    assert.deepEqual(managers(c)[0]?.fieldsV1, { 'f:data': { 'f:k': {} }, 'f:metadata': { 'f:labels': { 'f:owner': {} } } });

    // Re-applying the same configuration is a no-op.
    const again = (await f.patch(`${CM}/ssa?fieldManager=alice`, yaml('v'), APPLY).expect(200)).body as KObject;
    assert.equal(again.metadata.resourceVersion, c.metadata.resourceVersion);

    // Another manager changing alice's field conflicts; nothing changes.
    const conflict = await f.patch(`${CM}/ssa?fieldManager=bob`, yaml('w'), APPLY).expect(409);
    const s = conflict.body as Status;
    assert.equal(s.reason, 'Conflict');
    assert.match(s.message, /^Apply failed with 1 conflict: conflict with "alice": \.data\.k/);
    assert.deepEqual(s.details?.causes?.map((x) => [x.reason, x.field]), [['FieldManagerConflict', '.data.k']]);
    assert.deepEqual(((await f.get(`${CM}/ssa`)).body as KObject).data, { k: 'v' });

    // Agreeing on a value is shared ownership, not a conflict.
    const shared = (await f.patch(`${CM}/ssa?fieldManager=carol`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: v\n  c: "1"\n', APPLY).expect(200)).body as KObject;
    assert.deepEqual(shared.data, { k: 'v', c: '1' });

    // force takes the field over.
    const forced = (await f.patch(`${CM}/ssa?fieldManager=bob&force=true`, yaml('w'), APPLY).expect(200)).body as KObject;
    assert.equal((forced.data as Record<string, string>).k, 'w');
    const bob = managers(forced).find((m) => m.manager === 'bob');
    assert.deepEqual((bob?.fieldsV1['f:data'] as Record<string, unknown>)['f:k'], {});
    const alice = managers(forced).find((m) => m.manager === 'alice');
    assert.equal((alice?.fieldsV1['f:data'] as Record<string, unknown> | undefined)?.['f:k'], undefined, 'alice lost data.k');

    // Dropping a field from one's configuration removes it when nobody else owns it.
    const dropped = (await f.patch(`${CM}/ssa?fieldManager=carol`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: w\n', APPLY).expect(200)).body as KObject;
    assert.deepEqual(dropped.data, { k: 'w' });

    // An Update by another client is recorded as such.
    const upd = (await f.patch(`${CM}/ssa?fieldManager=kubectl-edit`, { data: { e: '1' } }, MERGE).expect(200)).body as KObject;
    assert.ok(managers(upd).some((m) => m.manager === 'kubectl-edit' && m.operation === 'Update'));
    // force is for apply only.
    await f.patch(`${CM}/ssa?force=true`, { data: {} }, MERGE).expect(400);
  });

  it('server-side apply of a Deployment: generation, defaults and a dry run', async () => {
    const manifest = (image: string): string => [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: applied', 'spec:', '  replicas: 2',
      '  selector:', '    matchLabels:', '      app: applied', '  template:', '    metadata:', '      labels:', '        app: applied',
      '    spec:', '      containers:', '      - name: c', `        image: ${image}`, '',
    ].join('\n');
    await f.patch(`${DEPLOY}/applied?fieldManager=ci&dryRun=All`, manifest('nginx:1'), APPLY).expect(201);
    await f.get(`${DEPLOY}/applied`).expect(404);
    const c = (await f.patch(`${DEPLOY}/applied?fieldManager=ci`, manifest('nginx:1'), APPLY).expect(201)).body as KObject;
    assert.equal(c.metadata.generation, 1);
    assert.equal((c.spec as { strategy?: { type?: string } }).strategy?.type, 'RollingUpdate');
    const u = (await f.patch(`${DEPLOY}/applied?fieldManager=ci`, manifest('nginx:2'), APPLY).expect(200)).body as KObject;
    assert.equal(u.metadata.generation, 2);
    assert.equal(containers(u)[0]?.image, 'nginx:2');
    const dry = (await f.patch(`${DEPLOY}/applied?fieldManager=ci&dryRun=All`, manifest('nginx:3'), APPLY).expect(200)).body as KObject;
    assert.equal(containers(dry)[0]?.image, 'nginx:3');
    assert.equal(containers((await f.get(`${DEPLOY}/applied`)).body as KObject)[0]?.image, 'nginx:2');
  });

  it('status patches write status only, main-resource patches ignore status', async () => {
    await f.post(DEPLOY, deployment('sp')).expect(201);
    const st = (await f.patch(`${DEPLOY}/sp/status`, { status: { replicas: 1, availableReplicas: 1 }, spec: { replicas: 9 } }, MERGE).expect(200)).body as KObject;
    assert.deepEqual(st.status, { replicas: 1, availableReplicas: 1 });
    assert.equal((st.spec as { replicas: number }).replicas, 1);
    assert.equal(st.metadata.generation, 1);
    assert.ok(managers(st).some((m) => m.subresource === 'status'));
    const main = (await f.patch(`${DEPLOY}/sp`, { status: { replicas: 5 } }, MERGE).expect(200)).body as KObject;
    assert.deepEqual(main.status, { replicas: 1, availableReplicas: 1 });
    assert.equal(main.metadata.resourceVersion, st.metadata.resourceVersion, 'an ignored status change is a no-op');
    await f.patch(`${DEPLOY}/missing/status`, { status: {} }, MERGE).expect(404);
    // Kinds without a status subresource have no /status.
    await f.post(CM, configMap('nostatus')).expect(201);
    await f.get(`${CM}/nostatus/status`).expect(404);
  });

  it('scale subresource: autoscaling/v1 Scale with a string selector, via GET, PUT and PATCH', async () => {
    const d = deployment('sc', 2);
    (d.spec as { selector: unknown }).selector = { matchLabels: { app: 'sc' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] };
    (d.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels = { app: 'sc', tier: 'a' };
    await f.post(DEPLOY, d).expect(201);
    await f.patch(`${DEPLOY}/sc/status`, { status: { replicas: 2 } }, MERGE).expect(200);

    const got = (await f.get(`${DEPLOY}/sc/scale`).expect(200)).body as Scale;
    assert.equal(got.kind, 'Scale');
    assert.equal(got.apiVersion, 'autoscaling/v1');
    assert.equal(got.metadata.name, 'sc');
    assert.equal(got.metadata.namespace, 'default');
    assert.deepEqual(got.spec, { replicas: 2 });
    assert.equal(got.status.replicas, 2);
    assert.equal(got.status.selector, 'app=sc,tier in (a,b)');

    const put = (await f.put(`${DEPLOY}/sc/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'sc', namespace: 'default' }, spec: { replicas: 4 } }).expect(200)).body as Scale;
    assert.equal(put.spec.replicas, 4);
    assert.ok(Number(put.metadata.resourceVersion) > Number(got.metadata.resourceVersion));
    const dep = (await f.get(`${DEPLOY}/sc`)).body as KObject;
    assert.equal((dep.spec as { replicas: number }).replicas, 4);
    assert.equal(dep.metadata.generation, 2);
    assert.ok(managers(dep).some((m) => m.subresource === 'scale'));

    // A stale resourceVersion on the Scale is a conflict.
    const stale = await f.put(`${DEPLOY}/sc/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'sc', resourceVersion: got.metadata.resourceVersion }, spec: { replicas: 1 } }).expect(409);
    assert.equal((stale.body as Status).reason, 'Conflict');

    const merged = (await f.patch(`${DEPLOY}/sc/scale`, { spec: { replicas: 0 } }, MERGE).expect(200)).body as Scale;
    assert.equal(merged.spec.replicas, 0);
    const jp = (await f.patch(`${DEPLOY}/sc/scale`, [{ op: 'replace', path: '/spec/replicas', value: 3 }], JSONPATCH).expect(200)).body as Scale;
    assert.equal(jp.spec.replicas, 3);
    const smp = (await f.patch(`${DEPLOY}/sc/scale`, { spec: { replicas: 5 } }, STRATEGIC).expect(200)).body as Scale;
    assert.equal(smp.spec.replicas, 5);
    const bad = await f.patch(`${DEPLOY}/sc/scale`, { spec: { replicas: -1 } }, MERGE).expect(422);
    assert.equal((bad.body as Status).details?.causes?.[0]?.field, 'spec.replicas');
    await f.patch(`${DEPLOY}/sc/scale?dryRun=All`, { spec: { replicas: 9 } }, MERGE).expect(200);
    assert.equal(((await f.get(`${DEPLOY}/sc/scale`)).body as Scale).spec.replicas, 5);

    await f.get(`${DEPLOY}/missing/scale`).expect(404);
    // DaemonSets have no scale subresource.
    await f.get('/apis/apps/v1/namespaces/default/daemonsets/x/scale').expect(404);
  });
});
