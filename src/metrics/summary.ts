/**
 * The node agent's resource summary, a subset of the kubelet's Summary API (`/stats/summary`):
 * what metrics.k8s.io is computed from. CPU is a rate over the agent's last two samples.
 */
export interface CpuStats {
  time: string;
  /** Average usage over the sampling window, in billionths of a core. */
  usageNanoCores?: number;
  /** Cumulative usage since the container (or node) started. */
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  workingSetBytes: number;
  usageBytes: number;
}

export interface ContainerSummary {
  name: string;
  startTime: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  containers: ContainerSummary[];
  network?: { time: string; rxBytes: number; txBytes: number };
}

export interface Summary {
  node: { nodeName: string; cpu: CpuStats; memory: MemoryStats };
  pods: PodSummary[];
}
