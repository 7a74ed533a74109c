/**
 * The garbage collector: follows ownerReferences across every kind through informers,
 * deletes dependents whose owners are gone, and serves Foreground and Orphan deletion.
 */
import type { KObject } from '../../api/machinery/object.js';
import { isConflict, isNotFound } from '../../api/machinery/errors.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient, ResourceRef } from '../../client/rest-client.js';
import { Refs, refForKind } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { FOREGROUND, isOrphaned, planOwnerDeletion, type OwnerState } from './plan.js';

/** Events churn and never own anything; everything else may be an owner or a dependent. */
const WATCHED: ResourceRef[] = Object.values(Refs).filter((r) => r.resource !== 'events');

interface Node {
  ref: ResourceRef;
  obj: KObject;
}

export class GarbageCollector {
  readonly queue = new WorkQueue('garbagecollector');
  private readonly informers: Informer[];
  /** Every object known, by uid, and dependents by owner uid. */
  private readonly byUid = new Map<string, Node>();
  private readonly dependents = new Map<string, Set<string>>();
  private running = true;

  constructor(private readonly client: KubeClient) {
    this.informers = WATCHED.map((ref) => {
      const inf = new Informer(client, ref);
      inf.addEventHandler({
        onAdd: (o) => this.observe(ref, o),
        onUpdate: (old, o) => {
          this.forget(old);
          this.observe(ref, o);
        },
        onDelete: (o) => {
          this.forget(o);
          // Dependents of a vanished owner may now be garbage.
          for (const d of this.dependents.get(o.metadata.uid ?? '') ?? []) this.queue.add(d);
        },
      });
      return inf;
    });
  }

  private observe(ref: ResourceRef, obj: KObject): void {
    const uid = obj.metadata.uid ?? '';
    this.byUid.set(uid, { ref, obj });
    for (const r of obj.metadata.ownerReferences ?? []) {
      if (!this.dependents.has(r.uid)) this.dependents.set(r.uid, new Set());
      this.dependents.get(r.uid)?.add(uid);
    }
    if (obj.metadata.ownerReferences?.length || obj.metadata.deletionTimestamp) this.queue.add(uid);
    // The owner of a dependent that changed may be waiting for it.
    for (const r of obj.metadata.ownerReferences ?? []) if (this.byUid.get(r.uid)?.obj.metadata.deletionTimestamp) this.queue.add(r.uid);
  }

  private forget(obj: KObject): void {
    const uid = obj.metadata.uid ?? '';
    this.byUid.delete(uid);
    for (const r of obj.metadata.ownerReferences ?? []) {
      this.dependents.get(r.uid)?.delete(uid);
      if (this.byUid.get(r.uid)?.obj.metadata.deletionTimestamp) this.queue.add(r.uid);
    }
  }

  start(): void {
    for (const i of this.informers) i.start();
    void this.worker();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    for (const i of this.informers) i.stop();
  }

  private async worker(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.waitForSync()));
    while (this.running && (await this.queue.processNextWorkItem((k) => this.sync(k)))) {
      // Each pass handles one key.
    }
  }

  private ownerState = (uid: string): OwnerState => (this.byUid.has(uid) ? 'present' : 'absent');

  private async sync(uid: string): Promise<void> {
    const node = this.byUid.get(uid);
    if (!node) return;
    const { ref, obj } = node;
    const ns = obj.metadata.namespace;
    if (isOrphaned(obj, this.ownerState) && (await this.ownersReallyGone(obj))) {
      await this.ignoreGone(this.client.delete(ref, ns, obj.metadata.name ?? '', { propagationPolicy: 'Background', preconditions: { uid } }));
      return;
    }
    const deps = [...(this.dependents.get(uid) ?? [])].map((d) => this.byUid.get(d)).filter((d): d is Node => !!d);
    const action = planOwnerDeletion(obj, deps.map((d) => d.obj));
    switch (action.type) {
      case 'none':
        return;
      case 'deleteDependents':
        for (const d of deps.filter((x) => action.dependents.includes(x.obj))) {
          await this.ignoreGone(this.client.delete(d.ref, d.obj.metadata.namespace, d.obj.metadata.name ?? '', { propagationPolicy: 'Foreground' }));
        }
        return;
      case 'orphanDependents':
        for (const d of deps) {
          const refs = (d.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          await this.ignoreGone(this.client.patch(d.ref, d.obj.metadata.namespace, d.obj.metadata.name ?? '', 'merge', {
            metadata: { ownerReferences: refs.length ? refs : null, uid: d.obj.metadata.uid },
          }));
        }
        return;
      case 'removeFinalizer': {
        const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== action.finalizer);
        await this.ignoreGone(this.client.patch(ref, ns, obj.metadata.name ?? '', 'merge', {
          metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: obj.metadata.resourceVersion },
        }));
        return;
      }
    }
  }

  /** The informers may lag behind a just-created owner: confirm with the server before deleting. */
  private async ownersReallyGone(obj: KObject): Promise<boolean> {
    for (const r of obj.metadata.ownerReferences ?? []) {
      const ref = refForKind(r.apiVersion, r.kind);
      if (!ref) return false;
      try {
        const owner = await this.client.get(ref, ref.namespaced ? obj.metadata.namespace : undefined, r.name);
        if (owner.metadata.uid === r.uid) return false;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return true;
  }

  private async ignoreGone(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      // Already gone, or changed under us (the next event brings it back to the queue).
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}

export { FOREGROUND };
