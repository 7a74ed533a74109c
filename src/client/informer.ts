/**
 * A shared informer: list, then watch from the list's resourceVersion, keeping a local cache
 * of objects by key and telling handlers what changed. It relists when the watch ends or the
 * server says the version expired (410), so handlers always converge on the server's state.
 */
import { keyFor, type KObject } from '../api/machinery/object.js';
import type { KubeClient, ResourceRef } from './rest-client.js';
import { watch, type WatchHandle } from './watch.js';

export interface EventHandlers<T extends KObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Delay before relisting after a failure; grows to at most 30 s. */
  backoffMs?: number;
}

export class Informer<T extends KObject = KObject> {
  private readonly items = new Map<string, T>();
  private readonly handlers: EventHandlers<T>[] = [];
  private synced = false;
  private stopped = false;
  private current?: WatchHandle;
  private resourceVersion = '';
  private syncWaiters: (() => void)[] = [];
  private loop?: Promise<void>;

  constructor(private readonly client: KubeClient, readonly ref: ResourceRef, private readonly opts: InformerOptions = {}) {}

  addEventHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
    // Late handlers learn of what is already known, as in client-go.
    if (this.synced) for (const o of this.items.values()) h.onAdd?.(o);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first full list has been delivered. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  stop(): void {
    this.stopped = true;
    this.current?.stop();
  }

  private async run(): Promise<void> {
    let backoff = this.opts.backoffMs ?? 200;
    while (!this.stopped) {
      try {
        await this.relist();
        backoff = this.opts.backoffMs ?? 200;
        await this.watchOnce();
      } catch {
        // The server is unreachable or answered an error: back off, then relist.
      }
      if (this.stopped) break;
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 30_000);
    }
  }

  /** Replaces the cache with a fresh list, emitting the differences. */
  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.ref, this.opts.namespace, {
      labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector,
    });
    const seen = new Set<string>();
    for (const obj of list.items) {
      const key = keyFor(obj);
      seen.add(key);
      const old = this.items.get(key);
      this.items.set(key, obj);
      if (!old) this.emit((h) => h.onAdd?.(obj));
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit((h) => h.onUpdate?.(old, obj));
    }
    for (const [key, old] of this.items) {
      if (!seen.has(key)) {
        this.items.delete(key);
        this.emit((h) => h.onDelete?.(old));
      }
    }
    this.resourceVersion = list.metadata.resourceVersion ?? '';
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async watchOnce(): Promise<void> {
    let expired = false;
    this.current = watch<T>(this.client, this.ref, this.opts.namespace, {
      resourceVersion: this.resourceVersion, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector,
      allowWatchBookmarks: true, timeoutSeconds: 300 + Math.floor(Math.random() * 300),
    }, (e) => {
      if (e.type === 'ERROR') {
        expired = true;
        this.current?.stop();
        return;
      }
      const rv = e.object.metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
      if (e.type === 'BOOKMARK') return;
      const key = keyFor(e.object);
      const old = this.items.get(key);
      if (e.type === 'DELETED') {
        this.items.delete(key);
        this.emit((h) => h.onDelete?.(old ?? e.object));
      } else {
        this.items.set(key, e.object);
        if (old) this.emit((h) => h.onUpdate?.(old, e.object));
        else this.emit((h) => h.onAdd?.(e.object));
      }
    });
    await this.current.done;
    if (expired) throw new Error('watch expired');
  }

  private emit(fn: (h: EventHandlers<T>) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch {
        // A failing handler must not stop the informer; handlers only enqueue work.
      }
    }
  }
}
