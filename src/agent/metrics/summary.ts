/** The node summary (`/stats/summary`) from the collector's snapshot: pure, so its shape is tested without an engine. */
import type { Summary, PodSummary } from '../../metrics/summary.js';
import type { Snapshot } from '../stats/collector.js';

export function buildSummary(nodeName: string, snap: Snapshot): Summary {
  const time = snap.time.toISOString();
  const pods = new Map<string, PodSummary>();
  for (const s of snap.samples) {
    const uid = s.status.podUid;
    let pod = pods.get(uid);
    if (!pod) {
      pod = { podRef: { name: s.podName, namespace: s.namespace, uid }, containers: [] };
      pods.set(uid, pod);
    }
    const t = s.stats.timestamp.toISOString();
    pod.containers.push({
      name: s.status.name,
      startTime: (s.status.startedAt ?? s.status.createdAt).toISOString(),
      cpu: { time: t, usageCoreNanoSeconds: s.stats.cpuUsageNanoSeconds, ...(s.cpuNanoCores !== undefined ? { usageNanoCores: Math.round(s.cpuNanoCores) } : {}) },
      memory: { time: t, workingSetBytes: s.stats.memoryWorkingSetBytes, usageBytes: s.stats.memoryUsageBytes },
    });
  }
  for (const sb of snap.sandboxSamples) {
    const pod = pods.get(sb.status.podUid);
    if (pod && sb.stats) pod.network = { time: sb.stats.timestamp.toISOString(), rxBytes: sb.stats.rxBytes, txBytes: sb.stats.txBytes };
  }
  const host = snap.host;
  return {
    node: {
      nodeName,
      cpu: { time, usageCoreNanoSeconds: host?.cpuUsageNanoSeconds ?? 0, ...(snap.hostCpuNanoCores !== undefined ? { usageNanoCores: Math.round(snap.hostCpuNanoCores) } : {}) },
      memory: { time, workingSetBytes: host?.memoryWorkingSetBytes ?? 0, usageBytes: host?.memoryUsageBytes ?? 0 },
    },
    pods: [...pods.values()],
  };
}
