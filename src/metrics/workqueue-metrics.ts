/** Work-queue and reconcile metrics in Prometheus form, named as client-go and controller-runtime name them. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { QueueMetrics, QueueMetricsProvider } from '../client/workqueue.js';

/** client-go's workqueue buckets: 1 µs to ~17 min, powers of ten. */
const QUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1000];
const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * One provider per component registry: every queue instrumented through it reports under its
 * own `name` label, and each controller's reconciles under `controller`.
 */
export class PrometheusQueueMetrics implements QueueMetricsProvider {
  private readonly depths = new Map<string, () => number>();
  private readonly adds: Counter<'name'>;
  private readonly retries: Counter<'name'>;
  private readonly queueDuration: Histogram<'name'>;
  private readonly workDuration: Histogram<'name'>;
  private readonly reconcileTotal: Counter<'controller' | 'result'>;
  private readonly reconcileErrors: Counter<'controller'>;
  private readonly reconcileTime: Histogram<'controller'>;

  constructor(registry: Registry) {
    const depths = this.depths;
    new Gauge({
      name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers: [registry],
      collect() {
        for (const [name, depth] of depths) this.set({ name }, depth());
      },
    });
    const registers = [registry];
    this.adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers });
    this.retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers });
    this.queueDuration = new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested.', labelNames: ['name'], buckets: QUEUE_BUCKETS, registers });
    this.workDuration = new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes.', labelNames: ['name'], buckets: QUEUE_BUCKETS, registers });
    this.reconcileTotal = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller', labelNames: ['controller', 'result'], registers });
    this.reconcileErrors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller', labelNames: ['controller'], registers });
    this.reconcileTime = new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Length of time per reconciliation per controller', labelNames: ['controller'], buckets: RECONCILE_BUCKETS, registers });
  }

  forQueue(name: string, depth: () => number): QueueMetrics {
    this.depths.set(name, depth);
    const labels = { name };
    const controller = { controller: name };
    // Series exist from the start, so a queue that never failed reports 0 rather than nothing.
    this.adds.inc(labels, 0);
    this.retries.inc(labels, 0);
    this.reconcileErrors.inc(controller, 0);
    const adds = this.adds.labels(labels);
    const retries = this.retries.labels(labels);
    const queueDuration = this.queueDuration.labels(labels);
    const workDuration = this.workDuration.labels(labels);
    const reconcileTime = this.reconcileTime.labels(controller);
    return {
      added: () => adds.inc(),
      retried: () => retries.inc(),
      waited: (s) => queueDuration.observe(s),
      worked: (s) => workDuration.observe(s),
      reconciled: (s, failed) => {
        reconcileTime.observe(s);
        this.reconcileTotal.inc({ controller: name, result: failed ? 'error' : 'success' });
        if (failed) this.reconcileErrors.inc(controller);
      },
    };
  }
}
