/**
 * A work queue with client-go's semantics: a key is queued at most once, is never processed by
 * two workers at once, is re-queued if it changed while being processed, and failed keys
 * retry with per-item exponential backoff.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(readonly name: string, private readonly baseDelayMs = 5, private readonly maxDelayMs = 60_000) {}

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(key);
      this.processing.add(key);
      w(key);
    } else this.queue.push(key);
  }

  addAfter(key: string, ms: number): void {
    const t = setTimeout(() => this.add(key), ms);
    t.unref();
  }

  /** Re-queues after the item's next backoff delay. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  get length(): number {
    return this.queue.length;
  }

  /** The next key, or undefined once shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((r) => this.waiters.push(r));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /**
   * Takes the next key and runs `sync` on it: success forgets its failures, an error re-queues it
   * with backoff. Resolves false once the queue is shut down. This is every controller's worker loop body.
   */
  async processNextWorkItem(sync: (key: string) => Promise<void>): Promise<boolean> {
    const key = await this.get();
    if (key === undefined) return false;
    try {
      await sync(key);
      this.forget(key);
    } catch {
      this.addRateLimited(key);
    } finally {
      this.done(key);
    }
    return true;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
