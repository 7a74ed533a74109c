/**
 * The Job controller: runs a Job's pods to completion or failure and reports it. Informers only
 * enqueue; plan.ts decides; expectations hold syncs back while our own creates and deletes are
 * still on their way through the watch, so a lagging watch never runs a completion twice.
 */
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../api/machinery/errors.js';
import { deepCopy, deepEqual, keyFor, splitKey, type KObject } from '../../api/machinery/object.js';
import { EventRecorder, involvedObjectOf } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { ControlLoop, controllerIn } from '../control-loop.js';
import { ControllerExpectations } from '../replicaset/expectations.js';
import { controllerRefOf, slowStartBatch, SLOW_START_INITIAL_BATCH } from '../replicaset/plan.js';
import type { ControllerClient, EventSink, SharedInformer } from '../replicaset/replicaset-controller.js';
import { JOB_TRACKING_FINALIZER, isTracked, newJobPod, planJob, type JobPlan } from './plan.js';

export const SUCCESSFUL_CREATE = 'SuccessfulCreate';
export const FAILED_CREATE = 'FailedCreate';
export const SUCCESSFUL_DELETE = 'SuccessfulDelete';
export const FAILED_DELETE = 'FailedDelete';
export const FIELD_MANAGER = 'skiff-controller-manager';
export const COMPONENT = 'job-controller';
const MAX_REQUEUE_MS = 24 * 3600 * 1000;
/** Queue keys for orphan pods share the Job queue, told apart by this prefix. */
const ORPHAN_PREFIX = 'orphan-pod:';

export interface JobControllerDeps {
  client: ControllerClient;
  jobs: SharedInformer<KObject>;
  pods: SharedInformer<KObject>;
  recorder: EventSink;
  now?: () => number;
  workers?: number;
}

export class JobController {
  readonly queue = new WorkQueue('job');
  readonly expectations: ControllerExpectations;
  private readonly now: () => number;
  private readonly loop: ControlLoop;

  /** Builds the controller with its own informers, as the controller manager runs it. */
  static forClient(client: KubeClient): JobController {
    return new JobController({
      client, jobs: new Informer(client, Refs.jobs), pods: new Informer(client, Refs.pods),
      recorder: new EventRecorder(client, { component: COMPONENT }),
    });
  }

  constructor(private readonly deps: JobControllerDeps) {
    this.now = deps.now ?? Date.now;
    this.expectations = new ControllerExpectations(this.now);
    this.loop = new ControlLoop(this.queue, [deps.jobs, deps.pods], (key) => this.syncHandler(key), deps.workers);
    deps.jobs.addEventHandler({
      onAdd: (j) => this.enqueue(j),
      onUpdate: (_o, j) => this.enqueue(j),
      onDelete: (j) => {
        this.expectations.delete(keyFor(j));
        this.enqueue(j);
        // Its pods are orphans now: whatever tracking finalizers they hold must go.
        for (const p of deps.pods.list()) if (controllerRefOf(p)?.uid === j.metadata.uid && isTracked(p as Pod)) this.queue.add(ORPHAN_PREFIX + keyFor(p));
      },
    });
    deps.pods.addEventHandler({
      onAdd: (p) => {
        if (this.orphaned(p as Pod)) this.queue.add(ORPHAN_PREFIX + keyFor(p));
        if (p.metadata.deletionTimestamp) return this.podGone(p as Pod);
        const job = this.jobOf(p as Pod);
        if (!job) return;
        this.expectations.creationObserved(keyFor(job));
        this.enqueue(job);
      },
      onUpdate: (o, p) => {
        if (o.metadata.resourceVersion === p.metadata.resourceVersion) return;
        if (this.orphaned(p as Pod)) this.queue.add(ORPHAN_PREFIX + keyFor(p));
        if (p.metadata.deletionTimestamp && !o.metadata.deletionTimestamp) return this.podGone(p as Pod);
        const job = this.jobOf(p as Pod);
        if (job) this.enqueue(job);
      },
      onDelete: (p) => this.podGone(p as Pod),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  private enqueue(job: KObject): void {
    this.queue.add(keyFor(job));
  }

  private jobOf(pod: Pod): KObject | undefined {
    return controllerIn(this.deps.jobs, 'Job', pod as KObject);
  }

  /** A pod holding our finalizer whose Job the cache does not know: the Job may be gone for good. */
  private orphaned(pod: Pod): boolean {
    return isTracked(pod) && controllerRefOf(pod)?.kind === 'Job' && this.jobOf(pod) === undefined;
  }

  private podGone(pod: Pod): void {
    const job = this.jobOf(pod);
    if (!job) return;
    this.expectations.deletionObserved(keyFor(job), keyFor(pod as KObject));
    this.enqueue(job);
  }

  run(): Promise<void> {
    return this.loop.run();
  }

  /** Overridable in tests. */
  syncHandler = (key: string): Promise<void> => (key.startsWith(ORPHAN_PREFIX) ? this.syncOrphanPod(key.slice(ORPHAN_PREFIX.length)) : this.syncJob(key));

  /** Releases an orphan pod's tracking finalizer once the server confirms its Job is gone. */
  async syncOrphanPod(podKey: string): Promise<void> {
    const pod = this.deps.pods.get(podKey) as Pod | undefined;
    if (!pod || !this.orphaned(pod)) return;
    const ref = controllerRefOf(pod);
    try {
      const job = await this.deps.client.get(Refs.jobs, pod.metadata?.namespace, ref?.name ?? '');
      // The same Job, only not in our cache yet: its own sync takes care of the pod.
      if (job.metadata.uid === ref?.uid && !job.metadata.deletionTimestamp) return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await this.removeFinalizers([pod]);
  }

  async syncJob(key: string): Promise<void> {
    const cached = this.deps.jobs.get(key);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    // NEVER modify objects from the cache: the copy is ours.
    const job = deepCopy(cached) as Job & KObject;
    const ns = splitKey(key).namespace;
    const pods = this.deps.pods.list().filter((p) => p.metadata.namespace === ns && controllerRefOf(p)?.uid === job.metadata.uid) as Pod[];
    // A Job being deleted leaves its pods to the garbage collector, holding none of them back.
    if (job.metadata.deletionTimestamp) {
      await this.removeFinalizers(pods.filter(isTracked));
      return;
    }
    const plan = planJob(job, pods, this.now(), { mayManagePods: this.expectations.satisfied(key) });

    const failure = await this.managePods(key, job, plan);
    const ref = involvedObjectOf(job);
    for (const e of plan.events) this.deps.recorder.event(ref, e.type, e.reason, e.message);
    // Pods we failed to create are not active: report what really runs.
    const status = { ...plan.status, active: (plan.status.active ?? 0) - failure.notCreated };
    if (!deepEqual(status, job.status ?? {})) {
      try {
        await this.deps.client.updateStatus(Refs.jobs, { ...job, status } as KObject, { fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return;
      }
    }
    // Only now that the status counts them may the pods go.
    await this.removeFinalizers(plan.removeFinalizers);
    // Node fires longer timers at once (a deadline of weeks): look again daily until then.
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, Math.min(plan.requeueAfterMs + 50, MAX_REQUEUE_MS));
    if (failure.error !== undefined) throw failure.error;
  }

  /** Drops our finalizer from each pod, leaving any others; a pod already gone needs nothing. */
  private async removeFinalizers(pods: Pod[]): Promise<void> {
    const results = await Promise.allSettled(pods.map((pod) => this.deps.client.patch(Refs.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'strategic', {
      metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] },
    }, { fieldManager: FIELD_MANAGER })));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !isNotFound(r.reason));
    if (failed) throw failed.reason;
  }

  /** Deletes, then creates, as planned; returns the first error and how many creates did not happen. */
  private async managePods(key: string, job: Job & KObject, plan: JobPlan): Promise<{ error?: unknown; notCreated: number }> {
    const ref = involvedObjectOf(job);
    let error: unknown;
    if (plan.delete.length) {
      this.expectations.expectDeletions(key, plan.delete.map((p) => keyFor(p as KObject)));
      await Promise.all(plan.delete.map(async (pod) => {
        const name = pod.metadata?.name ?? '';
        try {
          await this.deps.client.delete(Refs.pods, pod.metadata?.namespace, name, { preconditions: { uid: pod.metadata?.uid } });
          this.deps.recorder.event(ref, 'Normal', SUCCESSFUL_DELETE, `Deleted pod: ${name}`);
        } catch (err) {
          // The informer will never report this deletion; do not wait for it.
          this.expectations.deletionObserved(key, keyFor(pod as KObject));
          if (isNotFound(err)) return;
          this.deps.recorder.event(ref, 'Warning', FAILED_DELETE, `Error deleting: ${errorMessage(err)}`);
          error ??= err;
        }
      }));
    }
    if (plan.create.length === 0) return { error, notCreated: 0 };
    // Raised before the first create: the informer may report the new pods before we return.
    this.expectations.expectCreations(key, plan.create.length);
    const indexes = [...plan.create];
    const { successes, error: createError } = await slowStartBatch(plan.create.length, SLOW_START_INITIAL_BATCH, async () => {
      const index = indexes.shift();
      try {
        const pod = await this.deps.client.create(Refs.pods, newJobPod(job, index) as KObject, { fieldManager: FIELD_MANAGER });
        this.deps.recorder.event(ref, 'Normal', SUCCESSFUL_CREATE, `Created pod: ${pod.metadata.name ?? ''}`);
      } catch (err) {
        this.deps.recorder.event(ref, 'Warning', FAILED_CREATE, `Error creating: ${errorMessage(err)}`);
        throw err;
      }
    });
    // Creates that failed or never ran will not be seen by the informer: stop waiting for them.
    for (let i = successes; i < plan.create.length; i++) this.expectations.creationObserved(key);
    return { error: error ?? createError, notCreated: plan.create.length - successes };
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
