// In-process API tests of reads: label and field selectors, pagination, Table responses, discovery and the two Event views.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KObject } from '../../../src/api/machinery/object.js';
import { configMap, deployment, pod, startApi, type ApiFixture } from './fixture.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

interface List {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: KObject[];
}

interface Table {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: { name: string; type: string; priority: number }[];
  rows: { cells: unknown[]; object: KObject }[];
}

const names = (l: List): string[] => l.items.map((i) => i.metadata.name ?? '').sort();

describe('API reads in process', () => {
  let f: ApiFixture;
  const NS = '/api/v1/namespaces/sel';
  before(async () => {
    f = await startApi();
    await f.post('/api/v1/namespaces', { metadata: { name: 'sel' } }).expect(201);
    const labels: Record<string, Record<string, string>> = {
      web1: { app: 'web', tier: 'front' },
      web2: { app: 'web', tier: 'back' },
      db: { app: 'db' },
      bare: {},
    };
    for (const [name, l] of Object.entries(labels)) {
      await f.post(`${NS}/pods`, pod(name, l)).expect(201);
    }
    await f.post(`${NS}/pods/web1/binding`, { target: { kind: 'Node', name: 'node-a' } }).expect(201);
    await f.patch(`${NS}/pods/db/status`, { status: { phase: 'Running' } }, 'application/merge-patch+json').expect(200);
  });
  after(async () => {
    await f.close();
  });

  const list = async (path: string): Promise<List> => (await f.get(path).expect(200)).body as List;

  it('label selectors: =, ==, !=, in, notin, exists and !key', async () => {
    const q = (sel: string): Promise<List> => list(`${NS}/pods?labelSelector=${encodeURIComponent(sel)}`);
    assert.deepEqual(names(await q('app=web')), ['web1', 'web2']);
    assert.deepEqual(names(await q('app==db')), ['db']);
    // != matches objects without the label too.
    assert.deepEqual(names(await q('app!=web')), ['bare', 'db']);
    assert.deepEqual(names(await q('tier in (front,back)')), ['web1', 'web2']);
    assert.deepEqual(names(await q('tier notin (front)')), ['bare', 'db', 'web2']);
    assert.deepEqual(names(await q('tier')), ['web1', 'web2']);
    assert.deepEqual(names(await q('!tier')), ['bare', 'db']);
    assert.deepEqual(names(await q('app=web,tier=back')), ['web2']);
    assert.deepEqual(names(await q('app=nothing')), []);
    const bad = await f.get(`${NS}/pods?labelSelector=${encodeURIComponent('tier in (front')}`).expect(400);
    assert.equal((bad.body as { reason: string }).reason, 'BadRequest');
  });

  it('field selectors: metadata.name, metadata.namespace, spec.nodeName, status.phase', async () => {
    const q = (sel: string, base = `${NS}/pods`): Promise<List> => list(`${base}?fieldSelector=${encodeURIComponent(sel)}`);
    assert.deepEqual(names(await q('metadata.name=db')), ['db']);
    assert.deepEqual(names(await q('metadata.name!=db')), ['bare', 'web1', 'web2']);
    assert.deepEqual(names(await q('metadata.namespace=sel', '/api/v1/pods')), ['bare', 'db', 'web1', 'web2']);
    assert.deepEqual(names(await q('metadata.namespace!=sel', '/api/v1/pods')), []);
    assert.deepEqual(names(await q('spec.nodeName=node-a')), ['web1']);
    // The scheduler's query: pods not yet bound.
    assert.deepEqual(names(await q('spec.nodeName=')), ['bare', 'db', 'web2']);
    assert.deepEqual(names(await q('status.phase=Running')), ['db']);
    assert.deepEqual(names(await q('status.phase!=Running,spec.nodeName=')), ['bare', 'web2']);
    assert.deepEqual(names(await q('status.phase==Pending')), ['bare', 'web1', 'web2']);
    const unsupported = await f.get(`${NS}/pods?fieldSelector=${encodeURIComponent('spec.containers=x')}`).expect(400);
    assert.match((unsupported.body as { message: string }).message, /field label not supported: spec\.containers/);
    // Field and label selectors combine.
    const both = await list(`${NS}/pods?labelSelector=app%3Dweb&fieldSelector=${encodeURIComponent('spec.nodeName!=node-a')}`);
    assert.deepEqual(names(both), ['web2']);
  });

  it('field selectors on events (involvedObject.*) and secrets (type)', async () => {
    const ev = (name: string, kind: string, obj: string, reason: string): KObject => ({
      apiVersion: 'v1', kind: 'Event', metadata: { name },
      involvedObject: { kind, name: obj, namespace: 'sel', uid: `uid-${obj}` }, reason, message: 'm', type: 'Normal',
      source: { component: 'test' }, count: 1,
    });
    await f.post(`${NS}/events`, ev('e1', 'Pod', 'web1', 'Scheduled')).expect(201);
    await f.post(`${NS}/events`, ev('e2', 'Pod', 'db', 'Pulled')).expect(201);
    await f.post(`${NS}/events`, ev('e3', 'Deployment', 'web', 'ScalingReplicaSet')).expect(201);
    const q = (sel: string): Promise<List> => list(`${NS}/events?fieldSelector=${encodeURIComponent(sel)}`);
    assert.deepEqual(names(await q('involvedObject.kind=Pod')), ['e1', 'e2']);
    assert.deepEqual(names(await q('involvedObject.kind=Pod,involvedObject.name=db')), ['e2']);
    assert.deepEqual(names(await q('involvedObject.uid=uid-web1')), ['e1']);
    assert.deepEqual(names(await q('involvedObject.namespace=sel,reason=ScalingReplicaSet')), ['e3']);
    assert.deepEqual(names(await q('source=test,type=Normal')), ['e1', 'e2', 'e3']);

    await f.post(`${NS}/secrets`, { metadata: { name: 's-opaque' }, type: 'Opaque', stringData: { a: 'b' } }).expect(201);
    await f.post(`${NS}/secrets`, { metadata: { name: 's-tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } }).expect(201);
    const tls = await list(`${NS}/secrets?fieldSelector=${encodeURIComponent('type=kubernetes.io/tls')}`);
    assert.deepEqual(names(tls), ['s-tls']);
    const notTls = await list(`${NS}/secrets?fieldSelector=${encodeURIComponent('type!=kubernetes.io/tls')}`);
    assert.deepEqual(names(notTls), ['s-opaque']);
    // stringData is folded into data on write.
    const opaque = (await f.get(`${NS}/secrets/s-opaque`).expect(200)).body as KObject;
    assert.deepEqual(opaque.data, { a: Buffer.from('b').toString('base64') });
    assert.equal(opaque.stringData, undefined);
    // On update stringData overrides the keys of data it names.
    const patched = (await f.patch(`${NS}/secrets/s-opaque`, { stringData: { a: 'c', z: 'y' } }, 'application/merge-patch+json').expect(200)).body as KObject;
    assert.deepEqual(patched.data, { a: Buffer.from('c').toString('base64'), z: Buffer.from('y').toString('base64') });
    assert.equal(patched.stringData, undefined);
  });

  it('pagination: limit and continue walk every item once; remainingItemCount counts what is left', async () => {
    await f.post('/api/v1/namespaces', { metadata: { name: 'pages' } }).expect(201);
    const base = '/api/v1/namespaces/pages/configmaps';
    const all: string[] = [];
    for (let i = 0; i < 7; i++) {
      const name = `cm-${String(i).padStart(2, '0')}`;
      all.push(name);
      await f.post(base, configMap(name)).expect(201);
    }
    const first = await list(`${base}?limit=3`);
    assert.deepEqual(first.items.map((i) => i.metadata.name), all.slice(0, 3));
    assert.equal(first.metadata.remainingItemCount, 4);
    assert.ok(first.metadata.continue);
    const listRv = first.metadata.resourceVersion;

    // A write between pages does not change the list's resourceVersion in later pages.
    await f.post('/api/v1/namespaces/default/configmaps', configMap('elsewhere')).expect(201);
    const second = await list(`${base}?limit=3&continue=${encodeURIComponent(first.metadata.continue ?? '')}`);
    assert.deepEqual(second.items.map((i) => i.metadata.name), all.slice(3, 6));
    assert.equal(second.metadata.remainingItemCount, 1);
    assert.equal(second.metadata.resourceVersion, listRv);
    const third = await list(`${base}?limit=3&continue=${encodeURIComponent(second.metadata.continue ?? '')}`);
    assert.deepEqual(third.items.map((i) => i.metadata.name), all.slice(6));
    assert.equal(third.metadata.continue, undefined);
    assert.equal(third.metadata.remainingItemCount, undefined);

    // An exact fit has no continue token.
    const exact = await list(`${base}?limit=7`);
    assert.equal(exact.items.length, 7);
    assert.equal(exact.metadata.continue, undefined);
    const noLimit = await list(base);
    assert.equal(noLimit.items.length, 7);
    assert.equal(noLimit.kind, 'ConfigMapList');
    assert.equal(noLimit.apiVersion, 'v1');

    // With a selector the pages hold only matches, and no remainingItemCount is given.
    await f.patch(`${base}/cm-01`, { metadata: { labels: { pick: 'y' } } }, 'application/merge-patch+json').expect(200);
    await f.patch(`${base}/cm-04`, { metadata: { labels: { pick: 'y' } } }, 'application/merge-patch+json').expect(200);
    await f.patch(`${base}/cm-05`, { metadata: { labels: { pick: 'y' } } }, 'application/merge-patch+json').expect(200);
    const sel1 = await list(`${base}?limit=2&labelSelector=pick`);
    assert.deepEqual(sel1.items.map((i) => i.metadata.name), ['cm-01', 'cm-04']);
    assert.equal(sel1.metadata.remainingItemCount, undefined);
    const sel2 = await list(`${base}?limit=2&labelSelector=pick&continue=${encodeURIComponent(sel1.metadata.continue ?? '')}`);
    assert.deepEqual(sel2.items.map((i) => i.metadata.name), ['cm-05']);
    assert.equal(sel2.metadata.continue, undefined);

    // Tampered tokens are a 400.
    for (const token of ['not-a-token', Buffer.from('{"v":"other","rv":1,"start":"x"}').toString('base64url'), (first.metadata.continue ?? '').slice(0, 12)]) {
      const r = await f.get(`${base}?limit=3&continue=${encodeURIComponent(token)}`).expect(400);
      assert.equal((r.body as { reason: string }).reason, 'BadRequest');
    }
    await f.get(`${base}?limit=abc`).expect(400);
  });

  it('Table responses carry columns and PartialObjectMetadata rows', async () => {
    const pods = (await f.get(`${NS}/pods`).set('Accept', TABLE).expect(200)).body as Table;
    assert.equal(pods.kind, 'Table');
    assert.equal(pods.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(pods.columnDefinitions.slice(0, 5).map((c) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    assert.equal(pods.rows.length, 4);
    const row = pods.rows.find((r) => r.cells[0] === 'web1');
    assert.ok(row);
    assert.equal(row.object.kind, 'PartialObjectMetadata');
    assert.equal(row.object.apiVersion, 'meta.k8s.io/v1');
    assert.equal(row.object.metadata.namespace, 'sel');
    assert.deepEqual(row.object.metadata.labels, { app: 'web', tier: 'front' });
    assert.equal(row.object.spec, undefined);
    assert.equal(row.cells.length, pods.columnDefinitions.length);
    assert.equal(row.cells[1], '0/1');

    await f.post('/apis/apps/v1/namespaces/sel/deployments', deployment('web')).expect(201);
    const deploys = (await f.get('/apis/apps/v1/namespaces/sel/deployments').set('Accept', TABLE).expect(200)).body as Table;
    assert.deepEqual(deploys.columnDefinitions.slice(0, 5).map((c) => c.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
    assert.deepEqual(deploys.rows[0]?.cells.slice(0, 4), ['web', '0/1', 0, 0]);

    const one = (await f.get('/api/v1/namespaces/sel').set('Accept', TABLE).expect(200)).body as Table;
    assert.deepEqual(one.columnDefinitions.map((c) => c.name), ['Name', 'Status', 'Age']);
    assert.deepEqual(one.rows.map((r) => r.cells.slice(0, 2)), [['sel', 'Active']]);
    assert.equal(one.rows[0]?.object.metadata.name, 'sel');

    const cms = (await f.get('/api/v1/namespaces/pages/configmaps?limit=2').set('Accept', TABLE).expect(200)).body as Table;
    assert.equal(cms.rows.length, 2);
    assert.ok(cms.metadata.continue, 'a paged Table carries the continue token');
    assert.deepEqual(cms.columnDefinitions.map((c) => c.name), ['Name', 'Data', 'Age']);

    const full = (await f.get(`${NS}/pods/db?includeObject=Object`).set('Accept', TABLE).expect(200)).body as Table;
    assert.equal(full.rows[0]?.object.kind, 'Pod');
    assert.ok(full.rows[0]?.object.spec);
    const none = (await f.get(`${NS}/pods/db?includeObject=None`).set('Accept', TABLE).expect(200)).body as Table;
    assert.equal(none.rows[0]?.object, undefined);

    // Plain JSON first in Accept wins over a later Table.
    const plain = (await f.get(`${NS}/pods`).set('Accept', `application/json,${TABLE}`).expect(200)).body as List;
    assert.equal(plain.kind, 'PodList');
  });

  it('discovery: aggregated v2 and v2beta1 by exact Content-Type, legacy otherwise', async () => {
    for (const [path, accept, type] of [['/api', V2, V2], ['/apis', V2, V2], ['/api', V2BETA1, V2BETA1], ['/apis', V2BETA1, V2BETA1]]) {
      const r = await f.get(path).set('Accept', `${accept},application/json`).expect(200);
      assert.equal(r.headers['content-type'], type, `${path} ${accept}`);
      assert.match(r.headers.vary ?? '', /Accept/);
      const body = JSON.parse(r.text) as { kind: string; apiVersion: string; items: { metadata: { name: string }; versions: { version: string; resources: { resource: string; scope: string }[] }[] }[] };
      assert.equal(body.kind, 'APIGroupDiscoveryList');
      assert.equal(body.apiVersion, `apidiscovery.k8s.io/${type === V2 ? 'v2' : 'v2beta1'}`);
      if (path === '/api') {
        assert.deepEqual(body.items.map((i) => i.metadata.name), ['']);
        const nodes = body.items[0]?.versions[0]?.resources.find((res) => res.resource === 'nodes');
        assert.equal(nodes?.scope, 'Cluster');
      } else {
        assert.ok(body.items.some((i) => i.metadata.name === 'apps'));
        assert.ok(!body.items.some((i) => i.metadata.name === ''));
      }
    }
    const legacy = await f.get('/apis').set('Accept', 'application/json').expect(200);
    assert.equal(legacy.headers['content-type'], 'application/json');
    assert.equal((legacy.body as { kind: string }).kind, 'APIGroupList');
    const noAccept = await f.get('/api').expect(200);
    assert.equal((noAccept.body as { kind: string; versions: string[] }).kind, 'APIVersions');
    assert.deepEqual((noAccept.body as { versions: string[] }).versions, ['v1']);
    // An aggregated type the server does not know falls back to the legacy documents.
    const unknown = await f.get('/apis').set('Accept', 'application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json').expect(200);
    assert.equal((unknown.body as { kind: string }).kind, 'APIGroupList');

    const apps = (await f.get('/apis/apps/v1').expect(200)).body as { kind: string; groupVersion: string; resources: { name: string; namespaced: boolean; kind: string }[] };
    assert.equal(apps.kind, 'APIResourceList');
    assert.equal(apps.groupVersion, 'apps/v1');
    const scale = apps.resources.find((r) => r.name === 'deployments/scale');
    assert.equal(scale?.kind, 'Scale');
    await f.get('/apis/nope.example.com').expect(404);
    await f.get('/api/v2').expect(404);
  });

  it('events.k8s.io/v1 Events are a view of core Events: written through one, read through the other', async () => {
    await f.post('/api/v1/namespaces', { metadata: { name: 'ev' } }).expect(201);
    const v1 = (await f.post('/apis/events.k8s.io/v1/namespaces/ev/events', {
      apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'new-style' },
      eventTime: '2030-01-01T00:00:00.000000Z', reportingController: 'ctrl', reportingInstance: 'ctrl-1',
      action: 'Bind', reason: 'Scheduled', regarding: { kind: 'Pod', name: 'p', namespace: 'ev' }, note: 'assigned', type: 'Normal',
    }).expect(201)).body as KObject;
    assert.equal(v1.apiVersion, 'events.k8s.io/v1');
    const core = (await f.get('/api/v1/namespaces/ev/events/new-style').expect(200)).body as KObject;
    assert.equal(core.apiVersion, 'v1');
    assert.equal(core.metadata.uid, v1.metadata.uid);
    assert.equal(core.metadata.resourceVersion, v1.metadata.resourceVersion);
    assert.deepEqual(core.involvedObject, { kind: 'Pod', name: 'p', namespace: 'ev' });
    assert.equal(core.message, 'assigned');
    assert.equal(core.reportingComponent, 'ctrl');

    await f.post('/api/v1/namespaces/ev/events', {
      metadata: { name: 'old-style' }, involvedObject: { kind: 'Pod', name: 'p2', namespace: 'ev' }, reason: 'Killing', message: 'boot',
      type: 'Warning', source: { component: 'kubelet', host: 'n1' }, firstTimestamp: '2030-01-01T00:00:00Z', lastTimestamp: '2030-01-01T00:00:05Z', count: 3,
    }).expect(201);
    const asV1 = (await f.get('/apis/events.k8s.io/v1/namespaces/ev/events/old-style').expect(200)).body as KObject;
    assert.equal(asV1.kind, 'Event');
    assert.equal(asV1.apiVersion, 'events.k8s.io/v1');
    assert.deepEqual(asV1.regarding, { kind: 'Pod', name: 'p2', namespace: 'ev' });
    assert.equal(asV1.note, 'boot');
    assert.equal(asV1.deprecatedCount, 3);
    assert.deepEqual(asV1.deprecatedSource, { component: 'kubelet', host: 'n1' });

    const both = (await f.get('/apis/events.k8s.io/v1/namespaces/ev/events').expect(200)).body as List;
    assert.equal(both.kind, 'EventList');
    assert.equal(both.apiVersion, 'events.k8s.io/v1');
    assert.deepEqual(names(both), ['new-style', 'old-style']);
    const byRegarding = await list(`/apis/events.k8s.io/v1/namespaces/ev/events?fieldSelector=${encodeURIComponent('regarding.name=p2')}`);
    assert.deepEqual(names(byRegarding), ['old-style']);

    // A delete through one view removes it from both.
    await f.del('/apis/events.k8s.io/v1/namespaces/ev/events/old-style').expect(200);
    await f.get('/api/v1/namespaces/ev/events/old-style').expect(404);
  });
});
