// The storage Backend conformance suite: every backend (memory, SQLite, later etcd) must pass the same cases.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionConflictError,
  type Backend,
  type WatchEvent,
} from '../../src/api/storage/backend.js';

export interface BackendSuiteOptions {
  /** Closes the backend and opens the same store again; only persistent backends pass one. */
  reopen?: (backend: Backend) => Promise<Backend>;
}

/** Collects watch events and lets a test wait for a number of them. */
export class EventRecorder {
  readonly events: WatchEvent[] = [];
  readonly batches: WatchEvent[][] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly handler = (batch: WatchEvent[]): void => {
    this.batches.push(batch);
    this.events.push(...batch);
    this.waiters = this.waiters.filter((w) => {
      if (this.events.length < w.count) return true;
      w.resolve();
      return false;
    });
  };

  async waitFor(count: number, timeoutMs = 2000): Promise<WatchEvent[]> {
    if (this.events.length < count) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`saw ${this.events.length} of ${count} events`)), timeoutMs);
        this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    }
    return this.events;
  }

  /** Lets queued microtasks and an event-loop turn run, for asserting that nothing more arrives. */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setTimeout(resolve, 20));
  }
}

export function runBackendSuite(name: string, newBackend: () => Promise<Backend>, opts: BackendSuiteOptions = {}): void {
  describe(`Backend conformance: ${name}`, () => {
    let open: Backend[] = [];
    const fresh = async (): Promise<Backend> => {
      const backend = await newBackend();
      open.push(backend);
      return backend;
    };
    afterEach(async () => {
      for (const backend of open) await backend.close().catch(() => undefined);
      open = [];
    });

    it('creates and gets a key with create and mod revision equal', async () => {
      const b = await fresh();
      assert.equal(await b.currentRevision(), 0);
      const kv = await b.create('/registry/pods/default/a', '{"a":1}');
      assert.deepEqual({ ...kv }, { key: '/registry/pods/default/a', value: '{"a":1}', createRevision: 1, modRevision: 1 });
      assert.deepEqual({ ...(await b.get('/registry/pods/default/a'))! }, { ...kv });
      assert.equal(await b.get('/registry/pods/default/missing'), undefined);
      assert.equal(await b.currentRevision(), 1);
    });

    it('rejects a second create of the same key with KeyExistsError and does not take a revision', async () => {
      const b = await fresh();
      await b.create('/k', 'v1');
      await assert.rejects(b.create('/k', 'v2'), (err: unknown) => err instanceof KeyExistsError && err.key === '/k');
      assert.equal((await b.get('/k'))!.value, 'v1');
      assert.equal(await b.currentRevision(), 1);
    });

    it('gives every write a global, strictly increasing revision', async () => {
      const b = await fresh();
      const a = await b.create('/a', '1');
      const c = await b.create('/c', '1');
      const a2 = await b.update('/a', '2', a.modRevision);
      const d = await b.delete('/c');
      const revisions = [a.modRevision, c.modRevision, a2.modRevision, d.modRevision];
      assert.deepEqual(revisions, [1, 2, 3, 4]);
      assert.equal(a2.createRevision, 1);
      assert.equal(await b.currentRevision(), 4);
    });

    it('assigns distinct, increasing revisions to concurrent writers', async () => {
      const b = await fresh();
      const kvs = await Promise.all(Array.from({ length: 50 }, (_, i) => b.create(`/c/${i}`, String(i))));
      const revisions = kvs.map((kv) => kv.modRevision);
      assert.equal(new Set(revisions).size, 50);
      assert.deepEqual([...revisions].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i + 1));
      // Same-tick writes still take revisions in call order.
      assert.deepEqual(revisions, [...revisions].sort((x, y) => x - y));
    });

    it('lists by prefix in key order at the current revision', async () => {
      const b = await fresh();
      for (const key of ['/registry/pods/ns1/b', '/registry/pods/ns1/a', '/registry/pods/ns2/c', '/registry/podsx/z', '/registry/services/ns1/s']) {
        await b.create(key, key);
      }
      const pods = await b.list('/registry/pods/');
      assert.deepEqual(pods.kvs.map((kv) => kv.key), ['/registry/pods/ns1/a', '/registry/pods/ns1/b', '/registry/pods/ns2/c']);
      assert.equal(pods.revision, 5);
      assert.equal(pods.more, false);
      assert.deepEqual((await b.list('/registry/pods/ns1/')).kvs.map((kv) => kv.key), ['/registry/pods/ns1/a', '/registry/pods/ns1/b']);
      assert.equal((await b.list('')).kvs.length, 5);
      assert.deepEqual((await b.list('/nothing/')).kvs, []);
    });

    it('paginates with limit, startAfter and more', async () => {
      const b = await fresh();
      for (let i = 0; i < 7; i++) await b.create(`/p/${i}`, String(i));
      await b.create('/q/0', 'outside');
      const seen: string[] = [];
      let startAfter: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await b.list('/p/', { limit: 3, ...(startAfter !== undefined ? { startAfter } : {}) });
        pages++;
        seen.push(...page.kvs.map((kv) => kv.key));
        if (!page.more) break;
        assert.equal(page.kvs.length, 3);
        startAfter = page.kvs.at(-1)!.key;
      }
      assert.equal(pages, 3);
      assert.deepEqual(seen, Array.from({ length: 7 }, (_, i) => `/p/${i}`));
      const exact = await b.list('/p/', { limit: 7 });
      assert.equal(exact.kvs.length, 7);
      assert.equal(exact.more, false, 'a page that ends exactly at the last key has no more');
      // A startAfter below the prefix starts at the prefix.
      assert.equal((await b.list('/p/', { startAfter: '/a' })).kvs.length, 7);
    });

    it('updates with compare-and-swap and returns the current value on conflict', async () => {
      const b = await fresh();
      const v1 = await b.create('/cas', 'v1');
      const v2 = await b.update('/cas', 'v2', v1.modRevision);
      assert.equal(v2.value, 'v2');
      assert.equal(v2.modRevision, v1.modRevision + 1);
      await assert.rejects(b.update('/cas', 'stale', v1.modRevision), (err: unknown) => {
        assert.ok(err instanceof RevisionConflictError);
        assert.equal(err.current.value, 'v2');
        assert.equal(err.current.modRevision, v2.modRevision);
        return true;
      });
      await assert.rejects(b.update('/none', 'x', 1), KeyNotFoundError);
      assert.equal(await b.currentRevision(), 2);
    });

    it('lets exactly one of two racing updates win', async () => {
      const b = await fresh();
      const v1 = await b.create('/race', '0');
      const results = await Promise.allSettled([b.update('/race', 'a', v1.modRevision), b.update('/race', 'b', v1.modRevision)]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const loser = results.find((r) => r.status === 'rejected');
      assert.ok(loser && loser.status === 'rejected' && loser.reason instanceof RevisionConflictError);
    });

    it('deletes with and without an expected revision', async () => {
      const b = await fresh();
      const a = await b.create('/d/a', 'A');
      await b.create('/d/b', 'B');
      await assert.rejects(b.delete('/d/a', a.modRevision + 100), RevisionConflictError);
      assert.ok(await b.get('/d/a'));
      const deleted = await b.delete('/d/a', a.modRevision);
      assert.equal(deleted.value, 'A');
      assert.equal(deleted.createRevision, a.createRevision);
      assert.equal(deleted.modRevision, 3);
      assert.equal(await b.get('/d/a'), undefined);
      const unconditional = await b.delete('/d/b');
      assert.equal(unconditional.modRevision, 4);
      await assert.rejects(b.delete('/d/b'), KeyNotFoundError);
      assert.deepEqual((await b.list('/d/')).kvs, []);
      // A recreated key starts a new life with a new create revision.
      const again = await b.create('/d/a', 'A2');
      assert.equal(again.createRevision, 5);
    });

    it('replays history from a revision, then continues live, in revision order', async () => {
      const b = await fresh();
      const a = await b.create('/w/a', '1');
      await b.update('/w/a', '2', a.modRevision);
      await b.create('/w/b', '1');
      const rec = new EventRecorder();
      const watch = b.watch('/w/', 1, rec.handler);
      await rec.waitFor(2);
      await b.delete('/w/a');
      await b.create('/w/c', '1');
      const events = await rec.waitFor(4);
      assert.deepEqual(events.map((e) => [e.type, e.kv.key, e.kv.modRevision]), [
        ['update', '/w/a', 2],
        ['create', '/w/b', 3],
        ['delete', '/w/a', 4],
        ['create', '/w/c', 5],
      ]);
      assert.equal(events[0]!.prevKv?.value, '1');
      assert.equal(events[0]!.prevKv?.modRevision, 1);
      assert.equal(events[0]!.kv.createRevision, 1);
      assert.equal(events[2]!.kv.value, '2', 'a delete carries the last value');
      assert.equal(events[2]!.prevKv?.modRevision, 2);
      watch.cancel();
      await b.create('/w/after-cancel', '1');
      await rec.settle();
      assert.equal(rec.events.length, 4);
    });

    it('delivers replayed history before live events that race with it', async () => {
      const b = await fresh();
      await b.create('/o/0', '0');
      await b.create('/o/1', '1');
      const rec = new EventRecorder();
      b.watch('/o/', 1, rec.handler);
      // Issued before the replay has gone out: they must arrive after it.
      await Promise.all([b.create('/o/2', '2'), b.create('/o/3', '3')]);
      const events = await rec.waitFor(3);
      assert.deepEqual(events.map((e) => e.kv.modRevision), [2, 3, 4]);
      assert.deepEqual(rec.batches[0]!.map((e) => e.kv.modRevision), [2], 'the replay is its own first batch');
    });

    it('watch from revision 0 sees only new events', async () => {
      const b = await fresh();
      await b.create('/n/old', '1');
      const rec = new EventRecorder();
      b.watch('/n/', 0, rec.handler);
      await b.create('/n/new', '1');
      const events = await rec.waitFor(1);
      await rec.settle();
      assert.deepEqual(events.map((e) => e.kv.key), ['/n/new']);
    });

    it('filters watch events by prefix', async () => {
      const b = await fresh();
      const pods = new EventRecorder();
      const ns1 = new EventRecorder();
      b.watch('/registry/pods/', 0, pods.handler);
      b.watch('/registry/pods/ns1/', 0, ns1.handler);
      await b.create('/registry/pods/ns1/a', '1');
      await b.create('/registry/podsx/a', '1');
      await b.create('/registry/pods/ns2/a', '1');
      await b.create('/registry/services/ns1/a', '1');
      await pods.waitFor(2);
      await ns1.waitFor(1);
      await pods.settle();
      assert.deepEqual(pods.events.map((e) => e.kv.key), ['/registry/pods/ns1/a', '/registry/pods/ns2/a']);
      assert.deepEqual(ns1.events.map((e) => e.kv.key), ['/registry/pods/ns1/a']);
    });

    it('keeps other watchers running when one handler throws', async () => {
      const b = await fresh();
      const good = new EventRecorder();
      b.watch('/t/', 0, () => {
        throw new Error('handler failure');
      });
      b.watch('/t/', 0, good.handler);
      await b.create('/t/1', '1');
      await b.create('/t/2', '2');
      assert.equal((await good.waitFor(2)).length, 2);
    });

    it('compacts history: old watches get CompactedError, newer ones still replay, live keys stay', async () => {
      const b = await fresh();
      const a = await b.create('/x/a', '1');
      await b.update('/x/a', '2', a.modRevision);
      await b.create('/x/b', '1');
      await b.create('/x/c', '1');
      assert.equal(await b.compactRevision(), 0);
      await b.compact(3);
      assert.equal(await b.compactRevision(), 3);
      assert.throws(() => b.watch('/x/', 2, () => undefined), (err: unknown) => {
        assert.ok(err instanceof CompactedError);
        assert.equal(err.requested, 2);
        assert.equal(err.compactRevision, 3);
        return true;
      });
      const rec = new EventRecorder();
      b.watch('/x/', 3, rec.handler);
      assert.deepEqual((await rec.waitFor(1)).map((e) => e.kv.modRevision), [4]);
      assert.deepEqual((await b.list('/x/')).kvs.map((kv) => [kv.key, kv.value]), [['/x/a', '2'], ['/x/b', '1'], ['/x/c', '1']]);
      assert.equal(await b.currentRevision(), 4, 'compaction never moves the revision');
      await b.compact(2);
      assert.equal(await b.compactRevision(), 3, 'compacting below the compact revision is a no-op');
      await assert.rejects(b.compact(99));
      const next = await b.create('/x/d', '1');
      assert.equal(next.modRevision, 5);
    });

    if (opts.reopen) {
      const reopen = opts.reopen;
      it('keeps data, revision, history and compact revision across a reopen', async () => {
        const b = await fresh();
        const a = await b.create('/r/a', '1');
        await b.update('/r/a', '2', a.modRevision);
        await b.create('/r/b', '1');
        await b.delete('/r/b');
        await b.compact(2);
        const again = await reopen(b);
        open.push(again);
        assert.equal(await again.currentRevision(), 4);
        assert.equal(await again.compactRevision(), 2);
        assert.equal((await again.get('/r/a'))!.value, '2');
        assert.equal(await again.get('/r/b'), undefined);
        const rec = new EventRecorder();
        again.watch('/r/', 2, rec.handler);
        const events = await rec.waitFor(2);
        assert.deepEqual(events.map((e) => [e.type, e.kv.modRevision, e.prevKv?.value]), [
          ['create', 3, undefined],
          ['delete', 4, '1'],
        ]);
        assert.throws(() => again.watch('/r/', 1, () => undefined), CompactedError);
        assert.equal((await again.create('/r/c', '1')).modRevision, 5);
      });

      it('never reuses a revision after compacting everything and reopening', async () => {
        const b = await fresh();
        await b.create('/z/a', '1');
        await b.create('/z/b', '1');
        await b.compact(2);
        const again = await reopen(b);
        open.push(again);
        assert.equal(await again.currentRevision(), 2);
        assert.equal((await again.create('/z/c', '1')).modRevision, 3);
      });
    }
  });
}
