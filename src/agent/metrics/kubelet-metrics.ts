/**
 * The node agent's own metrics (the kubelet's `/metrics`): pod start latency, probe results,
 * running pods and containers, container starts, and runtime operation latency. Counts of what
 * runs are read from the stats collector's latest listing at scrape time.
 */
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Snapshot } from '../stats/collector.js';

/** The kubelet's pod start buckets (0.5 s to 1 h). */
const POD_START_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];
const RUNTIME_BUCKETS = [0.005, 0.0125, 0.03125, 0.078125, 0.1953125, 0.48828125, 1.220703125, 3.0517578125, 7.62939453125, 19.073486328125, 47.6837158203125, 119.20928955078125, 298.0232238769531, 745.0580596923828];

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeOutcome = 'success' | 'failure' | 'unknown';

export interface ProbeObservation {
  probeType: ProbeKind;
  result: ProbeOutcome;
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
}

const PROBE_TYPE: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };
const PROBE_RESULT: Record<ProbeOutcome, string> = { success: 'successful', failure: 'failed', unknown: 'unknown' };

/** Seconds from a pod's creation to the first status the agent reports with every container running; undefined otherwise. */
export function podStartSeconds(pod: Pod, status: PodStatus, now: Date): number | undefined {
  if (status.phase !== 'Running') return undefined;
  const containers = status.containerStatuses ?? [];
  if (!containers.length || containers.some((c) => !c.state?.running)) return undefined;
  const created = Date.parse(pod.metadata?.creationTimestamp ?? '');
  if (!Number.isFinite(created)) return undefined;
  return Math.max(0, (now.getTime() - created) / 1000);
}

export class KubeletMetrics {
  readonly registry = new Registry();
  private readonly podStart: Histogram;
  private readonly probes: Counter<'probe_type' | 'result' | 'container' | 'pod' | 'namespace' | 'pod_uid'>;
  /** Probe label sets by pod, so a pod's series go when the pod goes (as the kubelet deletes them). */
  private readonly probeLabels = new Map<string, Map<string, Record<string, string>>>();
  private readonly started = new Set<string>();
  readonly runtimeDuration: Histogram<'operation_type'>;
  readonly runtimeTotal: Counter<'operation_type'>;
  readonly runtimeErrors: Counter<'operation_type'>;
  readonly startedContainers: Counter<'container_type'>;
  readonly startedContainerErrors: Counter<'container_type'>;
  readonly restartedContainers: Counter;

  constructor(snapshot: () => Snapshot) {
    const registers = [this.registry];
    this.podStart = new Histogram({ name: 'kubelet_pod_start_duration_seconds', help: 'Duration in seconds from the pod being created to every container running, image pulls included.', buckets: POD_START_BUCKETS, registers });
    this.probes = new Counter({ name: 'prober_probe_total', help: 'Cumulative number of a liveness, readiness or startup probe for a container by result.', labelNames: ['probe_type', 'result', 'container', 'pod', 'namespace', 'pod_uid'], registers });
    new Gauge({
      name: 'kubelet_running_pods', help: 'Number of pods that have a running pod sandbox', registers,
      collect() {
        this.set(snapshot().sandboxes.filter((s) => s.state === 'ready').length);
      },
    });
    new Gauge({
      name: 'kubelet_running_containers', help: 'Number of containers currently running', labelNames: ['container_state'], registers,
      collect() {
        const counts: Record<string, number> = { created: 0, running: 0, exited: 0, unknown: 0 };
        for (const c of snapshot().containers) counts[c.state] = (counts[c.state] ?? 0) + 1;
        for (const [container_state, n] of Object.entries(counts)) this.set({ container_state }, n);
      },
    });
    this.runtimeDuration = new Histogram({ name: 'kubelet_runtime_operations_duration_seconds', help: 'Duration in seconds of runtime operations. Broken down by operation type.', labelNames: ['operation_type'], buckets: RUNTIME_BUCKETS, registers });
    this.runtimeTotal = new Counter({ name: 'kubelet_runtime_operations_total', help: 'Cumulative number of runtime operations by operation type.', labelNames: ['operation_type'], registers });
    this.runtimeErrors = new Counter({ name: 'kubelet_runtime_operations_errors_total', help: 'Cumulative number of runtime operation errors by operation type.', labelNames: ['operation_type'], registers });
    this.startedContainers = new Counter({ name: 'kubelet_started_containers_total', help: 'Cumulative number of containers started', labelNames: ['container_type'], registers });
    this.startedContainerErrors = new Counter({ name: 'kubelet_started_containers_errors_total', help: 'Cumulative number of errors when starting containers', labelNames: ['container_type'], registers });
    this.restartedContainers = new Counter({ name: 'kubelet_restarted_containers_total', help: 'Cumulative number of containers created again after an earlier instance exited (restarts).', registers });
    for (const container_type of ['container', 'podsandbox']) {
      this.startedContainers.inc({ container_type }, 0);
      this.startedContainerErrors.inc({ container_type }, 0);
    }
    this.restartedContainers.inc(0);
  }

  /** Called with every pod status the agent reports; the first all-running status of a pod is its start. */
  podStatus(pod: Pod, status: PodStatus, now = new Date()): void {
    const uid = pod.metadata?.uid ?? '';
    if (!uid || this.started.has(uid)) return;
    const s = podStartSeconds(pod, status, now);
    if (s === undefined) return;
    this.started.add(uid);
    this.podStart.observe(s);
  }

  probe(o: ProbeObservation): void {
    const labels = { probe_type: PROBE_TYPE[o.probeType], result: PROBE_RESULT[o.result], container: o.container, pod: o.pod, namespace: o.namespace, pod_uid: o.podUid };
    let byPod = this.probeLabels.get(o.podUid);
    if (!byPod) this.probeLabels.set(o.podUid, (byPod = new Map()));
    byPod.set(`${labels.probe_type}/${labels.result}/${labels.container}`, labels);
    this.probes.inc(labels);
  }

  /** Drops per-pod state of pods no longer on the node. */
  prune(liveUids: Set<string>): void {
    for (const [uid, sets] of this.probeLabels) {
      if (liveUids.has(uid)) continue;
      for (const labels of sets.values()) this.probes.remove(labels);
      this.probeLabels.delete(uid);
    }
    for (const uid of this.started) if (!liveUids.has(uid)) this.started.delete(uid);
  }
}
