/** The Node object an agent registers and keeps current: capacity, conditions, addresses, info. Pure. */
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';

export interface HostFacts {
  cpus: number;
  memoryBytes: number;
  hostname: string;
  kernelVersion: string;
  osImage: string;
  architecture: string;
  machineID: string;
  bootID: string;
  runtimeVersion: string;
  kubeletVersion: string;
  internalIP: string;
  agentPort: number;
  maxPods: number;
  ephemeralStorageBytes?: number;
}

export interface Health {
  runtimeReady: boolean;
  runtimeMessage?: string;
  memoryPressure: boolean;
  diskPressure: boolean;
  pidPressure: boolean;
}

function cond(type: string, status: boolean, reason: string, message: string, old: NodeCondition[] | undefined, now: string): NodeCondition {
  const value = status ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  return {
    type, status: value, reason, message, lastHeartbeatTime: now,
    lastTransitionTime: prev && prev.status === value ? prev.lastTransitionTime : now,
  };
}

export function nodeLabels(name: string, facts: HostFacts, controlPlane: boolean): Record<string, string> {
  return {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': facts.architecture,
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': facts.architecture,
    ...(controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
  };
}

export function nodeStatus(facts: HostFacts, health: Health, old: Node['status'] | undefined, now: Date): NonNullable<Node['status']> {
  const t = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const capacity: Record<string, string> = {
    cpu: String(facts.cpus),
    memory: `${Math.floor(facts.memoryBytes / 1024)}Ki`,
    pods: String(facts.maxPods),
    ...(facts.ephemeralStorageBytes ? { 'ephemeral-storage': `${Math.floor(facts.ephemeralStorageBytes / 1024)}Ki` } : {}),
  };
  return {
    capacity,
    allocatable: capacity,
    conditions: [
      cond('MemoryPressure', health.memoryPressure, health.memoryPressure ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory', health.memoryPressure ? 'kubelet has insufficient memory available' : 'kubelet has sufficient memory available', old?.conditions, t),
      cond('DiskPressure', health.diskPressure, health.diskPressure ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure', health.diskPressure ? 'kubelet has disk pressure' : 'kubelet has no disk pressure', old?.conditions, t),
      cond('PIDPressure', health.pidPressure, health.pidPressure ? 'KubeletHasInsufficientPID' : 'KubeletHasSufficientPID', health.pidPressure ? 'kubelet has insufficient PID available' : 'kubelet has sufficient PID available', old?.conditions, t),
      cond('Ready', health.runtimeReady, health.runtimeReady ? 'KubeletReady' : 'KubeletNotReady', health.runtimeReady ? 'kubelet is posting ready status' : `container runtime is down: ${health.runtimeMessage ?? 'unreachable'}`, old?.conditions, t),
    ],
    addresses: [{ type: 'InternalIP', address: facts.internalIP }, { type: 'Hostname', address: facts.hostname }],
    daemonEndpoints: { kubeletEndpoint: { Port: facts.agentPort } },
    nodeInfo: {
      machineID: facts.machineID, systemUUID: facts.machineID, bootID: facts.bootID,
      kernelVersion: facts.kernelVersion, osImage: facts.osImage, containerRuntimeVersion: facts.runtimeVersion,
      kubeletVersion: facts.kubeletVersion, kubeProxyVersion: facts.kubeletVersion, operatingSystem: 'linux', architecture: facts.architecture,
    },
  };
}

/** Pressure from host readings, with the kubelet's default hard eviction thresholds. */
export function hostHealth(runtimeReady: boolean, runtimeMessage: string | undefined, freeMemoryBytes: number, diskFreeRatio: number, pidsUsedRatio: number): Health {
  return {
    runtimeReady, runtimeMessage,
    memoryPressure: freeMemoryBytes < 100 * 1024 * 1024,
    diskPressure: diskFreeRatio < 0.1,
    pidPressure: pidsUsedRatio > 0.95,
  };
}
