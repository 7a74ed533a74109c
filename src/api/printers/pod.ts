/** The core/v1 Pod printer: READY, the aggregate STATUS reason, RESTARTS with the last restart's age, and wide placement columns. */
import type { Container, ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { humanDuration, parseTimestamp, translateTimestampSince } from './duration.js';
import { ageColumn, column, list, nameColumn, printerOf } from './table.js';

/** The reason the node lifecycle controller sets on pods of an unreachable node. */
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

/** Sidecar containers are init containers with restartPolicy Always: they keep running and count as containers. */
function isRestartableInitContainer(container: Container | undefined): boolean {
  return container?.restartPolicy === 'Always';
}

function hasTrueCondition(conditions: readonly PodCondition[], type: string): boolean {
  return conditions.some((c) => c.type === type && c.status === 'True');
}

function lastTerminationMs(status: ContainerStatus): number {
  return parseTimestamp(status.lastState?.terminated?.finishedAt) ?? 0;
}

export interface PodStatusSummary {
  ready: string;
  reason: string;
  restarts: string;
}

/** Computes READY, STATUS and RESTARTS exactly as the Kubernetes Pod printer does. */
export function summarizePodStatus(pod: Pod, now: Date): PodStatusSummary {
  const spec = pod.spec;
  const status = pod.status;
  const conditions = list(status?.conditions);
  const initContainerSpecs = list(spec?.initContainers);
  const initContainers = new Map(initContainerSpecs.map((c) => [c.name, c]));

  let restarts = 0;
  let sidecarRestarts = 0;
  let readyContainers = 0;
  let lastRestartMs = 0;
  let lastSidecarRestartMs = 0;
  let totalContainers = list(spec?.containers).length + initContainerSpecs.filter(isRestartableInitContainer).length;

  const phase = status?.phase ?? '';
  let reason = status?.reason ? status.reason : phase;
  // A pod held by scheduling gates is still Pending, but the gate is the more useful thing to show.
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  let initializing = false;
  const initStatuses = list(status?.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i];
    const sidecar = isRestartableInitContainer(initContainers.get(container.name));
    restarts += container.restartCount ?? 0;
    lastRestartMs = Math.max(lastRestartMs, lastTerminationMs(container));
    if (sidecar) {
      sidecarRestarts += container.restartCount ?? 0;
      lastSidecarRestartMs = Math.max(lastSidecarRestartMs, lastTerminationMs(container));
    }
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (sidecar && container.started === true) {
      if (container.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      if (terminated.reason) reason = `Init:${terminated.reason}`;
      else if (terminated.signal) reason = `Init:Signal:${terminated.signal}`;
      else reason = `Init:ExitCode:${terminated.exitCode}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initContainerSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasTrueCondition(conditions, 'Initialized')) {
    // Once initialized, only sidecar restarts still matter among init containers.
    restarts = sidecarRestarts;
    lastRestartMs = lastSidecarRestartMs;
    let hasRunning = false;
    const statuses = list(status?.containerStatuses);
    // Walk backwards so that the first container's state wins when several explain the status.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i];
      restarts += container.restartCount ?? 0;
      lastRestartMs = Math.max(lastRestartMs, lastTerminationMs(container));
      const waiting = container.state?.waiting;
      const terminated = container.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      else if (container.ready && container.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // One finished container should not hide that others are still serving.
    if (reason === 'Completed' && hasRunning) reason = hasTrueCondition(conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = parseTimestamp(pod.metadata?.deletionTimestamp) !== undefined;
  if (deleting && status?.reason === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestartMs !== 0) {
    restartsText = `${restarts} (${humanDuration(now.getTime() - lastRestartMs)} ago)`;
  }
  return { ready: `${readyContainers}/${totalContainers}`, reason, restarts: restartsText };
}

function readinessGatesCell(pod: Pod): string {
  const gates = list(pod.spec?.readinessGates);
  if (gates.length === 0) return '<none>';
  const conditions = list(pod.status?.conditions);
  const trueCount = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${trueCount}/${gates.length}`;
}

export const podPrinter = printerOf<Pod>(
  [
    nameColumn(),
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn(),
    column('IP', 'string', 'IP address allocated to the pod. Routable at least within the cluster.', 1),
    column('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
    column('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    column('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  (pod, now) => {
    const { ready, reason, restarts } = summarizePodStatus(pod, now);
    const podIP = list(pod.status?.podIPs)[0]?.ip || pod.status?.podIP || '<none>';
    return [
      pod.metadata?.name ?? '',
      ready,
      reason,
      restarts,
      translateTimestampSince(pod.metadata?.creationTimestamp, now),
      podIP,
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGatesCell(pod),
    ];
  },
);
