/**
 * The DaemonSet controller: runs one pod of each DaemonSet on every eligible node, pinned there by
 * node affinity and placed by the scheduler; follows nodes as they come, change and go; rolls
 * template changes out through ControllerRevisions (RollingUpdate or OnDelete) and reports status.
 * Informers only enqueue; plan.ts decides; this file applies.
 */
import type { ControllerRevision, DaemonSet, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../api/machinery/errors.js';
import { deepCopy, deepEqual, keyFor, splitKey, type KObject } from '../../api/machinery/object.js';
import { fromLabelSelector } from '../../api/machinery/selectors.js';
import { EventRecorder, involvedObjectOf } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { claimRevisions, deleteRevisions, ensureUpdateRevision, type HistoryClient } from '../history/history-writer.js';
import { CONTROLLER_REVISION_HASH_LABEL, hashOf, ownedRevisions, revisionsToPrune } from '../history/revision.js';
import { ControlLoop, controllerIn, ownersSelecting } from '../control-loop.js';
import { ControllerExpectations } from '../replicaset/expectations.js';
import { adoptPods, releasePods } from '../ownership/pod-adoption.js';
import { SLOW_START_INITIAL_BATCH, claimPods, controllerRefOf, slowStartBatch } from '../replicaset/plan.js';
import type { EventSink, SharedInformer } from '../replicaset/replicaset-controller.js';
import {
  FAILED_CREATE, FAILED_DAEMON_POD, SUCCESSFUL_CREATE, SUCCESSFUL_DELETE, newDaemonPod, planDaemonSet, targetNodeOf,
} from './plan.js';

export const COMPONENT = 'daemonset-controller';
const FIELD_MANAGER = 'skiff-controller-manager';
const DEFAULT_HISTORY_LIMIT = 10;

export type DaemonSetClient = Pick<KubeClient, 'get' | 'create' | 'updateStatus' | 'patch' | 'delete'> & HistoryClient;

export interface DaemonSetControllerDeps {
  client: DaemonSetClient;
  daemonSets: SharedInformer<KObject>;
  pods: SharedInformer<KObject>;
  nodes: SharedInformer<KObject>;
  revisions: SharedInformer<KObject>;
  recorder: EventSink;
  now?: () => number;
  workers?: number;
}

export class DaemonSetController {
  readonly queue = new WorkQueue('daemonset');
  readonly expectations: ControllerExpectations;
  private readonly client: DaemonSetClient;
  private readonly now: () => number;
  private readonly loop: ControlLoop;

  static forClient(client: KubeClient): DaemonSetController {
    return new DaemonSetController({
      client, daemonSets: new Informer(client, Refs.daemonsets), pods: new Informer(client, Refs.pods),
      nodes: new Informer(client, Refs.nodes), revisions: new Informer(client, Refs.controllerrevisions),
      recorder: new EventRecorder(client, { component: COMPONENT }),
    });
  }

  constructor(private readonly deps: DaemonSetControllerDeps) {
    this.client = deps.client;
    this.now = deps.now ?? Date.now;
    this.expectations = new ControllerExpectations(this.now);
    this.loop = new ControlLoop(this.queue, [deps.daemonSets, deps.pods, deps.nodes, deps.revisions], (key) => this.syncHandler(key), deps.workers);
    deps.daemonSets.addEventHandler({
      onAdd: (ds) => this.enqueue(ds),
      onUpdate: (_o, ds) => this.enqueue(ds),
      onDelete: (ds) => {
        this.expectations.delete(keyFor(ds));
        this.enqueue(ds);
      },
    });
    deps.pods.addEventHandler({
      onAdd: (p) => {
        const ds = this.ownerOf(p);
        if (!ds) return this.orphanChanged(p);
        if (p.metadata.deletionTimestamp) this.expectations.deletionObserved(keyFor(ds), keyFor(p));
        else this.expectations.creationObserved(keyFor(ds));
        this.enqueue(ds);
      },
      onUpdate: (o, p) => {
        if (o.metadata.resourceVersion === p.metadata.resourceVersion) return;
        const ds = this.ownerOf(p);
        if (!ds) return this.orphanChanged(p);
        if (p.metadata.deletionTimestamp && !o.metadata.deletionTimestamp) this.expectations.deletionObserved(keyFor(ds), keyFor(p));
        this.enqueue(ds);
        // Ready now, available minReadySeconds later: look again then.
        const minReady = (ds as DaemonSet).spec?.minReadySeconds ?? 0;
        if (minReady > 0) this.queue.addAfter(keyFor(ds), minReady * 1000 + 100);
      },
      onDelete: (p) => {
        const ds = this.ownerOf(p);
        if (!ds) return;
        this.expectations.deletionObserved(keyFor(ds), keyFor(p));
        this.enqueue(ds);
      },
    });
    // Any node coming, going or changing what it accepts may change where daemons belong.
    const nodeChanged = (): void => deps.daemonSets.list().forEach((ds) => this.enqueue(ds));
    deps.nodes.addEventHandler({
      onAdd: nodeChanged,
      onUpdate: (o, n) => {
        const a = o as Node;
        const b = n as Node;
        if (!deepEqual(a.metadata?.labels, b.metadata?.labels) || !deepEqual(a.spec, b.spec)) nodeChanged();
      },
      onDelete: nodeChanged,
    });
    const revisionChanged = (r: KObject): void => {
      const ds = this.ownerOf(r);
      if (ds) this.enqueue(ds);
    };
    deps.revisions.addEventHandler({ onAdd: revisionChanged, onDelete: revisionChanged });
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  private enqueue(ds: KObject): void {
    this.queue.add(keyFor(ds));
  }

  /** An orphan may be adopted by any DaemonSet that selects it. */
  private orphanChanged(pod: KObject): void {
    if (!controllerRefOf(pod)) ownersSelecting(this.deps.daemonSets, pod).forEach((ds) => this.enqueue(ds));
  }

  private ownerOf(obj: KObject): KObject | undefined {
    return controllerIn(this.deps.daemonSets, 'DaemonSet', obj);
  }

  run(): Promise<void> {
    return this.loop.run();
  }

  /** Overridable in tests. */
  syncHandler = (key: string): Promise<void> => this.syncDaemonSet(key);

  async syncDaemonSet(key: string): Promise<void> {
    const cached = this.deps.daemonSets.get(key);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    // NEVER modify objects from the cache: the copy is ours.
    const ds = deepCopy(cached) as DaemonSet & KObject;
    const ns = splitKey(key).namespace;
    const owner = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: ds.metadata, template: ds.spec?.template, collisionCount: ds.status?.collisionCount };
    const inNamespace = this.deps.revisions.list().filter((r) => r.metadata.namespace === ns) as unknown as ControllerRevision[];
    const revisions = ds.metadata.deletionTimestamp ? ownedRevisions(ds.metadata.uid, inNamespace) : await claimRevisions(this.client, owner, fromLabelSelector(ds.spec?.selector), inNamespace);
    const pods = await this.claimPods(ds, (this.deps.pods.list() as Pod[]).filter((p) => p.metadata?.namespace === ns));
    const nodes = this.deps.nodes.list() as Node[];
    const deleting = !!ds.metadata.deletionTimestamp;

    let hash = '';
    let update: ControllerRevision | undefined;
    if (!deleting) {
      update = await ensureUpdateRevision(this.client, owner, revisions, () => this.countCollision(ds));
      hash = hashOf(update);
    }
    const plan = planDaemonSet(ds, nodes, pods, hash, this.now());
    let failure: unknown;
    if (!deleting && this.expectations.satisfied(key)) failure = await this.manage(key, ds, plan, hash);

    if (update) {
      const live = new Set<string>([update.metadata?.name ?? '']);
      const hashes = new Set(pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]));
      for (const r of revisions) if (hashes.has(hashOf(r))) live.add(r.metadata?.name ?? '');
      await deleteRevisions(this.client, revisionsToPrune(revisions, live, ds.spec?.revisionHistoryLimit ?? DEFAULT_HISTORY_LIMIT));
    }
    if (!deepEqual(plan.status, ds.status ?? {})) {
      try {
        await this.client.updateStatus(Refs.daemonsets, { ...ds, status: plan.status } as KObject, { fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, plan.requeueAfterMs);
    if (failure !== undefined) throw failure;
  }

  /** The DaemonSet's pods, after adopting matching orphans and releasing pods that stopped matching. */
  private async claimPods(ds: DaemonSet & KObject, pods: Pod[]): Promise<Pod[]> {
    const claim = claimPods(ds as ReplicaSet, pods);
    await releasePods(this.client, ds, claim.release);
    const adopted = await adoptPods(this.client, Refs.daemonsets, ds, 'DaemonSet', claim.adopt);
    return claim.owned.filter((p) => !claim.adopt.includes(p) || adopted.has(p));
  }

  private async countCollision(ds: DaemonSet & KObject): Promise<void> {
    const status = { ...(ds.status ?? {}), collisionCount: (ds.status?.collisionCount ?? 0) + 1 };
    await this.client.updateStatus(Refs.daemonsets, { ...ds, status } as KObject, { fieldManager: FIELD_MANAGER });
  }

  /**
   * Deletes per the plan or, when there is nothing to delete, creates: one kind of write per sync
   * keeps the expectations simple, and the deletions' own events bring the next sync.
   * Returns the first error.
   */
  private async manage(key: string, ds: DaemonSet & KObject, plan: ReturnType<typeof planDaemonSet>, hash: string): Promise<unknown> {
    const ref = involvedObjectOf(ds);
    let failure: unknown;
    if (plan.delete.length) {
      this.expectations.expectDeletions(key, plan.delete.map((d) => keyFor(d.pod as KObject)));
      for (const { pod, failed } of plan.delete) {
        const name = pod.metadata?.name ?? '';
        if (failed) this.event(ref, 'Warning', FAILED_DAEMON_POD, `Found failed daemon pod ${pod.metadata?.namespace ?? ''}/${name} on node ${targetNodeOf(pod) ?? ''}, will try to kill it`);
        try {
          await this.client.delete(Refs.pods, pod.metadata?.namespace, name, { preconditions: { uid: pod.metadata?.uid } });
          this.event(ref, 'Normal', SUCCESSFUL_DELETE, `Deleted pod: ${name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, keyFor(pod as KObject));
          if (!isNotFound(err)) failure ??= err;
        }
      }
      return failure;
    }
    if (plan.create.length) {
      this.expectations.expectCreations(key, plan.create.length);
      const nodes = [...plan.create];
      const { successes, error } = await slowStartBatch(nodes.length, SLOW_START_INITIAL_BATCH, async () => {
        const node = nodes.shift() ?? '';
        try {
          const pod = await this.client.create(Refs.pods, newDaemonPod(ds, node, hash) as KObject, { fieldManager: FIELD_MANAGER });
          this.event(ref, 'Normal', SUCCESSFUL_CREATE, `Created pod: ${pod.metadata.name ?? ''}`);
        } catch (err) {
          this.event(ref, 'Warning', FAILED_CREATE, `Error creating: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        }
      });
      for (let i = successes; i < plan.create.length; i++) this.expectations.creationObserved(key);
      failure ??= error;
    }
    return failure;
  }

  private event(...args: Parameters<EventSink['event']>): void {
    this.deps.recorder.event(...args);
  }
}
