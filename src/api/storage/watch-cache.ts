// The API server's in-memory cache of the store (the apiserver "cacher"): serves gets, lists and watches without store reads.
import { CompactedError, type Backend, type KeyValue, type Watch, type WatchEvent } from './backend.js';
import { Broadcaster } from './broadcaster.js';
import { firstAbove } from './event-order.js';
import { SortedKeys } from './sorted-keys.js';

export interface WatchCacheOptions {
  /** Only keys under this prefix are cached. Default '' (the whole store). */
  prefix?: string;
  /** Events kept for watches that resume from a resourceVersion. Default 10000. */
  historyLimit?: number;
}

/** Raised by waitUntilFresh when the cache does not reach the revision in time (the apiserver's "Too large resource version"). */
export class TooLargeResourceVersionError extends Error {
  constructor(readonly requested: number, readonly current: number) {
    super(`Too large resource version: ${requested}, current: ${current}`);
    this.name = 'TooLargeResourceVersionError';
  }
}

/** How long waitUntilFresh waits by default; the apiserver's cacher blocks for 3 s too. */
const DEFAULT_FRESHNESS_TIMEOUT_MS = 3000;

interface Waiter {
  revision: number;
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Filled by one list and kept current by one store watch (list-then-watch from the list's
 * revision, so nothing between the two is missed). The store watch covers the whole key space,
 * not just the prefix: every revision then passes through the cache, so `revision` advances on
 * writes elsewhere too and waitUntilFresh can be satisfied by them, which is what etcd's progress
 * notifications do for the real cacher; keys outside the prefix are dropped on arrival.
 */
export class WatchCache {
  private readonly prefix: string;
  private readonly historyLimit: number;
  private readonly kvs = new Map<string, KeyValue>();
  private readonly keys = new SortedKeys();
  /** Events under the prefix, in revision order, for watches resuming from a revision. */
  private history: WatchEvent[] = [];
  /** Every event above this revision is in `history`; resuming from older revisions needs a relist. */
  private historyFloor = 0;
  /** Revisions up to here came from the initial list; replayed events below it are history only. */
  private loadedUpTo = 0;
  private current = 0;
  private started = false;
  private stopped = false;
  private upstream: Watch | undefined;
  private readonly broadcaster = new Broadcaster();
  private waiters: Waiter[] = [];

  constructor(private readonly backend: Backend, opts: WatchCacheOptions = {}) {
    this.prefix = opts.prefix ?? '';
    this.historyLimit = Math.max(1, opts.historyLimit ?? 10000);
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('watch cache already started');
    this.started = true;
    // A compaction between the list and the watch leaves a gap the watch cannot replay; relist then.
    for (let attempt = 1; ; attempt++) {
      const compacted = await this.backend.compactRevision();
      const listed = await this.backend.list(this.prefix);
      if (this.stopped) return;
      this.kvs.clear();
      this.keys.clear();
      for (const kv of listed.kvs) {
        this.kvs.set(kv.key, kv);
        this.keys.insert(kv.key);
      }
      this.current = listed.revision;
      this.historyFloor = listed.revision;
      // The store keeps write history across restarts; loading its tail lets watches that
      // started before a restart resume from their resourceVersion instead of relisting.
      // Revision 0 means "only new events" to a backend, so replay starts after revision 1 at the earliest.
      const floor = listed.revision === 0 ? 0 : Math.max(compacted, listed.revision - this.historyLimit, 1);
      this.loadedUpTo = listed.revision;
      try {
        this.upstream = this.backend.watch('', floor, (events) => this.observe(events));
        this.historyFloor = floor;
        break;
      } catch (err) {
        if (!(err instanceof CompactedError) || attempt === 3) throw err;
      }
    }
    this.settleWaiters();
  }

  /** The latest store revision the cache reflects. */
  get revision(): number {
    return this.current;
  }

  get(key: string): KeyValue | undefined {
    return this.kvs.get(key);
  }

  /** How many keys lie under prefix, without copying them. */
  count(prefix: string): number {
    let n = 0;
    for (const _ of this.keys.range(prefix)) n++;
    return n;
  }

  /** Keys under prefix, sorted by key. */
  list(prefix: string): KeyValue[] {
    const kvs: KeyValue[] = [];
    for (const key of this.keys.range(prefix)) kvs.push(this.kvs.get(key)!);
    return kvs;
  }

  /**
   * fromRevision 0 means only new events. Otherwise the kept history above fromRevision is replayed
   * first; a revision older than the kept history throws CompactedError so the client relists.
   */
  watch(prefix: string, fromRevision: number, onEvents: (events: WatchEvent[]) => void): Watch {
    if (!this.started || this.stopped) throw new Error('watch cache is not running');
    if (fromRevision === 0) return this.broadcaster.subscribe(prefix, this.current, [], onEvents);
    if (fromRevision < this.historyFloor) throw new CompactedError(fromRevision, this.historyFloor);
    const replay = this.history.slice(firstAbove(this.history, fromRevision)).filter((e) => e.kv.key.startsWith(prefix));
    return this.broadcaster.subscribe(prefix, fromRevision, [replay], onEvents);
  }

  /** Resolves once the cache has seen `revision`, so a reader can see its own write. */
  waitUntilFresh(revision: number, timeoutMs = DEFAULT_FRESHNESS_TIMEOUT_MS): Promise<void> {
    if (this.current >= revision) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error('watch cache is stopped'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        revision,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new TooLargeResourceVersionError(revision, this.current));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.upstream?.cancel();
    this.broadcaster.cancelAll();
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('watch cache is stopped'));
    }
    this.waiters = [];
  }

  private observe(events: WatchEvent[]): void {
    const mine: WatchEvent[] = [];
    for (const event of events) {
      if (event.kv.modRevision <= this.loadedUpTo) {
        // Already reflected by the list: kept as history only.
        if (event.kv.key.startsWith(this.prefix)) this.history.push(event);
        continue;
      }
      this.current = Math.max(this.current, event.kv.modRevision);
      const { key } = event.kv;
      if (!key.startsWith(this.prefix)) continue;
      if (event.type === 'delete') {
        this.kvs.delete(key);
        this.keys.remove(key);
      } else {
        this.kvs.set(key, event.kv);
        this.keys.insert(key);
      }
      mine.push(event);
    }
    this.history.push(...mine);
    this.trimHistory();
    this.broadcaster.publish(mine);
    this.settleWaiters();
  }

  /** Trims in slices of a tenth of the limit, so the array is not shifted on every event once full. */
  private trimHistory(): void {
    const slack = Math.max(1, Math.floor(this.historyLimit / 10));
    if (this.history.length <= this.historyLimit + slack) return;
    const drop = this.history.length - this.historyLimit;
    this.historyFloor = this.history[drop - 1]!.kv.modRevision;
    this.history = this.history.slice(drop);
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.revision <= this.current);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.revision > this.current);
    for (const waiter of ready) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }
}
