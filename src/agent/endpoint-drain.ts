/**
 * How long a Terminating pod keeps running before its containers are stopped, so Services stop sending
 * it traffic first. In Kubernetes the kubelet's SIGTERM and the endpoint removal race, and users add a
 * `preStop: sleep` to every Deployment to cover it; here the race is closed by the node agent instead: a
 * pod that was Ready and has a readiness probe (so it is meant to sit behind a Service) gets a short
 * delay, measured from its deletion, within which the EndpointSlice marks it terminating and the proxy
 * drops it from its route table (milliseconds on one machine; the margin covers a loaded one).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

/** The delay after deletion before the stop signal; never longer than the grace period. */
export const ENDPOINT_DRAIN_MS = 2000;

/** Milliseconds still to wait at `now` before stopping the pod's containers (0 = stop now). */
export function endpointDrainDelay(pod: Pod, now: number): number {
  const deletion = pod.metadata?.deletionTimestamp;
  if (!deletion) return 0;
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const probed = (pod.spec?.containers ?? []).some((c) => c.readinessProbe);
  if (!ready || !probed) return 0;
  const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  const drain = Math.min(ENDPOINT_DRAIN_MS, grace * 1000);
  // deletionTimestamp = deletion time + grace period (whole seconds), so the deletion time is known again.
  const deletedAt = Date.parse(deletion) - grace * 1000;
  if (Number.isNaN(deletedAt)) return 0;
  return Math.max(0, Math.min(drain, deletedAt + drain - now));
}
