// The in-memory store backend: the reference implementation with no I/O, for fast tests.
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionConflictError,
  type Backend,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Watch,
  type WatchEvent,
} from './backend.js';
import { Broadcaster, type WatchHandler } from './broadcaster.js';
import { firstAbove } from './event-order.js';
import { SortedKeys } from './sorted-keys.js';

/**
 * Same contract as the SQLite backend, like kine's memory driver: a map of live keys, a sorted key
 * index for lists and an event log for watch replay until compact(). Values handed out are frozen
 * so a caller cannot change stored state by mutating a result.
 */
export class MemoryBackend implements Backend {
  private readonly kvs = new Map<string, KeyValue>();
  private readonly keys = new SortedKeys();
  /** Every event above `compacted`, in revision order. */
  private history: WatchEvent[] = [];
  private revision = 0;
  private compacted = 0;
  private closed = false;
  private readonly broadcaster = new Broadcaster();

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    return this.kvs.get(key);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const limit = opts.limit ?? 0;
    const kvs: KeyValue[] = [];
    let more = false;
    for (const key of this.keys.range(prefix, opts.startAfter)) {
      if (limit > 0 && kvs.length === limit) {
        more = true;
        break;
      }
      kvs.push(this.kvs.get(key)!);
    }
    return { revision: this.revision, kvs, more };
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.assertOpen();
    if (this.kvs.has(key)) throw new KeyExistsError(key);
    const revision = this.revision + 1;
    const kv = Object.freeze({ key, value, createRevision: revision, modRevision: revision });
    this.kvs.set(key, kv);
    this.keys.insert(key);
    this.commit({ type: 'create', kv });
    return kv;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    const prevKv = this.current(key, expectedModRevision);
    const kv = Object.freeze({ key, value, createRevision: prevKv.createRevision, modRevision: this.revision + 1 });
    this.kvs.set(key, kv);
    this.commit({ type: 'update', kv, prevKv });
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    const prevKv = this.current(key, expectedModRevision);
    const kv = Object.freeze({ ...prevKv, modRevision: this.revision + 1 });
    this.kvs.delete(key);
    this.keys.remove(key);
    this.commit({ type: 'delete', kv, prevKv });
    return kv;
  }

  /** fromRevision 0 means "only events after now", as in etcd. */
  watch(prefix: string, fromRevision: number, onEvents: WatchHandler): Watch {
    this.assertOpen();
    if (fromRevision === 0) return this.broadcaster.subscribe(prefix, this.revision, [], onEvents);
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    const replay = this.history.slice(firstAbove(this.history, fromRevision)).filter((e) => e.kv.key.startsWith(prefix));
    return this.broadcaster.subscribe(prefix, fromRevision, [replay], onEvents);
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async compactRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.revision) throw new Error(`cannot compact to revision ${revision}: current revision is ${this.revision}`);
    if (revision <= this.compacted) return;
    this.history = this.history.slice(firstAbove(this.history, revision));
    this.compacted = revision;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.broadcaster.cancelAll();
  }

  /** The live value of key, checked against the caller's expected revision (the CAS half of update/delete). */
  private current(key: string, expectedModRevision: number | undefined): KeyValue {
    this.assertOpen();
    const kv = this.kvs.get(key);
    if (!kv) throw new KeyNotFoundError(key);
    if (expectedModRevision !== undefined && kv.modRevision !== expectedModRevision) throw new RevisionConflictError(key, kv);
    return kv;
  }

  private commit(event: WatchEvent): void {
    this.revision = event.kv.modRevision;
    this.history.push(event);
    this.broadcaster.publish([event]);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('storage backend is closed');
  }
}
