/**
 * The pod status the agent reports, generated from what the runtime shows, what the probes
 * say and why containers are waiting, as the kubelet's generateAPIPodStatus does. Pure.
 */
import type { ContainerStatus as ApiContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus } from '../runtime/runtime.js';
import { latestByName, readySandbox, terminalPhase, type PodRuntimeState } from './pod-actions.js';

export interface Waiting {
  reason: string;
  message?: string;
}

export interface StatusInputs {
  pod: Pod;
  state: PodRuntimeState;
  /** Why a container is not running (ContainerCreating, ErrImagePull, CrashLoopBackOff, ...). */
  waiting: Map<string, Waiting>;
  /** Readiness verdict per container name (running instance). */
  ready: (name: string, id: string) => boolean;
  /** Startup probe passed (or none) per container. */
  started: (name: string, id: string) => boolean;
  hostIP: string;
  now: Date;
}

function rfc3339(d: Date | undefined): string | undefined {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
}

function terminated(c: ContainerStatus): NonNullable<ApiContainerStatus['state']>['terminated'] {
  return {
    exitCode: c.exitCode ?? 0,
    reason: c.reason ?? (c.exitCode === 0 ? 'Completed' : 'Error'),
    ...(c.message ? { message: c.message } : {}),
    startedAt: rfc3339(c.startedAt) ?? null as unknown as string,
    finishedAt: rfc3339(c.finishedAt) ?? null as unknown as string,
    containerID: c.id,
  };
}

/** Previous instance of a container (for lastState), by attempt. */
function previous(all: ContainerStatus[], latest: ContainerStatus): ContainerStatus | undefined {
  return all.filter((c) => c.name === latest.name && c.attempt < latest.attempt && c.state === 'exited').sort((a, b) => b.attempt - a.attempt)[0];
}

function containerStatus(name: string, image: string, s: ContainerStatus | undefined, all: ContainerStatus[], inputs: StatusInputs): ApiContainerStatus {
  const waiting = inputs.waiting.get(name);
  const out: ApiContainerStatus = {
    name, image, imageID: s?.imageRef ?? '', ready: false, restartCount: s?.attempt ?? 0, started: false,
    state: {}, lastState: {},
  } as ApiContainerStatus;
  const mutable = out as { -readonly [K in keyof ApiContainerStatus]: ApiContainerStatus[K] };
  if (s) mutable.containerID = s.id;
  if (s?.state === 'running' && !waiting) {
    mutable.state = { running: { startedAt: rfc3339(s.startedAt) ?? '' } };
    mutable.ready = inputs.ready(name, s.id);
    mutable.started = inputs.started(name, s.id);
  } else if (waiting) {
    mutable.state = { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } };
    if (s && s.state === 'exited') mutable.lastState = { terminated: terminated(s) };
  } else if (s && s.state === 'exited') {
    mutable.state = { terminated: terminated(s) };
  } else {
    // A created-but-never-started container is waiting too, as the kubelet reports it (not "Completed").
    mutable.state = { waiting: { reason: inputs.pod.spec?.initContainers?.length ? 'PodInitializing' : 'ContainerCreating' } };
  }
  if (s && !mutable.lastState?.terminated) {
    const prev = previous(all, s);
    if (prev) mutable.lastState = { terminated: terminated(prev) };
  }
  return out;
}

function condition(type: string, status: boolean, old: PodCondition[] | undefined, now: Date, reason?: string, message?: string): PodCondition {
  const value = status ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  const lastTransitionTime = prev && prev.status === value ? prev.lastTransitionTime : rfc3339(now);
  return { type, status: value, lastProbeTime: null as unknown as string, lastTransitionTime, ...(reason && !status ? { reason } : {}), ...(message && !status ? { message } : {}) };
}

export function generatePodStatus(inputs: StatusInputs): PodStatus {
  const { pod, state, now } = inputs;
  const old = pod.status;
  const latest = latestByName(state.containers);
  const spec = pod.spec;
  const initSpecs = spec?.initContainers ?? [];
  const appSpecs = spec?.containers ?? [];
  const initStatuses = initSpecs.map((c) => containerStatus(c.name, c.image ?? '', latest.get(c.name), state.containers, inputs));
  const appStatuses = appSpecs.map((c) => containerStatus(c.name, c.image ?? '', latest.get(c.name), state.containers, inputs));
  // An init container is done when it exited 0; apps are not started before that.
  const initialized = initSpecs.every((c) => {
    const s = latest.get(c.name);
    return s?.state === 'exited' && s.exitCode === 0;
  });

  let phase: string = 'Pending';
  const terminal = terminalPhase(pod, latest);
  if (terminal) phase = terminal;
  else if (initialized && appSpecs.length) {
    // As the kubelet's getPhase: a container waiting without ever having run keeps the pod Pending even
    // when others run; containers that ran and are being restarted keep it Running.
    if (!appStatuses.some((c) => c.state?.waiting && !c.lastState?.terminated)) phase = 'Running';
  }

  const ready = phase === 'Running' && appStatuses.every((c) => c.ready);
  const notReady = appStatuses.filter((c) => !c.ready).map((c) => c.name);
  const unreadyMessage = notReady.length ? `containers with unready status: [${notReady.join(' ')}]` : undefined;
  const sandbox = readySandbox(state);
  // Terminal pods say why they are not ready by their phase alone, as the kubelet does.
  const done = phase === 'Succeeded' || phase === 'Failed';
  const doneReason = phase === 'Failed' ? 'PodFailed' : 'PodCompleted';
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', !!sandbox, old?.conditions, now),
    condition('Initialized', initialized, old?.conditions, now, 'ContainersNotInitialized', `containers with incomplete status: [${initSpecs.filter((c) => latest.get(c.name)?.exitCode !== 0).map((c) => c.name).join(' ')}]`),
    condition('Ready', ready, old?.conditions, now, done ? doneReason : 'ContainersNotReady', done ? undefined : unreadyMessage),
    condition('ContainersReady', ready, old?.conditions, now, done ? doneReason : 'ContainersNotReady', done ? undefined : unreadyMessage),
    ...(old?.conditions ?? []).filter((c) => c.type === 'PodScheduled'),
  ];

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: inputs.hostIP,
    hostIPs: [{ ip: inputs.hostIP }],
    ...(sandbox?.ip ? { podIP: sandbox.ip, podIPs: [{ ip: sandbox.ip }] } : old?.podIP && terminal ? { podIP: old.podIP, podIPs: old.podIPs } : {}),
    startTime: old?.startTime ?? rfc3339(now),
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: appStatuses,
    qosClass: old?.qosClass,
  };
  return status;
}
