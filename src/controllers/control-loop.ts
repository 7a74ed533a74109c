/**
 * What the workload controllers share around their sync: informers that feed one work queue, a few
 * workers that drain it once the caches are synced, and the lookups from a pod (or revision) back to
 * the object that controls it or may adopt it.
 */
import type { KObject } from '../api/machinery/object.js';
import { fromLabelSelector, matchesLabels } from '../api/machinery/selectors.js';
import type { WorkQueue } from '../client/workqueue.js';
import { controllerRefOf } from './replicaset/plan.js';
import type { SharedInformer } from './replicaset/replicaset-controller.js';

export class ControlLoop {
  private running = true;

  /** `sync` is read on each item, so a test may replace the controller's handler after construction. */
  constructor(
    private readonly queue: WorkQueue,
    private readonly informers: SharedInformer<KObject>[],
    private readonly sync: (key: string) => Promise<void>,
    private readonly workers = 2,
  ) {}

  start(): void {
    for (const i of this.informers) i.start();
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    for (const i of this.informers) i.stop();
  }

  /** Workers start only once every cache is synced: a sync against a partial cache would create duplicates. */
  async run(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.waitForSync()));
    await Promise.all(Array.from({ length: this.workers }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    while (this.running && (await this.queue.processNextWorkItem((key) => this.sync(key))));
  }
}

/** The object of `kind` that controls `obj`, if the cache holds it with the uid the reference names. */
export function controllerIn(owners: SharedInformer<KObject>, kind: string, obj: KObject): KObject | undefined {
  const ref = controllerRefOf(obj);
  if (!ref || ref.kind !== kind) return undefined;
  const owner = owners.get(`${obj.metadata.namespace ?? ''}/${ref.name}`);
  return owner && owner.metadata.uid === ref.uid ? owner : undefined;
}

/** Owners in the object's namespace whose non-empty selector matches its labels: those that may adopt an orphan. */
export function ownersSelecting(owners: SharedInformer<KObject>, obj: KObject): KObject[] {
  return owners.list().filter((o) => {
    const sel = fromLabelSelector((o as { spec?: { selector?: Parameters<typeof fromLabelSelector>[0] } }).spec?.selector);
    return o.metadata.namespace === obj.metadata.namespace && sel.length > 0 && matchesLabels(sel, obj.metadata.labels);
  });
}
