/**
 * The namespace controller: empties a namespace marked for deletion, then clears its
 * `kubernetes` finalizer through /finalize so the API server removes it.
 */
import type { KObject } from '../../api/machinery/object.js';
import { isNotFound } from '../../api/machinery/errors.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient, ResourceRef } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';

/** Every namespaced resource a namespace can hold. */
export const NAMESPACED_REFS: ResourceRef[] = Object.values(Refs).filter((r) => r.namespaced);

export interface NamespaceContents {
  ref: ResourceRef;
  objects: KObject[];
}

export interface NamespaceDeletionPlan {
  /** Objects to delete now (those not already being deleted). */
  deletes: { ref: ResourceRef; name: string }[];
  /** Objects still present; the namespace is finalized only when this is 0. */
  remaining: number;
}

/** Pure: what to delete in a terminating namespace and whether anything is left. */
export function planNamespaceDeletion(contents: NamespaceContents[]): NamespaceDeletionPlan {
  const deletes: { ref: ResourceRef; name: string }[] = [];
  let remaining = 0;
  for (const { ref, objects } of contents) {
    for (const o of objects) {
      remaining++;
      if (!o.metadata.deletionTimestamp) deletes.push({ ref, name: o.metadata.name ?? '' });
    }
  }
  return { deletes, remaining };
}

export class NamespaceController {
  readonly queue = new WorkQueue('namespace');
  readonly informer: Informer;
  private running = true;

  constructor(private readonly client: KubeClient) {
    this.informer = new Informer(client, Refs.namespaces);
    const enqueue = (ns: KObject): void => {
      if (ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name ?? '');
    };
    this.informer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });
  }

  start(): void {
    this.informer.start();
    void this.worker();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    this.informer.stop();
  }

  private async worker(): Promise<void> {
    while (this.running) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const done = await this.syncNamespace(key);
        this.queue.forget(key);
        // Contents with grace periods (pods) take time to go; look again shortly.
        if (!done) this.queue.addAfter(key, 1000);
      } catch {
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** Returns true when the namespace is finalized (or gone). */
  async syncNamespace(name: string): Promise<boolean> {
    const ns = this.informer.get(name);
    if (!ns || !ns.metadata.deletionTimestamp) return true;
    const contents: NamespaceContents[] = [];
    for (const ref of NAMESPACED_REFS) {
      const list = await this.client.list(ref, name);
      contents.push({ ref, objects: list.items });
    }
    const plan = planNamespaceDeletion(contents);
    for (const d of plan.deletes) {
      try {
        await this.client.delete(d.ref, name, d.name, { propagationPolicy: 'Background' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (plan.remaining > 0) return false;
    const finalizers = ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).filter((f) => f !== 'kubernetes');
    await this.client.update(Refs.namespaces, { ...ns, spec: { ...(ns.spec as object), finalizers } }, { subresource: 'finalize' });
    return true;
  }
}
