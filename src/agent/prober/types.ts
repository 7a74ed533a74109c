/** The prober's vocabulary: probe types, results, what a runner is given and what it returns. */
import type { Container, Probe } from 'kubernetes-types/core/v1.js';

export type ProbeType = 'liveness' | 'readiness' | 'startup';

/** A cached probe verdict (results.Result in the kubelet). */
export type ProbeResult = 'success' | 'failure' | 'unknown';

/** What one probe run is aimed at: the running instance of a container. */
export interface ProbeTarget {
  /** Host for httpGet/tcpSocket/grpc when the probe names none. */
  podIP?: string;
  /** The runtime's id of the running instance (exec probes run in it). */
  containerId: string;
  /** The container spec, for named ports. */
  container: Container;
}

/**
 * One run's outcome. `unknown` means the probe could not be carried out at all (a port name
 * that does not resolve, no pod IP yet, the runtime erroring): the kubelet discards such a
 * result instead of counting it. `warning` marks a success the kubelet reports as a
 * ProbeWarning event (an HTTP redirect to another host that was not followed).
 */
export interface RunnerOutcome {
  result: ProbeResult;
  output: string;
  warning?: boolean;
}

/** Runs one kind of probe once. Must settle promptly once `signal` aborts (the timeout). */
export type ProbeRunner = (probe: Probe, target: ProbeTarget, signal: AbortSignal) => Promise<RunnerOutcome>;

/** A container event the agent records against the pod (fieldPath `spec.containers{name}`). */
export interface ProbeEvent {
  type: 'Warning';
  reason: 'Unhealthy' | 'ProbeWarning';
  message: string;
  podUid: string;
  namespace: string;
  podName: string;
  containerName: string;
  fieldPath: string;
}

/** Kubernetes' defaults for unset probe fields (the API server normally fills them in). */
export function probeTiming(p: Probe): { periodMs: number; timeoutMs: number; initialDelayMs: number; successThreshold: number; failureThreshold: number } {
  return {
    periodMs: Math.max(1, p.periodSeconds ?? 10) * 1000,
    timeoutMs: Math.max(1, p.timeoutSeconds ?? 1) * 1000,
    initialDelayMs: Math.max(0, p.initialDelaySeconds ?? 0) * 1000,
    successThreshold: Math.max(1, p.successThreshold ?? 1),
    failureThreshold: Math.max(1, p.failureThreshold ?? 3),
  };
}

/** "Liveness", "Readiness", "Startup": how event messages spell the type. */
export function probeTypeTitle(t: ProbeType): string {
  return t[0]!.toUpperCase() + t.slice(1);
}
