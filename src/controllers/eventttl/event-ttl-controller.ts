/**
 * Deletes Events older than the event TTL. Kubernetes stores each Event with an etcd lease; skiff's
 * storage has no leases, so this controller lists Events now and then and deletes the expired ones.
 */
import { isConflict, isNotFound } from '../../api/machinery/errors.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { DEFAULT_EVENT_TTL_MS, expiredEvents, type EventLike } from './plan.js';

export interface EventTtlOptions {
  ttlMs?: number;
  /** How often to look; a minute is well below the TTL. */
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

const SWEEP = 'sweep';

export class EventTtlController {
  /** One key, re-added after each pass; a failed pass is retried with the queue's backoff. */
  readonly queue = new WorkQueue('event-ttl');
  private running = false;
  private readonly ttlMs: number;
  private readonly intervalMs: number;

  constructor(private readonly client: KubeClient, private readonly opts: EventTtlOptions = {}) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_EVENT_TTL_MS;
    this.intervalMs = opts.intervalMs ?? 60_000;
  }

  start(): void {
    this.running = true;
    this.queue.addAfter(SWEEP, this.intervalMs);
    void this.worker();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
  }

  private async worker(): Promise<void> {
    while (this.running && (await this.queue.processNextWorkItem(async () => {
      try {
        await this.sweep();
      } catch (err) {
        this.opts.onError?.(err);
        throw err;
      }
      this.queue.addAfter(SWEEP, this.intervalMs);
    }))) {
      // Each pass handles the one key.
    }
  }

  /** One pass: list every Event and delete those past the TTL; returns how many were deleted. */
  async sweep(nowMs = Date.now()): Promise<number> {
    const list = await this.client.list(Refs.events);
    let deleted = 0;
    for (const e of expiredEvents(list.items as EventLike[], nowMs, this.ttlMs)) {
      if (!this.running) break;
      try {
        // A repeat recorded meanwhile bumps the resourceVersion and keeps the Event.
        await this.client.delete(Refs.events, e.namespace, e.name, { preconditions: { resourceVersion: e.resourceVersion } });
        deleted++;
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    return deleted;
  }
}
