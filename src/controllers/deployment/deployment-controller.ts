/**
 * The Deployment controller: rolls a Deployment's pod template out through ReplicaSets named by
 * the template hash (RollingUpdate or Recreate), scales them proportionally when the Deployment
 * is scaled mid-rollout, keeps revision annotations for `kubectl rollout history/undo`, prunes
 * old history and reports the status and conditions `kubectl rollout status` reads.
 * Informers only enqueue; plan.ts decides; this file applies.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/machinery/errors.js';
import { deepCopy, keyFor, splitKey, type KObject } from '../../api/machinery/object.js';
import { fromLabelSelector, matchesLabels } from '../../api/machinery/selectors.js';
import { EventRecorder, involvedObjectOf } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { EXPECTATIONS_TTL_MS } from '../replicaset/expectations.js';
import { controllerRefOf, ownerReferenceFor } from '../replicaset/plan.js';
import type { EventSink, SharedInformer } from '../replicaset/replicaset-controller.js';
import { claimReplicaSets, planDeployment, type DeploymentPlan } from './plan.js';
import { REVISION_ANNOTATION, equalIgnoreHash, isRollingUpdate } from './util.js';

export const COMPONENT = 'deployment-controller';
const FIELD_MANAGER = 'skiff-controller-manager';

export type DeploymentClient = Pick<KubeClient, 'get' | 'create' | 'update' | 'updateStatus' | 'patch' | 'delete'>;

export interface DeploymentControllerDeps {
  client: DeploymentClient;
  deployments: SharedInformer<KObject>;
  replicaSets: SharedInformer<KObject>;
  pods: SharedInformer<KObject>;
  recorder: EventSink;
  now?: () => number;
  workers?: number;
}

/** A ReplicaSet write the informer has not shown yet: at least this resourceVersion, or gone. */
interface PendingWrite {
  resourceVersion?: string;
  deletedUid?: string;
}

export class DeploymentController {
  readonly queue = new WorkQueue('deployment');
  private readonly client: DeploymentClient;
  private readonly dLister: SharedInformer<KObject>;
  private readonly rsLister: SharedInformer<KObject>;
  private readonly podLister: SharedInformer<KObject>;
  private readonly recorder: EventSink;
  private readonly now: () => number;
  /**
   * The expectations of this controller: ReplicaSet writes per Deployment key that the informer
   * has yet to deliver. Planning on a cache that misses our own last scale would scale twice.
   */
  private readonly pending = new Map<string, { writes: Map<string, PendingWrite>; at: number }>();
  private running = true;

  static forClient(client: KubeClient): DeploymentController {
    return new DeploymentController({
      client, deployments: new Informer(client, Refs.deployments), replicaSets: new Informer(client, Refs.replicasets),
      pods: new Informer(client, Refs.pods), recorder: new EventRecorder(client, { component: COMPONENT }),
    });
  }

  constructor(private readonly deps: DeploymentControllerDeps) {
    this.client = deps.client;
    this.dLister = deps.deployments;
    this.rsLister = deps.replicaSets;
    this.podLister = deps.pods;
    this.recorder = deps.recorder;
    this.now = deps.now ?? Date.now;
    this.dLister.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_o, d) => this.enqueue(d),
      onDelete: (d) => {
        this.pending.delete(keyFor(d));
        this.enqueue(d);
      },
    });
    this.rsLister.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (o, n) => this.updateReplicaSet(o, n),
      onDelete: (rs) => this.deleteReplicaSet(rs),
    });
    this.podLister.addEventHandler({ onDelete: (p) => this.deletePod(p as Pod) });
  }

  start(): void {
    for (const i of [this.dLister, this.rsLister, this.podLister]) i.start();
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    for (const i of [this.dLister, this.rsLister, this.podLister]) i.stop();
  }

  // ---- event handlers: find the Deployment to wake, nothing more ----

  private enqueue(d: KObject): void {
    this.queue.add(keyFor(d));
  }

  private deploymentFor(obj: KObject): KObject | undefined {
    const ref = controllerRefOf(obj);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.dLister.get(`${obj.metadata.namespace ?? ''}/${ref.name}`);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  private deploymentsForOrphan(rs: KObject): KObject[] {
    return this.dLister.list().filter((d) => {
      if (d.metadata.namespace !== rs.metadata.namespace) return false;
      const sel = fromLabelSelector((d as Deployment).spec?.selector);
      return sel.length > 0 && matchesLabels(sel, rs.metadata.labels);
    });
  }

  private addReplicaSet(rs: KObject): void {
    if (rs.metadata.deletionTimestamp) return this.deleteReplicaSet(rs);
    const d = this.deploymentFor(rs);
    if (d) this.enqueue(d);
    else if (!controllerRefOf(rs)) for (const o of this.deploymentsForOrphan(rs)) this.enqueue(o);
  }

  private updateReplicaSet(old: KObject, cur: KObject): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    if (controllerRefOf(old)?.uid !== controllerRefOf(cur)?.uid) {
      const prev = this.deploymentFor(old);
      if (prev) this.enqueue(prev);
    }
    const d = this.deploymentFor(cur);
    if (d) this.enqueue(d);
    else if (!controllerRefOf(cur)) for (const o of this.deploymentsForOrphan(cur)) this.enqueue(o);
  }

  private deleteReplicaSet(rs: KObject): void {
    const d = this.deploymentFor(rs);
    if (d) this.enqueue(d);
  }

  /** Recreate waits for every old pod to be gone; each one going may let it continue. */
  private deletePod(pod: Pod): void {
    const rs = this.rsLister.get(`${pod.metadata?.namespace ?? ''}/${controllerRefOf(pod)?.name ?? ''}`);
    if (!rs || rs.metadata.uid !== controllerRefOf(pod)?.uid) return;
    const d = this.deploymentFor(rs);
    if (d && !isRollingUpdate(d as Deployment)) this.enqueue(d);
  }

  // ---- worker loop ----

  async run(): Promise<void> {
    await Promise.all([this.dLister.waitForSync(), this.rsLister.waitForSync(), this.podLister.waitForSync()]);
    await Promise.all(Array.from({ length: this.deps.workers ?? 2 }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    while (this.running && (await this.processNextWorkItem()));
  }

  private async processNextWorkItem(): Promise<boolean> {
    return this.queue.processNextWorkItem((key) => this.syncHandler(key));
  }

  /** Overridable in tests. */
  syncHandler = (key: string): Promise<void> => this.syncDeployment(key);

  // ---- expectations ----

  /** True once the informer shows every ReplicaSet write made for `key` (or they are too old to wait for). */
  satisfied(key: string): boolean {
    const e = this.pending.get(key);
    if (!e) return true;
    if (this.now() - e.at > EXPECTATIONS_TTL_MS) {
      this.pending.delete(key);
      return true;
    }
    for (const [rsKey, w] of e.writes) {
      const cur = this.rsLister.get(rsKey);
      if (w.deletedUid !== undefined) {
        if (cur && cur.metadata.uid === w.deletedUid) return false;
      } else if (!cur || !versionAtLeast(cur.metadata.resourceVersion, w.resourceVersion)) return false;
    }
    this.pending.delete(key);
    return true;
  }

  private expect(key: string, rsKey: string, w: PendingWrite): void {
    let e = this.pending.get(key);
    if (!e) this.pending.set(key, (e = { writes: new Map(), at: this.now() }));
    e.writes.set(rsKey, w);
    e.at = this.now();
  }

  // ---- sync ----

  async syncDeployment(key: string): Promise<void> {
    const cached = this.dLister.get(key);
    if (!cached) {
      this.pending.delete(key);
      return;
    }
    if (!this.satisfied(key)) return;
    // NEVER modify objects from the cache: the copy is ours.
    const d = deepCopy(cached) as Deployment & KObject;
    const ns = splitKey(key).namespace;
    const all = this.rsLister.list().filter((rs) => rs.metadata.namespace === ns) as (ReplicaSet & KObject)[];
    const claim = claimReplicaSets(d, all);
    await this.release(d, claim.release);
    const adopted = await this.adopt(d, claim.adopt);
    const owned = claim.owned.filter((rs) => !claim.adopt.includes(rs) || adopted.has(rs));
    const uids = new Set(owned.map((rs) => rs.metadata?.uid));
    const pods = (this.podLister.list() as Pod[]).filter((p) => p.metadata?.namespace === ns && uids.has(controllerRefOf(p)?.uid));
    const plan = planDeployment(d, owned, pods, this.now());
    await this.apply(key, d, plan);
  }

  private async apply(key: string, d: Deployment & KObject, plan: DeploymentPlan): Promise<void> {
    const ref = involvedObjectOf(d);
    if (plan.create) await this.createReplicaSet(key, d, plan.create);
    for (const rs of plan.update) {
      const written = await this.client.update(Refs.replicasets, rs as KObject, { fieldManager: FIELD_MANAGER });
      this.expect(key, keyFor(written), { resourceVersion: written.metadata.resourceVersion });
    }
    for (const rs of plan.delete) {
      try {
        await this.client.delete(Refs.replicasets, rs.metadata?.namespace, rs.metadata?.name ?? '', { preconditions: { uid: rs.metadata?.uid } });
        this.expect(key, keyFor(rs as KObject), { deletedUid: rs.metadata?.uid });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    for (const e of plan.events) this.recorder.event(ref, e.type, e.reason, e.message);
    if (plan.status || plan.revision !== undefined) {
      const next: KObject = { ...d, status: plan.status ?? d.status };
      if (plan.revision !== undefined) next.metadata = { ...d.metadata, annotations: { ...(d.metadata.annotations ?? {}), [REVISION_ANNOTATION]: plan.revision } };
      try {
        // Through /status, which (as in Kubernetes) also carries the revision annotation.
        await this.client.updateStatus(Refs.deployments, next, { fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, plan.requeueAfterMs);
  }

  private async createReplicaSet(key: string, d: Deployment & KObject, rs: ReplicaSet): Promise<void> {
    try {
      const created = await this.client.create(Refs.replicasets, rs as KObject, { fieldManager: FIELD_MANAGER });
      this.expect(key, keyFor(created), { resourceVersion: created.metadata.resourceVersion });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.client.get(Refs.replicasets, rs.metadata?.namespace, rs.metadata?.name ?? '') as ReplicaSet & KObject;
      // Ours with the same template: the cache just has not shown it yet.
      if (controllerRefOf(existing)?.uid === d.metadata.uid && equalIgnoreHash(existing.spec?.template, d.spec?.template)) {
        this.expect(key, keyFor(existing), { resourceVersion: existing.metadata.resourceVersion });
        throw new Error(`replica set ${existing.metadata.name ?? ''} exists but is not in the cache yet`);
      }
      // A different template hashed to the same name: count the collision so the next hash differs.
      await this.client.updateStatus(Refs.deployments, { ...d, status: { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 } }, { fieldManager: FIELD_MANAGER });
      throw err;
    }
  }

  private async adopt(d: Deployment & KObject, rss: ReplicaSet[]): Promise<Set<ReplicaSet>> {
    const adopted = new Set<ReplicaSet>();
    if (rss.length === 0) return adopted;
    const fresh = await this.client.get(Refs.deployments, d.metadata.namespace, d.metadata.name ?? '');
    if (fresh.metadata.uid !== d.metadata.uid || fresh.metadata.deletionTimestamp) return adopted;
    for (const rs of rss) {
      try {
        await this.client.patch(Refs.replicasets, rs.metadata?.namespace, rs.metadata?.name ?? '', 'merge', {
          metadata: { uid: rs.metadata?.uid, resourceVersion: rs.metadata?.resourceVersion, ownerReferences: [...(rs.metadata?.ownerReferences ?? []), ownerReferenceFor(d, 'apps/v1', 'Deployment')] },
        }, { fieldManager: FIELD_MANAGER });
        adopted.add(rs);
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    return adopted;
  }

  private async release(d: Deployment & KObject, rss: ReplicaSet[]): Promise<void> {
    for (const rs of rss) {
      const refs = (rs.metadata?.ownerReferences ?? []).filter((r) => r.uid !== d.metadata.uid);
      try {
        await this.client.patch(Refs.replicasets, rs.metadata?.namespace, rs.metadata?.name ?? '', 'merge', {
          metadata: { uid: rs.metadata?.uid, ownerReferences: refs.length ? refs : null },
        }, { fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }
}

/** Resource versions are the store's global revision: a later write has a larger number. */
function versionAtLeast(have: string | undefined, want: string | undefined): boolean {
  if (want === undefined) return have !== undefined;
  if (have === undefined) return false;
  if (/^\d+$/.test(have) && /^\d+$/.test(want)) return BigInt(have) >= BigInt(want);
  return have === want;
}
