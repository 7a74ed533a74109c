/**
 * A work queue with client-go's semantics: a key is queued at most once, is never processed by
 * two workers at once, is re-queued if it changed while being processed, and failed keys
 * retry with per-item exponential backoff.
 */
/** What one queue reports, as client-go's workqueue metrics; times are in seconds. */
export interface QueueMetrics {
  added(): void;
  retried(): void;
  /** Time from add to get. */
  waited(seconds: number): void;
  /** Time from get to done. */
  worked(seconds: number): void;
  /** One run of a controller's sync through processNextWorkItem. */
  reconciled(seconds: number, failed: boolean): void;
}

/** Hands out the metrics of each named queue; `depth` is read whenever the metrics are scraped. */
export interface QueueMetricsProvider {
  forQueue(name: string, depth: () => number): QueueMetrics;
}

const seconds = (since: number): number => (performance.now() - since) / 1000;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private metrics?: QueueMetrics;
  /** When each waiting key was added, and when each processed key was taken (only while instrumented). */
  private readonly addedAt = new Map<string, number>();
  private readonly takenAt = new Map<string, number>();

  constructor(readonly name: string, private readonly baseDelayMs = 5, private readonly maxDelayMs = 60_000) {}

  /** Reports this queue's adds, retries, latencies and depth from now on. */
  instrument(provider: QueueMetricsProvider): void {
    this.metrics = provider.forQueue(this.name, () => this.queue.length);
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    if (this.metrics) {
      this.metrics.added();
      this.addedAt.set(key, performance.now());
    }
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  private push(key: string): void {
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(key);
      this.take(key);
      w(key);
    } else this.queue.push(key);
  }

  private take(key: string): void {
    this.processing.add(key);
    if (!this.metrics) return;
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.metrics.waited(seconds(added));
    this.takenAt.set(key, performance.now());
  }

  addAfter(key: string, ms: number): void {
    const t = setTimeout(() => this.add(key), ms);
    t.unref();
  }

  /** Re-queues after the item's next backoff delay. */
  addRateLimited(key: string): void {
    this.metrics?.retried();
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
      this.take(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((r) => this.waiters.push(r));
  }

  done(key: string): void {
    this.processing.delete(key);
    const taken = this.takenAt.get(key);
    if (taken !== undefined) {
      this.takenAt.delete(key);
      this.metrics?.worked(seconds(taken));
    }
    // Added again while it was processed: it waits now (counted as an add back then).
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
  }

  /**
   * Takes the next key and runs `sync` on it: success forgets its failures, an error re-queues it
   * with backoff. Resolves false once the queue is shut down. This is every controller's worker loop body.
   */
  async processNextWorkItem(sync: (key: string) => Promise<void>): Promise<boolean> {
    const key = await this.get();
    if (key === undefined) return false;
    const started = performance.now();
    try {
      await sync(key);
      this.metrics?.reconciled(seconds(started), false);
      this.forget(key);
    } catch {
      this.metrics?.reconciled(seconds(started), true);
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
