/**
 * The scheduler loop: watches unscheduled pods and nodes, schedules each pod against a
 * snapshot, binds through pods/binding, and reports failures as PodScheduled=False with a
 * FailedScheduling event, retrying when nodes or pods change.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../api/machinery/errors.js';
import type { KObject } from '../api/machinery/object.js';
import { EventRecorder, type InvolvedObject } from '../client/events.js';
import { Informer } from '../client/informer.js';
import type { KubeClient } from '../client/rest-client.js';
import { Refs } from '../client/resources.js';
import { WorkQueue } from '../client/workqueue.js';
import { PrometheusQueueMetrics } from '../metrics/workqueue-metrics.js';
import { SchedulerMetrics, type AttemptResult } from './metrics.js';
import { schedule } from './schedule.js';
import type { NodeInfo } from './plugins.js';

export const SCHEDULER_NAME = 'default-scheduler';

type Outcome = AttemptResult | 'skipped';
/** A pod placed and assumed, its binding under way. */
interface Binding {
  binding: Promise<Outcome>;
}

export class Scheduler {
  readonly queue = new WorkQueue('scheduler', 1000, 30_000);
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly recorder: EventRecorder;
  /** Pods bound by this scheduler whose binding the informer has not shown yet. */
  private readonly assumed = new Map<string, string>();
  private running = true;
  /** The scheduler's own registry: attempts, their latency, pending pods and its queue. */
  readonly metrics: SchedulerMetrics;

  constructor(private readonly client: KubeClient) {
    this.pods = new Informer(client, Refs.pods);
    this.nodes = new Informer(client, Refs.nodes);
    this.recorder = new EventRecorder(client, { component: SCHEDULER_NAME });
    const maybe = (p: KObject): void => {
      const pod = p as Pod;
      if (!pod.spec?.nodeName && !pod.metadata?.deletionTimestamp && (pod.spec?.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME) {
        this.queue.add(`${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`);
      }
    };
    this.pods.addEventHandler({
      onAdd: maybe,
      onUpdate: (_o, n) => maybe(n),
      // A pod leaving frees room: give pending pods another try.
      onDelete: () => this.retryPending(),
    });
    this.nodes.addEventHandler({ onAdd: () => this.retryPending(), onUpdate: () => this.retryPending() });
    this.metrics = new SchedulerMetrics(() => this.pending());
    this.queue.instrument(new PrometheusQueueMetrics(this.metrics.registry));
  }

  /** Unbound pods of this scheduler: waiting in the queue (active) or waiting for a retry (unschedulable). */
  private pending(): { active: number; unschedulable: number } {
    let all = 0;
    for (const p of this.pods.list() as Pod[]) if (!p.spec?.nodeName && !p.metadata?.deletionTimestamp && (p.spec?.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME) all++;
    const active = Math.min(all, this.queue.length);
    return { active, unschedulable: all - active };
  }

  private retryPending(): void {
    for (const p of this.pods.list() as Pod[]) if (!p.spec?.nodeName && !p.metadata?.deletionTimestamp) this.queue.add(`${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`);
  }

  start(): void {
    this.pods.start();
    this.nodes.start();
    void this.worker();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    this.pods.stop();
    this.nodes.stop();
  }

  private snapshot(): NodeInfo[] {
    const byNode = new Map<string, Pod[]>();
    for (const p of this.pods.list() as Pod[]) {
      const n = p.spec?.nodeName ?? this.assumed.get(p.metadata?.uid ?? '');
      if (!n || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    return (this.nodes.list() as Node[]).map((node) => ({ node, pods: byNode.get(node.metadata?.name ?? '') ?? [] }));
  }

  private async worker(): Promise<void> {
    await Promise.all([this.pods.waitForSync(), this.nodes.waitForSync()]);
    while (this.running) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const started = performance.now();
      const finish = (result: Outcome): void => {
        if (result === 'unschedulable' || result === 'error') this.queue.addRateLimited(key);
        else this.queue.forget(key);
        if (result !== 'skipped') this.metrics.attempt(result, (performance.now() - started) / 1000);
        this.queue.done(key);
      };
      let cycle: Outcome | Binding;
      try {
        cycle = await this.scheduleOne(key);
      } catch {
        cycle = 'error';
      }
      // Pods are placed one at a time (each sees the ones placed before it, assumed); their bindings
      // run on while the next pod is placed, as the kube-scheduler's binding cycle does. The key stays
      // in process until its binding ends, so the same pod is never placed twice at once.
      if (typeof cycle === 'string') finish(cycle);
      else void cycle.binding.then(finish, () => finish('error'));
    }
  }

  /** The scheduling cycle: 'unschedulable' when the pod could not be placed and should be retried later; 'skipped' when there was nothing to do; else its binding, under way. */
  private async scheduleOne(key: string): Promise<Outcome | Binding> {
    const pod = this.pods.get(key) as Pod | undefined;
    if (!pod || pod.spec?.nodeName || pod.metadata?.deletionTimestamp) return 'skipped';
    const uid = pod.metadata?.uid ?? '';
    if (this.assumed.has(uid)) return 'skipped';
    const result = schedule(pod, this.snapshot());
    const involved = { apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid };
    if (!result.node) {
      this.recorder.event(involved, 'Warning', 'FailedScheduling', result.message ?? 'no nodes available');
      await this.markUnschedulable(pod, result.message ?? '');
      return 'unschedulable';
    }
    this.assumed.set(uid, result.node);
    return { binding: this.bind(pod, result.node, involved) };
  }

  /** The binding cycle of one assumed pod. */
  private async bind(pod: Pod, node: string, involved: InvolvedObject): Promise<Outcome> {
    const uid = pod.metadata?.uid ?? '';
    try {
      await this.client.createSubresource(Refs.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'binding', {
        apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata?.name, namespace: pod.metadata?.namespace, uid }, target: { apiVersion: 'v1', kind: 'Node', name: node },
      });
      this.recorder.event(involved, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''} to ${node}`);
      return 'scheduled';
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return 'skipped';
      // Not bound: the next pods must not count it as placed, and its retry must not be skipped as assumed.
      this.assumed.delete(uid);
      throw err;
    } finally {
      // The informer shows the binding soon; until then the snapshot counts the pod as placed.
      setTimeout(() => this.assumed.delete(uid), 5000).unref();
    }
  }

  private async markUnschedulable(pod: Pod, message: string): Promise<void> {
    const conds = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    const prev = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (prev?.status === 'False' && prev.message === message) return;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      await this.client.patch(Refs.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'strategic', {
        status: { conditions: [...conds, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: now }] },
      }, { subresource: 'status', fieldManager: SCHEDULER_NAME });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
