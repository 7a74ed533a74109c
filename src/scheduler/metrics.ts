/** The scheduler's metrics, named as kube-scheduler names them; pending pods are counted at scrape time. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

const PROFILE = 'default-scheduler';

export class SchedulerMetrics {
  readonly registry = new Registry();
  private readonly attempts: Counter<'result' | 'profile'>;
  private readonly duration: Histogram<'result' | 'profile'>;

  constructor(pending: () => { active: number; unschedulable: number }) {
    const registers = [this.registry];
    this.attempts = new Counter({ name: 'scheduler_schedule_attempts_total', help: 'Number of attempts to schedule pods, by the result. \'unschedulable\' means a pod could not be scheduled, while \'error\' means an internal scheduler problem.', labelNames: ['result', 'profile'], registers });
    this.duration = new Histogram({ name: 'scheduler_scheduling_attempt_duration_seconds', help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)', labelNames: ['result', 'profile'], buckets: [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192], registers });
    for (const result of ['scheduled', 'unschedulable', 'error'] as const) this.attempts.inc({ result, profile: PROFILE }, 0);
    new Gauge({
      name: 'scheduler_pending_pods', help: 'Number of pending pods, by the queue type. \'active\' means number of pods in activeQ; \'unschedulable\' means number of pods in unschedulablePods.', labelNames: ['queue'], registers,
      collect() {
        const p = pending();
        this.set({ queue: 'active' }, p.active);
        this.set({ queue: 'unschedulable' }, p.unschedulable);
      },
    });
  }

  attempt(result: AttemptResult, seconds: number): void {
    this.attempts.inc({ result, profile: PROFILE });
    this.duration.observe({ result, profile: PROFILE }, seconds);
  }
}
