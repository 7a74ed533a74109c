// Fans store events out to watchers: prefix and revision filtering, replay before live, failing handlers cut off.
import type { Watch, WatchEvent } from './backend.js';

export type WatchHandler = (events: WatchEvent[]) => void;

interface Watcher {
  readonly prefix: string;
  /** Only events above this revision are delivered (what the watcher asked for, or has already replayed). */
  readonly afterRevision: number;
  readonly handler: WatchHandler;
  /** Batches held back until the replay has gone out; undefined once the watcher is live. */
  pending: WatchEvent[][] | undefined;
  cancelled: boolean;
}

/**
 * Publishing is synchronous: the store calls publish() right after committing a write, so by the
 * time the write is acknowledged every live watcher (the watch cache in particular) has seen it.
 * That is what lets the API server read its own writes from the cache without a freshness wait.
 */
export class Broadcaster {
  private readonly watchers = new Set<Watcher>();

  /**
   * The replay goes out on a later microtask rather than inside subscribe(), so the caller holds
   * its Watch handle before its handler first runs; live batches published meanwhile queue behind
   * the replay, which keeps delivery in revision order.
   */
  subscribe(prefix: string, afterRevision: number, replay: WatchEvent[][], handler: WatchHandler): Watch {
    const watcher: Watcher = { prefix, afterRevision, handler, pending: replay.filter((b) => b.length > 0), cancelled: false };
    this.watchers.add(watcher);
    queueMicrotask(() => this.goLive(watcher));
    return { cancel: () => this.remove(watcher) };
  }

  publish(events: readonly WatchEvent[]): void {
    if (events.length === 0) return;
    for (const watcher of [...this.watchers]) {
      const matching = events.filter((e) => e.kv.modRevision > watcher.afterRevision && e.kv.key.startsWith(watcher.prefix));
      if (matching.length === 0) continue;
      if (watcher.pending) watcher.pending.push(matching);
      else this.deliver(watcher, matching);
    }
  }

  get size(): number {
    return this.watchers.size;
  }

  cancelAll(): void {
    for (const watcher of [...this.watchers]) this.remove(watcher);
  }

  private goLive(watcher: Watcher): void {
    // Delivering may publish nothing new (handlers must not write), but a handler may cancel itself.
    while (watcher.pending && watcher.pending.length > 0 && !watcher.cancelled) {
      this.deliver(watcher, watcher.pending.shift()!);
    }
    watcher.pending = undefined;
  }

  private deliver(watcher: Watcher, events: WatchEvent[]): void {
    if (watcher.cancelled) return;
    try {
      watcher.handler(events);
    } catch {
      // Delivery runs inside the store's write path; a throwing handler must not fail that write or
      // starve the other watchers, so it loses its watch, like a slow consumer in kine's broadcaster.
      this.remove(watcher);
    }
  }

  private remove(watcher: Watcher): void {
    watcher.cancelled = true;
    watcher.pending = undefined;
    this.watchers.delete(watcher);
  }
}
