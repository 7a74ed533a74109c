/**
 * The StatefulSet controller: keeps pods <set>-0..N-1 with their own PersistentVolumeClaims,
 * created and removed in order, rolled through ControllerRevisions in reverse ordinal order, and
 * reports the status `kubectl rollout status` reads. Pod names are fixed, so a create that raced
 * the cache fails with AlreadyExists instead of doubling a pod.
 * Informers only enqueue; plan.ts decides; this file applies.
 */
import type { ControllerRevision, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/machinery/errors.js';
import { deepCopy, deepEqual, keyFor, splitKey, type KObject } from '../../api/machinery/object.js';
import { fromLabelSelector } from '../../api/machinery/selectors.js';
import { EventRecorder, involvedObjectOf, type InvolvedObject } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { claimRevisions, deleteRevisions, ensureUpdateRevision, type HistoryClient } from '../history/history-writer.js';
import { CONTROLLER_REVISION_HASH_LABEL, ownedRevisions, revisionsToPrune } from '../history/revision.js';
import { ControlLoop, controllerIn, ownersSelecting } from '../control-loop.js';
import { adoptPods, releasePods } from '../ownership/pod-adoption.js';
import { claimPods, controllerRefOf } from '../replicaset/plan.js';
import type { EventSink, SharedInformer } from '../replicaset/replicaset-controller.js';
import {
  FAILED_CREATE, FAILED_DELETE, RECREATING_FAILED_POD, SUCCESSFUL_CREATE, SUCCESSFUL_DELETE, ordinalOf, planRevision, planStatefulSet,
  type StatefulSetAction,
} from './plan.js';

export const COMPONENT = 'statefulset-controller';
const FIELD_MANAGER = 'skiff-controller-manager';
const DEFAULT_HISTORY_LIMIT = 10;

export type StatefulSetClient = Pick<KubeClient, 'get' | 'create' | 'updateStatus' | 'patch' | 'delete'> & HistoryClient;

export interface StatefulSetControllerDeps {
  client: StatefulSetClient;
  statefulSets: SharedInformer<KObject>;
  pods: SharedInformer<KObject>;
  claims: SharedInformer<KObject>;
  revisions: SharedInformer<KObject>;
  recorder: EventSink;
  now?: () => number;
  workers?: number;
}

export class StatefulSetController {
  readonly queue = new WorkQueue('statefulset');
  private readonly client: StatefulSetClient;
  private readonly now: () => number;
  private readonly loop: ControlLoop;

  static forClient(client: KubeClient): StatefulSetController {
    return new StatefulSetController({
      client, statefulSets: new Informer(client, Refs.statefulsets), pods: new Informer(client, Refs.pods),
      claims: new Informer(client, Refs.persistentvolumeclaims), revisions: new Informer(client, Refs.controllerrevisions),
      recorder: new EventRecorder(client, { component: COMPONENT }),
    });
  }

  constructor(private readonly deps: StatefulSetControllerDeps) {
    this.client = deps.client;
    this.now = deps.now ?? Date.now;
    this.loop = new ControlLoop(this.queue, [deps.statefulSets, deps.pods, deps.claims, deps.revisions], (key) => this.syncHandler(key), deps.workers);
    deps.statefulSets.addEventHandler({ onAdd: (s) => this.enqueue(s), onUpdate: (_o, s) => this.enqueue(s), onDelete: (s) => this.enqueue(s) });
    const owned = (o: KObject): void => {
      const set = this.ownerOf(o);
      if (set) this.enqueue(set);
      // An orphan may be adopted by any set that selects it.
      else if (!controllerRefOf(o)) ownersSelecting(deps.statefulSets, o).forEach((s) => this.enqueue(s));
    };
    deps.pods.addEventHandler({
      onAdd: owned,
      onUpdate: (o, n) => {
        if (o.metadata.resourceVersion === n.metadata.resourceVersion) return;
        owned(n);
        const set = this.ownerOf(n);
        const minReady = (set as StatefulSet | undefined)?.spec?.minReadySeconds ?? 0;
        if (set && minReady > 0) this.queue.addAfter(keyFor(set), minReady * 1000 + 100);
      },
      onDelete: owned,
    });
    deps.revisions.addEventHandler({ onAdd: owned, onDelete: owned });
    // A claim that goes away under a pending pod is made again; sets of that namespace take a look.
    const claimChanged = (c: KObject): void => {
      for (const s of deps.statefulSets.list()) if (s.metadata.namespace === c.metadata.namespace) this.enqueue(s);
    };
    deps.claims.addEventHandler({ onAdd: claimChanged, onDelete: claimChanged });
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  private enqueue(set: KObject): void {
    this.queue.add(keyFor(set));
  }

  private ownerOf(obj: KObject): KObject | undefined {
    return controllerIn(this.deps.statefulSets, 'StatefulSet', obj);
  }

  run(): Promise<void> {
    return this.loop.run();
  }

  /** Overridable in tests. */
  syncHandler = (key: string): Promise<void> => this.syncStatefulSet(key);

  async syncStatefulSet(key: string): Promise<void> {
    const cached = this.deps.statefulSets.get(key);
    if (!cached) return;
    // NEVER modify objects from the cache: the copy is ours.
    const set = deepCopy(cached) as StatefulSet & KObject;
    const ns = splitKey(key).namespace;
    const owner = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: set.metadata, template: set.spec?.template, collisionCount: set.status?.collisionCount };
    const inNamespace = this.deps.revisions.list().filter((r) => r.metadata.namespace === ns) as unknown as ControllerRevision[];
    const revisions = set.metadata.deletionTimestamp ? ownedRevisions(set.metadata.uid, inNamespace) : await claimRevisions(this.client, owner, fromLabelSelector(set.spec?.selector), inNamespace);
    // Only members (named <set>-<ordinal>) are adopted; any other matching orphan is none of ours.
    const candidates = (this.deps.pods.list() as Pod[]).filter((p) => p.metadata?.namespace === ns && (controllerRefOf(p) || ordinalOf(set, p) !== undefined));
    const claim = claimPods(set as ReplicaSet, candidates);
    await releasePods(this.client, set, claim.release);
    const adopted = await adoptPods(this.client, Refs.statefulsets, set, 'StatefulSet', claim.adopt);
    const pods = claim.owned.filter((p) => !claim.adopt.includes(p) || adopted.has(p));
    const claims = new Map<string, PersistentVolumeClaim>();
    for (const c of this.deps.claims.list()) if (c.metadata.namespace === ns) claims.set(c.metadata.name ?? '', c as PersistentVolumeClaim);

    const updateRev = await ensureUpdateRevision(this.client, owner, revisions, () => this.countCollision(set));
    const currentRev = revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? updateRev;
    const plan = planStatefulSet(set, pods, claims, planRevision(currentRev), planRevision(updateRev), this.now());

    let failure: unknown;
    for (const action of plan.actions) {
      try {
        await this.apply(set, action);
      } catch (err) {
        failure = err;
        break;
      }
    }
    const live = new Set([currentRev.metadata?.name ?? '', updateRev.metadata?.name ?? '']);
    for (const p of pods) live.add(p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '');
    const all = revisions.some((r) => r.metadata?.uid === updateRev.metadata?.uid) ? revisions : [...revisions, updateRev];
    await deleteRevisions(this.client, revisionsToPrune(all, live, set.spec?.revisionHistoryLimit ?? DEFAULT_HISTORY_LIMIT));

    if (!deepEqual(plan.status, set.status ?? {})) {
      try {
        await this.client.updateStatus(Refs.statefulsets, { ...set, status: plan.status } as KObject, { fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, plan.requeueAfterMs);
    if (failure !== undefined) throw failure;
  }

  private async countCollision(set: StatefulSet & KObject): Promise<void> {
    const status = { ...(set.status ?? {}), collisionCount: (set.status?.collisionCount ?? 0) + 1 };
    await this.client.updateStatus(Refs.statefulsets, { ...set, status } as KObject, { fieldManager: FIELD_MANAGER });
  }

  private async apply(set: StatefulSet & KObject, action: StatefulSetAction): Promise<void> {
    const ref = involvedObjectOf(set);
    const setName = set.metadata.name ?? '';
    switch (action.type) {
      case 'createPod': {
        const name = action.pod.metadata?.name ?? '';
        await this.createClaims(ref, set, name, action.claims);
        try {
          await this.client.create(Refs.pods, action.pod as KObject, { fieldManager: FIELD_MANAGER });
          this.event(ref, 'Normal', SUCCESSFUL_CREATE, `create Pod ${name} in StatefulSet ${setName} successful`);
        } catch (err) {
          // Made by an earlier sync the cache has not shown yet: its add event brings us back.
          if (isAlreadyExists(err)) return;
          this.event(ref, 'Warning', FAILED_CREATE, `create Pod ${name} in StatefulSet ${setName} failed error: ${message(err)}`);
          throw err;
        }
        return;
      }
      case 'createClaims':
        await this.createClaims(ref, set, action.podName, action.claims);
        return;
      case 'deletePod': {
        const name = action.pod.metadata?.name ?? '';
        if (action.failed) this.event(ref, 'Warning', RECREATING_FAILED_POD, `StatefulSet ${set.metadata.namespace ?? ''}/${setName} is recreating failed Pod ${name}`);
        try {
          await this.client.delete(Refs.pods, action.pod.metadata?.namespace, name, { preconditions: { uid: action.pod.metadata?.uid } });
          this.event(ref, 'Normal', SUCCESSFUL_DELETE, `delete Pod ${name} in StatefulSet ${setName} successful`);
        } catch (err) {
          if (isNotFound(err) || isConflict(err)) return;
          this.event(ref, 'Warning', FAILED_DELETE, `delete Pod ${name} in StatefulSet ${setName} failed error: ${message(err)}`);
          throw err;
        }
        return;
      }
      case 'setClaimOwners':
        try {
          await this.client.patch(Refs.persistentvolumeclaims, action.claim.metadata?.namespace, action.claim.metadata?.name ?? '', 'merge', {
            metadata: { uid: action.claim.metadata?.uid, ownerReferences: action.ownerReferences.length ? action.ownerReferences : null },
          }, { fieldManager: FIELD_MANAGER });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
        return;
    }
  }

  private async createClaims(ref: InvolvedObject, set: StatefulSet & KObject, podName: string, claims: PersistentVolumeClaim[]): Promise<void> {
    for (const claim of claims) {
      const name = claim.metadata?.name ?? '';
      try {
        await this.client.create(Refs.persistentvolumeclaims, claim as KObject, { fieldManager: FIELD_MANAGER });
        this.event(ref, 'Normal', SUCCESSFUL_CREATE, `create Claim ${name} Pod ${podName} in StatefulSet ${set.metadata.name ?? ''} success`);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.event(ref, 'Warning', FAILED_CREATE, `create Claim ${name} for Pod ${podName} in StatefulSet ${set.metadata.name ?? ''} failed error: ${message(err)}`);
        throw err;
      }
    }
  }

  private event(...args: Parameters<EventSink['event']>): void {
    this.deps.recorder.event(...args);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
