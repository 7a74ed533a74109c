/**
 * The ReplicaSet controller: keeps spec.replicas pods of a ReplicaSet's template running,
 * adopting matching orphans and releasing pods that stop matching, and reports status.
 * Informers only enqueue; plan.ts decides; expectations hold syncs back while our own
 * creates and deletes are still on their way through the watch.
 */
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../api/machinery/errors.js';
import { deepCopy, deepEqual, keyFor, splitKey, type KObject } from '../../api/machinery/object.js';
import { fromLabelSelector, matchesLabels } from '../../api/machinery/selectors.js';
import { EventRecorder, involvedObjectOf, type InvolvedObject } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { ControllerExpectations } from './expectations.js';
import {
  BURST_REPLICAS, SLOW_START_INITIAL_BATCH, calculateStatus, claimPods, controllerRefOf, isPodActive, isPodReady,
  newPodFromTemplate, ownerReferenceFor, planReplicas, slowStartBatch, type ManageError, type ReplicaPlan,
} from './plan.js';

export const SUCCESSFUL_CREATE = 'SuccessfulCreate';
export const FAILED_CREATE = 'FailedCreate';
export const SUCCESSFUL_DELETE = 'SuccessfulDelete';
export const FAILED_DELETE = 'FailedDelete';
export const FIELD_MANAGER = 'skiff-controller-manager';
export const COMPONENT = 'replicaset-controller';

/** The part of KubeClient the controller writes through; tests pass a recording fake. */
export type ControllerClient = Pick<KubeClient, 'get' | 'create' | 'updateStatus' | 'patch' | 'delete'>;

/** A read-only cache the controller lists from; an Informer, or a seeded map in tests. */
export interface Lister<T> {
  get(key: string): T | undefined;
  list(): T[];
}

export interface SharedInformer<T extends KObject> extends Lister<T> {
  addEventHandler(h: { onAdd?(o: T): void; onUpdate?(o: T, n: T): void; onDelete?(o: T): void }): void;
  start(): void;
  stop(): void;
  waitForSync(): Promise<void>;
}

export interface EventSink {
  event(object: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface ReplicaSetControllerDeps {
  client: ControllerClient;
  replicaSets: SharedInformer<KObject>;
  pods: SharedInformer<KObject>;
  recorder: EventSink;
  now?: () => number;
  burstReplicas?: number;
  workers?: number;
}

export class ReplicaSetController {
  readonly queue = new WorkQueue('replicaset');
  readonly expectations: ControllerExpectations;
  private readonly client: ControllerClient;
  private readonly rsLister: SharedInformer<KObject>;
  private readonly podLister: SharedInformer<KObject>;
  private readonly recorder: EventSink;
  private readonly now: () => number;
  private readonly burst: number;
  private running = true;

  /** Builds the controller with its own informers, as the controller manager runs it. */
  static forClient(client: KubeClient): ReplicaSetController {
    return new ReplicaSetController({
      client, replicaSets: new Informer(client, Refs.replicasets), pods: new Informer(client, Refs.pods),
      recorder: new EventRecorder(client, { component: COMPONENT }),
    });
  }

  constructor(private readonly deps: ReplicaSetControllerDeps) {
    this.client = deps.client;
    this.rsLister = deps.replicaSets;
    this.podLister = deps.pods;
    this.recorder = deps.recorder;
    this.now = deps.now ?? Date.now;
    this.burst = deps.burstReplicas ?? BURST_REPLICAS;
    this.expectations = new ControllerExpectations(this.now);
    this.rsLister.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      // Every update is worth a sync, not only spec changes: a status written by an older
      // controller (or by hand) must be corrected, and the periodic relist re-checks pods.
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: (rs) => {
        this.expectations.delete(keyFor(rs));
        this.enqueue(rs);
      },
    });
    this.podLister.addEventHandler({
      onAdd: (p) => this.addPod(p as Pod),
      onUpdate: (o, n) => this.updatePod(o as Pod, n as Pod),
      onDelete: (p) => this.deletePod(p as Pod),
    });
  }

  start(): void {
    this.rsLister.start();
    this.podLister.start();
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    this.rsLister.stop();
    this.podLister.stop();
  }

  // ---- event handlers: work out which ReplicaSet to wake, nothing more ----

  private enqueue(rs: KObject): void {
    this.queue.add(keyFor(rs));
  }

  /** The ReplicaSet a controller reference points at, if it is in the cache with that uid. */
  private resolveControllerRef(namespace: string | undefined, pod: Pod): KObject | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.rsLister.get(`${namespace ?? ''}/${ref.name}`);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets whose selector matches an orphan pod: any of them may adopt it. */
  private replicaSetsForOrphan(pod: Pod): KObject[] {
    const ns = pod.metadata?.namespace;
    return this.rsLister.list().filter((rs) => {
      if (rs.metadata.namespace !== ns) return false;
      const sel = fromLabelSelector((rs as ReplicaSet).spec?.selector);
      return sel.length > 0 && matchesLabels(sel, pod.metadata?.labels);
    });
  }

  private addPod(pod: Pod): void {
    // A pod already terminating when first seen (a relist after a restart) counts as a deletion.
    if (pod.metadata?.deletionTimestamp) return this.deletePod(pod);
    if (controllerRefOf(pod)) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace, pod);
      if (!rs) return;
      this.expectations.creationObserved(keyFor(rs));
      this.enqueue(rs);
      return;
    }
    for (const rs of this.replicaSetsForOrphan(pod)) this.enqueue(rs);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    // A graceful delete shows up as an update; the pod stops counting right away.
    if (cur.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) {
      this.deletePod(cur);
      return;
    }
    const oldRef = controllerRefOf(old);
    const curRef = controllerRefOf(cur);
    if (oldRef && oldRef.uid !== curRef?.uid) {
      const prev = this.resolveControllerRef(old.metadata?.namespace, old);
      if (prev) this.enqueue(prev);
    }
    if (curRef) {
      const rs = this.resolveControllerRef(cur.metadata?.namespace, cur);
      if (!rs) return;
      this.enqueue(rs);
      // A pod that just became ready becomes available minReadySeconds later: look again then.
      const minReady = (rs as ReplicaSet).spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(keyFor(rs), minReady * 1000 + 100);
      return;
    }
    if (!deepEqual(old.metadata?.labels, cur.metadata?.labels) || oldRef) {
      for (const rs of this.replicaSetsForOrphan(cur)) this.enqueue(rs);
    }
  }

  private deletePod(pod: Pod): void {
    const rs = this.resolveControllerRef(pod.metadata?.namespace, pod);
    if (!rs) return;
    this.expectations.deletionObserved(keyFor(rs), keyFor(pod as KObject));
    this.enqueue(rs);
  }

  // ---- worker loop ----

  async run(): Promise<void> {
    await Promise.all([this.rsLister.waitForSync(), this.podLister.waitForSync()]);
    await Promise.all(Array.from({ length: this.deps.workers ?? 2 }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    while (this.running && (await this.processNextWorkItem()));
  }

  /** One key at a time per key: the queue never hands a key to two workers at once. */
  private async processNextWorkItem(): Promise<boolean> {
    return this.queue.processNextWorkItem((key) => this.syncHandler(key));
  }

  /** Overridable in tests. */
  syncHandler = (key: string): Promise<void> => this.syncReplicaSet(key);

  // ---- sync ----

  async syncReplicaSet(key: string): Promise<void> {
    const cached = this.rsLister.get(key);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    // NEVER modify objects from the cache: the copy is ours.
    const rs = deepCopy(cached) as ReplicaSet & KObject;
    const ns = splitKey(key).namespace;
    const pods = this.podLister.list().filter((p) => p.metadata.namespace === ns) as Pod[];
    const claim = claimPods(rs, pods);
    await this.releasePods(rs, claim.release);
    const adopted = await this.adoptPods(rs, claim.adopt);
    const owned = claim.owned.filter((p) => !claim.adopt.includes(p) || adopted.has(p));
    const active = owned.filter(isPodActive);

    let manageError: ManageError | undefined;
    let failure: unknown;
    if (this.expectations.satisfied(key) && !rs.metadata.deletionTimestamp) {
      const plan = planReplicas(rs, active, this.burst);
      failure = await this.manageReplicas(key, rs, plan);
      if (failure !== undefined) manageError = { creating: plan.type === 'create', message: errorMessage(failure) };
    }

    const now = this.now();
    const status = calculateStatus(rs, active, manageError, now);
    if (!deepEqual(status, rs.status ?? {})) {
      try {
        await this.client.updateStatus(Refs.replicasets, { ...rs, status } as KObject, { fieldManager: FIELD_MANAGER });
      } catch (err) {
        // Gone meanwhile: nothing left to report on.
        if (!isNotFound(err)) throw err;
      }
    }
    // Pods ready but not yet available become available later; look again when they do.
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && (status.readyReplicas ?? 0) > (status.availableReplicas ?? 0)) this.queue.addAfter(key, minReady * 1000 + 100);
    if (failure !== undefined) throw failure;
  }

  /** Creates or deletes pods per the plan. Returns the first error, if any. */
  private async manageReplicas(key: string, rs: ReplicaSet & KObject, plan: ReplicaPlan): Promise<unknown> {
    const ref = involvedObjectOf(rs);
    if (plan.type === 'create') {
      // Raised before the first create: the informer may report the new pods before we return.
      this.expectations.expectCreations(key, plan.count);
      const { successes, error } = await slowStartBatch(plan.count, SLOW_START_INITIAL_BATCH, async () => {
        try {
          const pod = await this.client.create(Refs.pods, newPodFromTemplate(rs) as KObject, { fieldManager: FIELD_MANAGER });
          this.recorder.event(ref, 'Normal', SUCCESSFUL_CREATE, `Created pod: ${pod.metadata.name ?? ''}`);
        } catch (err) {
          this.recorder.event(ref, 'Warning', FAILED_CREATE, `Error creating: ${errorMessage(err)}`);
          throw err;
        }
      });
      // Creates that failed or never ran will not be seen by the informer: stop waiting for them.
      for (let i = successes; i < plan.count; i++) this.expectations.creationObserved(key);
      return error;
    }
    if (plan.type === 'delete') {
      this.expectations.expectDeletions(key, plan.pods.map((p) => keyFor(p as KObject)));
      const results = await Promise.all(plan.pods.map(async (pod) => {
        const name = pod.metadata?.name ?? '';
        try {
          await this.client.delete(Refs.pods, pod.metadata?.namespace, name, { preconditions: { uid: pod.metadata?.uid } });
          this.recorder.event(ref, 'Normal', SUCCESSFUL_DELETE, `Deleted pod: ${name}`);
          return undefined;
        } catch (err) {
          // The informer will never report this deletion; do not wait for it.
          this.expectations.deletionObserved(key, keyFor(pod as KObject));
          if (isNotFound(err)) return undefined;
          this.recorder.event(ref, 'Warning', FAILED_DELETE, `Error deleting: ${errorMessage(err)}`);
          return err;
        }
      }));
      return results.find((e) => e !== undefined);
    }
    return undefined;
  }

  /** Takes matching orphans, after checking with the server that the ReplicaSet is not going away. */
  private async adoptPods(rs: ReplicaSet & KObject, pods: Pod[]): Promise<Set<Pod>> {
    const adopted = new Set<Pod>();
    if (pods.length === 0) return adopted;
    const fresh = await this.client.get(Refs.replicasets, rs.metadata.namespace, rs.metadata.name ?? '');
    if (fresh.metadata.uid !== rs.metadata.uid || fresh.metadata.deletionTimestamp) return adopted;
    for (const pod of pods) {
      const refs = [...(pod.metadata?.ownerReferences ?? []), ownerReferenceFor(rs, 'apps/v1', 'ReplicaSet')];
      try {
        // The uid precondition keeps a pod deleted and re-created meanwhile from being adopted by mistake.
        await this.client.patch(Refs.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'merge', {
          metadata: { uid: pod.metadata?.uid, resourceVersion: pod.metadata?.resourceVersion, ownerReferences: refs },
        }, { fieldManager: FIELD_MANAGER });
        adopted.add(pod);
      } catch (err) {
        // Changed or gone under us: the informer event that follows brings us back here.
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    return adopted;
  }

  /** Lets go of pods whose labels no longer match: they keep running, owned by no one. */
  private async releasePods(rs: ReplicaSet & KObject, pods: Pod[]): Promise<void> {
    for (const pod of pods) {
      const refs = (pod.metadata?.ownerReferences ?? []).filter((r) => r.uid !== rs.metadata.uid);
      try {
        await this.client.patch(Refs.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'merge', {
          metadata: { uid: pod.metadata?.uid, ownerReferences: refs.length ? refs : null },
        }, { fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
