/**
 * cAdvisor-style per-container series (the kubelet's `/metrics/cadvisor`) from the collector's
 * snapshot, labelled as the kubelet labels them: container, pod, namespace, name (the engine's
 * container name), id (the cgroup path) and image. Network counters belong to the pod's sandbox
 * (container "POD"), whose network namespace the app containers share.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, SANDBOX_CONTAINER_NAME } from '../../runtime/runtime.js';
import type { Snapshot } from '../stats/collector.js';

type Labels = 'container' | 'id' | 'image' | 'name' | 'namespace' | 'pod';
type NetLabels = Labels | 'interface';

const rawId = (id: string): string => id.replace(/^[a-z-]+:\/\//, '');

/** dockershim's container name, which cAdvisor reports as `name`. */
function engineName(container: string, labels: Record<string, string>, attempt: number): string {
  return `k8s_${container}_${labels[LABEL_POD_NAME] ?? ''}_${labels[LABEL_POD_NAMESPACE] ?? ''}_${labels[LABEL_POD_UID] ?? ''}_${attempt}`;
}

export function cadvisorRegistry(snapshot: () => Snapshot, machine: { cpuCores: number; memoryBytes: number }): Registry {
  const registry = new Registry();
  const registers = [registry];
  // Registered first: prom-client gathers in registration order, so this refresh fills the others before they are read.
  new Gauge({
    name: 'container_scrape_error', help: '1 if there was an error while getting container metrics, 0 otherwise', registers,
    collect() {
      const snap = snapshot();
      for (const m of [cpu, workingSet, usage, start, rx, tx]) m.reset();
      for (const s of snap.samples) {
        const labels = { container: s.status.name, id: `/docker/${rawId(s.status.id)}`, image: s.status.image, name: engineName(s.status.name, s.status.labels, s.status.attempt), namespace: s.namespace, pod: s.podName };
        cpu.inc(labels, s.stats.cpuUsageNanoSeconds / 1e9);
        workingSet.set(labels, s.stats.memoryWorkingSetBytes);
        usage.set(labels, s.stats.memoryUsageBytes);
        if (s.status.startedAt) start.set(labels, s.status.startedAt.getTime() / 1000);
      }
      for (const sb of snap.sandboxSamples) {
        if (!sb.stats) continue;
        const l = sb.status.labels;
        const labels = { container: SANDBOX_CONTAINER_NAME, id: `/docker/${rawId(sb.status.id)}`, image: '', interface: 'eth0', name: engineName(l[LABEL_CONTAINER_NAME] ?? SANDBOX_CONTAINER_NAME, l, sb.status.attempt), namespace: sb.status.namespace, pod: sb.status.podName };
        rx.inc(labels, sb.stats.rxBytes);
        tx.inc(labels, sb.stats.txBytes);
      }
      this.set(snap.time.getTime() === 0 ? 1 : 0);
    },
  });
  const cpu = new Counter<Labels>({ name: 'container_cpu_usage_seconds_total', help: 'Cumulative cpu time consumed in seconds.', labelNames: ['container', 'id', 'image', 'name', 'namespace', 'pod'], registers });
  const workingSet = new Gauge<Labels>({ name: 'container_memory_working_set_bytes', help: 'Current working set in bytes.', labelNames: ['container', 'id', 'image', 'name', 'namespace', 'pod'], registers });
  const usage = new Gauge<Labels>({ name: 'container_memory_usage_bytes', help: 'Current memory usage in bytes, including all memory regardless of when it was accessed.', labelNames: ['container', 'id', 'image', 'name', 'namespace', 'pod'], registers });
  const start = new Gauge<Labels>({ name: 'container_start_time_seconds', help: 'Start time of the container since unix epoch in seconds.', labelNames: ['container', 'id', 'image', 'name', 'namespace', 'pod'], registers });
  const rx = new Counter<NetLabels>({ name: 'container_network_receive_bytes_total', help: 'Cumulative count of bytes received.', labelNames: ['container', 'id', 'image', 'interface', 'name', 'namespace', 'pod'], registers });
  const tx = new Counter<NetLabels>({ name: 'container_network_transmit_bytes_total', help: 'Cumulative count of bytes transmitted.', labelNames: ['container', 'id', 'image', 'interface', 'name', 'namespace', 'pod'], registers });
  new Gauge({ name: 'machine_cpu_cores', help: 'Number of logical CPU cores.', registers, collect() { this.set(machine.cpuCores); } });
  new Gauge({ name: 'machine_memory_bytes', help: 'Amount of memory installed on the machine.', registers, collect() { this.set(machine.memoryBytes); } });
  return registry;
}
