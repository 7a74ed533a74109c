// In-process API tests of watches over a real local socket: initial events, resuming, selectors, timeouts, bookmarks and expiry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KObject } from '../../../src/api/machinery/object.js';
import { configMap, startApi, WatchStream, type ApiFixture } from './fixture.js';

const CM = '/api/v1/namespaces/default/configmaps';

describe('API watches in process', () => {
  let f: ApiFixture;
  let base: string;
  const open: WatchStream[] = [];
  const watch = async (path: string, headers?: Record<string, string>): Promise<WatchStream> => {
    const w = await WatchStream.open(base, path, headers);
    open.push(w);
    return w;
  };

  before(async () => {
    f = await startApi();
    base = await f.listen();
    await f.post('/api/v1/namespaces', { metadata: { name: 'w' } }).expect(201);
  });
  after(async () => {
    for (const w of open) w.close();
    await f.close();
  });

  it('flushes the response headers before any event', async () => {
    const rv = ((await f.get(CM).expect(200)).body as KObject).metadata.resourceVersion ?? '';
    // Nothing has happened after rv, so no event can be on its way: the headers alone must arrive.
    const w = await watch(`${CM}?watch=true&resourceVersion=${rv}`);
    assert.equal(w.res.statusCode, 200);
    assert.match(w.res.headers['content-type'] ?? '', /^application\/json/);
    assert.equal(w.res.headers['transfer-encoding'], 'chunked');
    assert.equal(w.events.length, 0);
    await f.post(CM, configMap('after-headers')).expect(201);
    const [e] = await w.waitFor(1);
    assert.equal(e?.type, 'ADDED');
    assert.equal(e?.object.metadata.name, 'after-headers');
    w.close();
  });

  it('without a resourceVersion, starts with ADDED for every existing object, then follows changes', async () => {
    const ns = '/api/v1/namespaces/w/configmaps';
    await f.post(ns, configMap('one')).expect(201);
    await f.post(ns, configMap('two')).expect(201);
    const w = await watch(`${ns}?watch=1`);
    const initial = await w.waitFor(2);
    assert.deepEqual(initial.map((e) => [e.type, e.object.metadata.name]).sort(), [['ADDED', 'one'], ['ADDED', 'two']]);
    assert.equal(initial[0]?.object.kind, 'ConfigMap');
    assert.equal(initial[0]?.object.apiVersion, 'v1');

    const upd = (await f.patch(`${ns}/one`, { data: { k: 'changed' } }, 'application/merge-patch+json').expect(200)).body as KObject;
    await f.del(`${ns}/two`).expect(200);
    const all = await w.waitFor(4);
    assert.equal(all[2]?.type, 'MODIFIED');
    assert.equal(all[2]?.object.metadata.resourceVersion, upd.metadata.resourceVersion);
    assert.deepEqual(all[2]?.object.data, { k: 'changed' });
    assert.equal(all[3]?.type, 'DELETED');
    assert.equal(all[3]?.object.metadata.name, 'two');
    // Events elsewhere do not leak into a namespaced watch.
    await f.post(CM, configMap('elsewhere')).expect(201);
    await f.post(ns, configMap('three')).expect(201);
    const more = await w.waitFor(5);
    assert.equal(more.length, 5);
    assert.equal(more[4]?.object.metadata.name, 'three');
    w.close();
  });

  it('from a resourceVersion, replays ADDED, MODIFIED and DELETED after it, in order', async () => {
    await f.post('/api/v1/namespaces', { metadata: { name: 'replay' } }).expect(201);
    const ns = '/api/v1/namespaces/replay/configmaps';
    const start = ((await f.get(ns).expect(200)).body as KObject).metadata.resourceVersion ?? '';
    const a = (await f.post(ns, configMap('a')).expect(201)).body as KObject;
    const a2 = (await f.put(`${ns}/a`, { ...a, data: { k: 'v2' } }).expect(200)).body as KObject;
    const gone = (await f.del(`${ns}/a`).expect(200)).body as KObject;
    const w = await watch(`${ns}?watch=true&resourceVersion=${start}`);
    const events = await w.waitFor(3);
    assert.deepEqual(events.map((e) => [e.type, e.object.metadata.resourceVersion]), [
      ['ADDED', a.metadata.resourceVersion], ['MODIFIED', a2.metadata.resourceVersion], ['DELETED', gone.metadata.resourceVersion],
    ]);
    // Starting at the create skips it.
    const w2 = await watch(`${ns}?watch=true&resourceVersion=${a.metadata.resourceVersion ?? ''}`);
    assert.deepEqual((await w2.waitFor(2)).map((e) => e.type), ['MODIFIED', 'DELETED']);
    w.close();
    w2.close();
    await f.get(`${ns}?watch=true&resourceVersion=abc`).expect(400);
  });

  it('a label-selector watch reports an object relabeled out of the selection as DELETED, and back in as ADDED', async () => {
    const ns = '/api/v1/namespaces/w/configmaps';
    await f.post(ns, configMap('lab', { metadata: { name: 'lab', labels: { team: 'red' } } })).expect(201);
    await f.post(ns, configMap('other-team', { metadata: { name: 'other-team', labels: { team: 'blue' } } })).expect(201);
    const w = await watch(`${ns}?watch=true&labelSelector=${encodeURIComponent('team=red')}`);
    const [first] = await w.waitFor(1);
    assert.deepEqual([first?.type, first?.object.metadata.name], ['ADDED', 'lab']);
    await f.patch(`${ns}/lab`, { metadata: { labels: { team: 'blue' } } }, 'application/merge-patch+json').expect(200);
    await f.patch(`${ns}/other-team`, { data: { x: 'y' } }, 'application/merge-patch+json').expect(200);
    await f.patch(`${ns}/lab`, { metadata: { labels: { team: 'red' } } }, 'application/merge-patch+json').expect(200);
    const events = await w.waitFor(3);
    assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name, e.object.metadata.labels?.team]), [
      ['ADDED', 'lab', 'red'], ['DELETED', 'lab', 'blue'], ['ADDED', 'lab', 'red'],
    ]);
    w.close();
  });

  it('a field-selector watch on one name, and the legacy /watch/ path', async () => {
    const w = await watch('/api/v1/watch/namespaces/w/configmaps?fieldSelector=metadata.name%3Dsolo');
    await f.post('/api/v1/namespaces/w/configmaps', configMap('not-solo')).expect(201);
    await f.post('/api/v1/namespaces/w/configmaps', configMap('solo')).expect(201);
    const [e] = await w.waitFor(1);
    assert.equal(e?.object.metadata.name, 'solo');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(w.events.length, 1);
    w.close();
    await f.get('/api/v1/namespaces/w/configmaps?watch=true&fieldSelector=data.k%3Dv').expect(400);
  });

  it('timeoutSeconds ends the stream cleanly', async () => {
    const started = Date.now();
    const w = await watch(`${CM}?watch=true&timeoutSeconds=1`);
    await w.waitForEnd(5000);
    const took = Date.now() - started;
    assert.ok(took >= 900 && took < 4000, `ended after ${took} ms`);
    assert.ok(w.events.every((e) => e.type === 'ADDED'));
  });

  it('allowWatchBookmarks with sendInitialEvents ends the initial events with a bookmark', async () => {
    await f.post('/api/v1/namespaces', { metadata: { name: 'bm' } }).expect(201);
    await f.post('/api/v1/namespaces/bm/configmaps', configMap('b1')).expect(201);
    const w = await watch('/api/v1/namespaces/bm/configmaps?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan');
    const events = await w.waitFor(2);
    assert.equal(events[0]?.type, 'ADDED');
    const bm = events[1];
    assert.equal(bm?.type, 'BOOKMARK');
    assert.equal(bm?.object.kind, 'ConfigMap');
    assert.equal(bm?.object.apiVersion, 'v1');
    assert.equal(bm?.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
    assert.ok(Number(bm?.object.metadata.resourceVersion) >= Number(events[0]?.object.metadata.resourceVersion));
    w.close();
    // Without allowWatchBookmarks no bookmark is sent.
    const plain = await watch('/api/v1/namespaces/bm/configmaps?watch=true&sendInitialEvents=true');
    await plain.waitFor(1);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(plain.events.map((e) => e.type), ['ADDED']);
    plain.close();
  });

  it('a watch through events.k8s.io/v1 sees core Events converted to its shape', async () => {
    const w = await watch('/apis/events.k8s.io/v1/namespaces/w/events?watch=true');
    await f.post('/api/v1/namespaces/w/events', {
      metadata: { name: 'ev1' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'w' }, reason: 'Pulled', message: 'pulled image', type: 'Normal',
    }).expect(201);
    const [e] = await w.waitFor(1);
    assert.equal(e?.type, 'ADDED');
    assert.equal(e?.object.apiVersion, 'events.k8s.io/v1');
    assert.equal(e?.object.note, 'pulled image');
    assert.deepEqual(e?.object.regarding, { kind: 'Pod', name: 'p', namespace: 'w' });
    w.close();
  });

  it('watch events can be Table rows', async () => {
    const w = await watch('/api/v1/namespaces/w/configmaps?watch=true&fieldSelector=metadata.name%3Dsolo', {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    const [e] = await w.waitFor(1);
    const table = e?.object as unknown as { kind: string; rows: { cells: unknown[]; object: KObject }[] };
    assert.equal(table.kind, 'Table');
    assert.equal(table.rows[0]?.cells[0], 'solo');
    assert.equal(table.rows[0]?.object.kind, 'PartialObjectMetadata');
    w.close();
  });
});

describe('API watch expiry in process', () => {
  it('compacting the storage backend alone does not expire what the watch cache still holds', async () => {
    const f = await startApi();
    const streams: WatchStream[] = [];
    try {
      const base = await f.listen();
      const first = (await f.post(CM, configMap('kept-0')).expect(201)).body as KObject;
      const second = (await f.post(CM, configMap('kept-1')).expect(201)).body as KObject;
      await f.backend.compact(Number(second.metadata.resourceVersion));
      const w = await WatchStream.open(base, `${CM}?watch=true&resourceVersion=${first.metadata.resourceVersion ?? ''}`);
      streams.push(w);
      const [e] = await w.waitFor(1);
      assert.deepEqual([e?.type, e?.object.metadata.name], ['ADDED', 'kept-1']);
    } finally {
      for (const s of streams) s.close();
      await f.close();
    }
  });

  it('a resourceVersion older than the watch cache history is an ERROR event with a 410 Status', async () => {
    // The watch cache keeps its own history (historyLimit); compacting the backend alone does not
    // expire resourceVersions the cache still holds, so the limit here is what makes rv 1 too old.
    const f = await startApi({ historyLimit: 5 });
    const streams: WatchStream[] = [];
    try {
      const base = await f.listen();
      let last: KObject | undefined;
      for (let i = 0; i < 20; i++) last = (await f.post(CM, configMap(`h${i}`)).expect(201)).body as KObject;
      const rev = Number(last?.metadata.resourceVersion);
      await f.backend.compact(rev - 2);

      const old = await WatchStream.open(base, `${CM}?watch=true&resourceVersion=1`);
      streams.push(old);
      assert.equal(old.res.statusCode, 200);
      await old.waitForEnd();
      assert.equal(old.events.length, 1);
      const err = old.events[0];
      assert.equal(err?.type, 'ERROR');
      assert.equal(err?.object.kind, 'Status');
      assert.equal(err?.object.code, 410);
      assert.equal(err?.object.reason, 'Expired');
      assert.match(String((err?.object as { message?: string }).message), /too old resource version: 1/);

      // A recent resourceVersion still inside the kept history resumes normally.
      const recent = await WatchStream.open(base, `${CM}?watch=true&resourceVersion=${rev - 1}`);
      streams.push(recent);
      const [e] = await recent.waitFor(1);
      assert.equal(e?.type, 'ADDED');
      assert.equal(e?.object.metadata.resourceVersion, String(rev));
    } finally {
      for (const s of streams) s.close();
      await f.close();
    }
  });
});
