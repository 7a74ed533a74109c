/**
 * The TTL-after-finished controller: deletes a finished Job ttlSecondsAfterFinished after it
 * finished, with Background propagation so the garbage collector removes its pods.
 */
import type { Job } from 'kubernetes-types/batch/v1.js';
import { isNotFound } from '../../api/machinery/errors.js';
import { keyFor, splitKey, type KObject } from '../../api/machinery/object.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { ControllerClient, SharedInformer } from '../replicaset/replicaset-controller.js';
import { planTtl } from './plan.js';

/** Node fires longer timers at once; a TTL of weeks is looked at daily until due. */
const MAX_REQUEUE_MS = 24 * 3600 * 1000;

export interface TtlAfterFinishedDeps {
  client: ControllerClient;
  jobs: SharedInformer<KObject>;
  now?: () => number;
}

export class TtlAfterFinishedController {
  readonly queue = new WorkQueue('ttl-after-finished');
  private readonly now: () => number;
  private running = true;

  static forClient(client: KubeClient): TtlAfterFinishedController {
    return new TtlAfterFinishedController({ client, jobs: new Informer(client, Refs.jobs) });
  }

  constructor(private readonly deps: TtlAfterFinishedDeps) {
    this.now = deps.now ?? Date.now;
    const consider = (j: KObject): void => {
      if (planTtl(j as Job, this.now()).type !== 'none') this.queue.add(keyFor(j));
    };
    deps.jobs.addEventHandler({ onAdd: consider, onUpdate: (_o, j) => consider(j) });
  }

  start(): void {
    this.deps.jobs.start();
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    this.deps.jobs.stop();
  }

  private async run(): Promise<void> {
    await this.deps.jobs.waitForSync();
    while (this.running && (await this.queue.processNextWorkItem((key) => this.syncJob(key))));
  }

  async syncJob(key: string): Promise<void> {
    const cached = this.deps.jobs.get(key);
    if (!cached) return;
    const decision = planTtl(cached as Job, this.now());
    if (decision.type === 'wait') this.queue.addAfter(key, Math.min(decision.ms + 50, MAX_REQUEUE_MS));
    if (decision.type !== 'delete') return;
    const { namespace, name } = splitKey(key);
    try {
      // The cache may be stale: the TTL could have been raised or removed meanwhile.
      const fresh = await this.deps.client.get(Refs.jobs, namespace, name);
      const again = planTtl(fresh as Job, this.now());
      if (again.type === 'wait') this.queue.addAfter(key, Math.min(again.ms + 50, MAX_REQUEUE_MS));
      if (again.type !== 'delete') return;
      await this.deps.client.delete(Refs.jobs, namespace, name, {
        propagationPolicy: 'Background', preconditions: { uid: fresh.metadata.uid, resourceVersion: fresh.metadata.resourceVersion },
      });
    } catch (err) {
      // Gone already: done. A conflict means it changed under us; the retry looks again.
      if (!isNotFound(err)) throw err;
    }
  }
}
