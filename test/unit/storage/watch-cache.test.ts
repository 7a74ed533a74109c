// WatchCache: list-then-watch fill, reads from memory, resumable watches, history limits and read-your-writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompactedError, type Backend } from '../../../src/api/storage/backend.js';
import { MemoryBackend } from '../../../src/api/storage/memory.js';
import { SqliteBackend } from '../../../src/api/storage/sqlite.js';
import { TooLargeResourceVersionError, WatchCache } from '../../../src/api/storage/watch-cache.js';
import { EventRecorder } from '../../conformance/backend.suite.js';

/** A backend whose reads are counted, to prove the cache serves them from memory. */
class CountingBackend extends MemoryBackend {
  reads = 0;
  override async get(key: string): ReturnType<MemoryBackend['get']> {
    this.reads++;
    return super.get(key);
  }
  override async list(prefix: string, opts?: Parameters<MemoryBackend['list']>[1]): ReturnType<MemoryBackend['list']> {
    this.reads++;
    return super.list(prefix, opts);
  }
}

const backends: Array<[string, () => Backend]> = [
  ['memory', () => new MemoryBackend()],
  ['sqlite', () => SqliteBackend.open(':memory:')],
];

for (const [name, newBackend] of backends) {
  describe(`WatchCache over ${name}`, () => {
    it('starts from a list and follows later writes, including ones racing the start', async () => {
      const backend = newBackend();
      await backend.create('/registry/pods/ns/a', 'a1');
      await backend.create('/registry/services/ns/s', 's1');
      const cache = new WatchCache(backend, { prefix: '/registry/pods/' });
      const starting = cache.start();
      const racing = backend.create('/registry/pods/ns/b', 'b1');
      await starting;
      await racing;
      const a = await backend.get('/registry/pods/ns/a');
      await backend.update('/registry/pods/ns/a', 'a2', a!.modRevision);
      await backend.create('/registry/pods/ns/c', 'c1');
      await backend.delete('/registry/pods/ns/c');
      await cache.waitUntilFresh(await backend.currentRevision());
      assert.deepEqual(cache.list('/registry/pods/').map((kv) => [kv.key, kv.value]), [
        ['/registry/pods/ns/a', 'a2'],
        ['/registry/pods/ns/b', 'b1'],
      ]);
      assert.equal(cache.get('/registry/services/ns/s'), undefined, 'keys outside the prefix are not cached');
      assert.equal(cache.get('/registry/pods/ns/a')?.value, 'a2');
      assert.equal(cache.revision, await backend.currentRevision());
      cache.stop();
      await backend.close();
    });

    it('advances its revision on writes outside its prefix', async () => {
      const backend = newBackend();
      const cache = new WatchCache(backend, { prefix: '/registry/pods/' });
      await cache.start();
      const kv = await backend.create('/registry/services/ns/s', '1');
      await cache.waitUntilFresh(kv.modRevision, 1000);
      assert.equal(cache.revision, kv.modRevision);
      cache.stop();
      await backend.close();
    });

    it('replays kept history to a resuming watch, then continues live, filtered by prefix', async () => {
      const backend = newBackend();
      const cache = new WatchCache(backend);
      await cache.start();
      const first = await backend.create('/registry/pods/ns1/a', '1');
      await backend.create('/registry/pods/ns2/b', '1');
      await backend.create('/registry/pods/ns1/c', '1');
      await cache.waitUntilFresh(3);
      const rec = new EventRecorder();
      const watch = cache.watch('/registry/pods/ns1/', first.modRevision, rec.handler);
      await backend.delete('/registry/pods/ns1/a');
      await backend.create('/registry/pods/ns2/d', '1');
      const events = await rec.waitFor(2);
      await rec.settle();
      assert.deepEqual(events.map((e) => [e.type, e.kv.key, e.kv.modRevision]), [
        ['create', '/registry/pods/ns1/c', 3],
        ['delete', '/registry/pods/ns1/a', 4],
      ]);
      watch.cancel();
      cache.stop();
      await backend.close();
    });

    it('watch from 0 delivers only new events', async () => {
      const backend = newBackend();
      await backend.create('/k/old', '1');
      const cache = new WatchCache(backend);
      await cache.start();
      const rec = new EventRecorder();
      cache.watch('/k/', 0, rec.handler);
      await backend.create('/k/new', '1');
      await rec.waitFor(1);
      await rec.settle();
      assert.deepEqual(rec.events.map((e) => e.kv.key), ['/k/new']);
      cache.stop();
      await backend.close();
    });

    it('throws CompactedError for a revision older than the kept history', async () => {
      const backend = newBackend();
      await backend.create('/h/before-start', '1');
      const cache = new WatchCache(backend, { historyLimit: 10 });
      await cache.start();
      for (let i = 0; i < 30; i++) await backend.create(`/h/${i}`, '1');
      await cache.waitUntilFresh(31);
      assert.throws(() => cache.watch('/h/', 2, () => undefined), (err: unknown) => err instanceof CompactedError && err.requested === 2);
      // The most recent historyLimit events are always resumable.
      const rec = new EventRecorder();
      cache.watch('/h/', 21, rec.handler);
      assert.deepEqual((await rec.waitFor(10)).map((e) => e.kv.modRevision), [22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);
      cache.stop();
      await backend.close();
    });
  });
}

describe('WatchCache', () => {
  it('serves gets and lists without reading the store', async () => {
    const backend = new CountingBackend();
    for (let i = 0; i < 5; i++) await backend.create(`/c/${i}`, String(i));
    const cache = new WatchCache(backend);
    await cache.start();
    const readsAfterStart = backend.reads;
    for (let i = 0; i < 100; i++) {
      cache.get('/c/1');
      cache.list('/c/');
    }
    assert.equal(backend.reads, readsAfterStart);
    assert.equal(cache.list('/c/').length, 5);
    cache.stop();
  });

  it('waitUntilFresh resolves when the revision arrives and times out when it does not', async () => {
    const backend = new MemoryBackend();
    const cache = new WatchCache(backend);
    await cache.start();
    const waiting = cache.waitUntilFresh(1, 1000);
    await backend.create('/a', '1');
    await waiting;
    await assert.rejects(cache.waitUntilFresh(50, 30), (err: unknown) => err instanceof TooLargeResourceVersionError && err.current === 1);
    const pending = cache.waitUntilFresh(60, 5000);
    cache.stop();
    await assert.rejects(pending, /stopped/);
  });

  it('stops delivering to watchers and stops following the store after stop()', async () => {
    const backend = new MemoryBackend();
    const cache = new WatchCache(backend);
    await cache.start();
    const rec = new EventRecorder();
    cache.watch('/', 0, rec.handler);
    cache.stop();
    await backend.create('/a', '1');
    await rec.settle();
    assert.equal(rec.events.length, 0);
    assert.equal(cache.get('/a'), undefined);
    assert.throws(() => cache.watch('/', 0, () => undefined), /not running/);
  });
});
