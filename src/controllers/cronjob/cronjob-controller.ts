/**
 * The CronJob controller: creates a CronJob's Jobs on schedule and keeps its status and history.
 * node-cron fires a timer per CronJob at each scheduled minute; the timer only enqueues, and
 * plan.ts decides from (CronJob, its Jobs, now). A wake-up at the next scheduled time is also
 * queued, so schedules node-cron cannot run (@every) and restarts take the same path.
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import cron, { type ScheduledTask } from 'node-cron';
import { isAlreadyExists, isNotFound } from '../../api/machinery/errors.js';
import { deepCopy, deepEqual, keyFor, splitKey, type KObject } from '../../api/machinery/object.js';
import { EventRecorder, involvedObjectOf } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { controllerRefOf } from '../replicaset/plan.js';
import type { ControllerClient, EventSink, SharedInformer } from '../replicaset/replicaset-controller.js';
import { planCronJob } from './plan.js';
import { localTimeZone, parseSchedule, type Schedule } from './schedule.js';

export const FIELD_MANAGER = 'skiff-controller-manager';
export const COMPONENT = 'cronjob-controller';
const MAX_REQUEUE_MS = 24 * 3600 * 1000;

export interface CronJobControllerDeps {
  client: ControllerClient;
  cronJobs: SharedInformer<KObject>;
  jobs: SharedInformer<KObject>;
  recorder: EventSink;
  now?: () => number;
  /** Off in tests that drive syncs by hand. */
  timers?: boolean;
}

interface Timer {
  /** What the timer was made for; a change of any of these replaces it. */
  signature: string;
  task?: ScheduledTask;
}

export class CronJobController {
  readonly queue = new WorkQueue('cronjob');
  private readonly now: () => number;
  private readonly timers = new Map<string, Timer>();
  private running = true;

  static forClient(client: KubeClient): CronJobController {
    return new CronJobController({
      client, cronJobs: new Informer(client, Refs.cronjobs), jobs: new Informer(client, Refs.jobs),
      recorder: new EventRecorder(client, { component: COMPONENT }),
    });
  }

  constructor(private readonly deps: CronJobControllerDeps) {
    this.now = deps.now ?? Date.now;
    deps.cronJobs.addEventHandler({
      onAdd: (cj) => this.queue.add(keyFor(cj)),
      onUpdate: (_o, cj) => this.queue.add(keyFor(cj)),
      onDelete: (cj) => {
        this.dropTimer(keyFor(cj));
        this.queue.add(keyFor(cj));
      },
    });
    const wakeOwner = (j: KObject): void => {
      const ref = controllerRefOf(j);
      if (ref?.kind === 'CronJob') this.queue.add(`${j.metadata.namespace ?? ''}/${ref.name}`);
    };
    deps.jobs.addEventHandler({ onAdd: wakeOwner, onUpdate: (_o, j) => wakeOwner(j), onDelete: wakeOwner });
  }

  start(): void {
    this.deps.cronJobs.start();
    this.deps.jobs.start();
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    for (const key of [...this.timers.keys()]) this.dropTimer(key);
    this.deps.cronJobs.stop();
    this.deps.jobs.stop();
  }

  private async run(): Promise<void> {
    await Promise.all([this.deps.cronJobs.waitForSync(), this.deps.jobs.waitForSync()]);
    while (this.running && (await this.queue.processNextWorkItem((key) => this.syncCronJob(key))));
  }

  private dropTimer(key: string): void {
    void this.timers.get(key)?.task?.destroy();
    this.timers.delete(key);
  }

  /** Keeps one node-cron timer per schedulable CronJob, firing into the queue. */
  private ensureTimer(key: string, cj: CronJob, schedule: Schedule | string): void {
    const expression = typeof schedule === 'string' ? undefined : schedule.cronExpression;
    if (this.deps.timers === false || cj.spec?.suspend || expression === undefined || typeof schedule === 'string') {
      this.dropTimer(key);
      return;
    }
    const signature = `${expression}|${schedule.timeZone}`;
    if (this.timers.get(key)?.signature === signature) return;
    this.dropTimer(key);
    const task = cron.schedule(expression, () => this.queue.add(key), {
      timezone: schedule.timeZone, name: `cronjob:${key}`, unref: true, suppressMissedWarning: true,
    });
    this.timers.set(key, { signature, task });
  }

  async syncCronJob(key: string): Promise<void> {
    const cached = this.deps.cronJobs.get(key);
    if (!cached) {
      this.dropTimer(key);
      return;
    }
    const cj = deepCopy(cached) as CronJob & KObject;
    const { namespace } = splitKey(key);
    const jobs = this.deps.jobs.list().filter((j) => j.metadata.namespace === namespace && controllerRefOf(j)?.uid === cj.metadata.uid) as (Job & KObject)[];
    // An active Job the cache has not seen yet is not missing: ask the server before saying so.
    for (const ref of cj.status?.active ?? []) {
      if (jobs.some((j) => j.metadata.uid === ref.uid)) continue;
      try {
        const j = await this.deps.client.get(Refs.jobs, namespace, ref.name ?? '');
        if (j.metadata.uid === ref.uid) jobs.push(j as Job & KObject);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    let schedule: Schedule | string;
    try {
      schedule = parseSchedule(cj.spec?.schedule ?? '', cj.spec?.timeZone ?? localTimeZone());
    } catch (err) {
      schedule = err instanceof Error ? err.message : String(err);
    }
    this.ensureTimer(key, cj, schedule);

    const plan = planCronJob({ cronJob: cj, jobs, schedule, now: this.now() });
    const ref = involvedObjectOf(cj);
    for (const e of plan.events) this.deps.recorder.event(ref, e.type, e.reason, e.message);
    let failure: unknown;
    for (const job of plan.delete) {
      try {
        await this.deps.client.delete(Refs.jobs, namespace, job.metadata?.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: job.metadata?.uid } });
        this.deps.recorder.event(ref, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name ?? ''}`);
      } catch (err) {
        if (isNotFound(err)) continue;
        this.deps.recorder.event(ref, 'Warning', 'FailedDelete', `Deleted job: ${errorMessage(err)}`);
        failure ??= err;
      }
    }
    const status = plan.status;
    if (plan.create) {
      try {
        const created = await this.createJob(plan.create);
        this.deps.recorder.event(ref, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name ?? ''}`);
        status.active = [...(status.active ?? []), jobReference(created)];
      } catch (err) {
        // Not scheduled after all: the next sync tries this time again.
        status.lastScheduleTime = cj.status?.lastScheduleTime;
        if (status.lastScheduleTime === undefined) delete status.lastScheduleTime;
        failure ??= err;
      }
    }
    if (!deepEqual(status, cj.status ?? {})) {
      try {
        await this.deps.client.updateStatus(Refs.cronjobs, { ...cj, status } as KObject, { fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    // Node fires longer timers at once; a daily look is plenty for a far-off schedule.
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, Math.min(plan.requeueAfterMs, MAX_REQUEUE_MS));
    if (failure !== undefined) throw failure;
  }

  /** Creates the Job; one that already exists and is ours was created by an earlier sync whose status write was lost. */
  private async createJob(job: Job): Promise<KObject> {
    const owner = job.metadata?.ownerReferences?.[0]?.uid;
    try {
      return await this.deps.client.create(Refs.jobs, job as KObject, { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!isAlreadyExists(err)) {
        const cjRef = { apiVersion: 'batch/v1', kind: 'CronJob', namespace: job.metadata?.namespace, name: job.metadata?.ownerReferences?.[0]?.name, uid: owner };
        this.deps.recorder.event(cjRef, 'Warning', 'FailedCreate', `Error creating job: ${errorMessage(err)}`);
        throw err;
      }
      const existing = await this.deps.client.get(Refs.jobs, job.metadata?.namespace, job.metadata?.name ?? '');
      if (controllerRefOf(existing)?.uid !== owner) throw err;
      return existing;
    }
  }
}

function jobReference(job: KObject): ObjectReference {
  return { apiVersion: 'batch/v1', kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, resourceVersion: job.metadata.resourceVersion };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
