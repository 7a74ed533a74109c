/**
 * What a pod needs next, as the kubelet's computePodActions decides it: a sandbox, init
 * containers in order, app containers started or restarted per restartPolicy with crash-loop
 * backoff, unhealthy or outdated containers killed. Pure: observed state in, actions out.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerId, ContainerStatus, SandboxStatus } from '../runtime/runtime.js';

export type ProbeVerdict = 'success' | 'failure' | 'unknown';

export interface PodRuntimeState {
  sandboxes: SandboxStatus[];
  /** Every container of the pod still on the engine, all attempts. */
  containers: ContainerStatus[];
}

export interface PlanContext {
  now: number;
  /** Whether the container (by pod uid + name) is waiting out a crash-loop backoff. */
  inBackoff: (name: string) => boolean;
  /** Liveness/startup verdict for the running container instance; 'failure' means restart it. */
  unhealthy: (name: string, id: ContainerId) => string | undefined;
}

export interface StartAction {
  name: string;
  init: boolean;
  /** Restart count of the new instance. */
  attempt: number;
  /** Set when this restarts an exited container: its finish time feeds the backoff. */
  restartOf?: ContainerStatus;
}

export interface KillAction {
  id: ContainerId;
  name: string;
  reason: 'Unhealthy' | 'SpecChanged' | 'SandboxChanged' | 'PodTerminated';
  message: string;
}

export interface PodActions {
  createSandbox: boolean;
  sandboxAttempt: number;
  start: StartAction[];
  kill: KillAction[];
  /** Containers held back by crash-loop backoff. */
  backingOff: string[];
  /** The pod has reached a terminal phase: nothing is (re)started any more. */
  terminal: 'Succeeded' | 'Failed' | undefined;
}

/** The newest instance of each container name. */
export function latestByName(containers: ContainerStatus[]): Map<string, ContainerStatus> {
  const out = new Map<string, ContainerStatus>();
  for (const c of containers) {
    const cur = out.get(c.name);
    if (!cur || c.attempt > cur.attempt || (c.attempt === cur.attempt && c.createdAt > cur.createdAt)) out.set(c.name, c);
  }
  return out;
}

export function readySandbox(state: PodRuntimeState): SandboxStatus | undefined {
  return [...state.sandboxes].sort((a, b) => b.attempt - a.attempt).find((s) => s.state === 'ready');
}

function shouldRestart(policy: string, c: ContainerStatus): boolean {
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return c.exitCode !== 0;
  return false;
}

function isDone(c: ContainerStatus | undefined): boolean {
  return !!c && c.state === 'exited' && c.exitCode === 0;
}

/**
 * Whether every app container has finished for good: restartPolicy Never with all exited, or
 * OnFailure with all exited 0. Such a pod is Succeeded or Failed and never runs again.
 */
export function terminalPhase(pod: Pod, latest: Map<string, ContainerStatus>): 'Succeeded' | 'Failed' | undefined {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Always') return undefined;
  const init = pod.spec?.initContainers ?? [];
  if (policy === 'Never') {
    // An init container that failed under Never fails the pod.
    for (const ic of init) {
      const s = latest.get(ic.name);
      if (s?.state === 'exited' && s.exitCode !== 0) return 'Failed';
    }
  }
  const containers = pod.spec?.containers ?? [];
  const statuses = containers.map((c) => latest.get(c.name));
  if (!statuses.every((s) => s?.state === 'exited')) return undefined;
  if (statuses.every((s) => s?.exitCode === 0)) return 'Succeeded';
  return policy === 'Never' ? 'Failed' : undefined;
}

export function computePodActions(pod: Pod, state: PodRuntimeState, ctx: PlanContext): PodActions {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const latest = latestByName(state.containers);
  const actions: PodActions = { createSandbox: false, sandboxAttempt: 0, start: [], kill: [], backingOff: [], terminal: terminalPhase(pod, latest) };
  if (actions.terminal) return actions;

  const sandbox = readySandbox(state);
  if (!sandbox) {
    actions.createSandbox = true;
    actions.sandboxAttempt = state.sandboxes.length ? Math.max(...state.sandboxes.map((s) => s.attempt)) + 1 : 0;
    // Containers of a lost sandbox lost their network too: stop them; they restart in the new one.
    for (const c of latest.values()) {
      if (c.state === 'running') actions.kill.push({ id: c.id, name: c.name, reason: 'SandboxChanged', message: 'Pod sandbox changed, it will be killed and re-created.' });
    }
  }

  // Init containers run one at a time, in order, each to success — again in every new sandbox, as the
  // kubelet does, since what they prepared (network setup, files in emptyDirs shared with the sandbox) may be gone.
  const sandboxSince = sandbox?.createdAt.getTime();
  for (const ic of pod.spec?.initContainers ?? []) {
    const s = latest.get(ic.name);
    const ranInThisSandbox = !!s && sandboxSince !== undefined && s.createdAt.getTime() >= sandboxSince;
    if (isDone(s) && ranInThisSandbox) continue;
    if (!s) {
      actions.start.push({ name: ic.name, init: true, attempt: 0 });
    } else if (isDone(s)) {
      actions.start.push({ name: ic.name, init: true, attempt: s.attempt + 1 });
    } else if (s.state === 'running') {
      // Still running: wait for it.
    } else if (policy === 'Never') {
      actions.terminal = 'Failed';
    } else if (ctx.inBackoff(ic.name)) {
      actions.backingOff.push(ic.name);
    } else {
      actions.start.push({ name: ic.name, init: true, attempt: s.attempt + 1, restartOf: s });
    }
    return actions;
  }

  for (const c of pod.spec?.containers ?? []) planContainer(c, latest.get(c.name), policy, ctx, actions);
  return actions;
}

function planContainer(c: Container, s: ContainerStatus | undefined, policy: string, ctx: PlanContext, actions: PodActions): void {
  if (!s) {
    actions.start.push({ name: c.name, init: false, attempt: 0 });
    return;
  }
  if (s.state === 'running') {
    if (s.image !== c.image) {
      actions.kill.push({ id: s.id, name: c.name, reason: 'SpecChanged', message: `Container ${c.name} definition changed, will be restarted` });
      actions.start.push({ name: c.name, init: false, attempt: s.attempt + 1 });
      return;
    }
    const why = ctx.unhealthy(c.name, s.id);
    if (why) {
      actions.kill.push({ id: s.id, name: c.name, reason: 'Unhealthy', message: why });
      // The restart follows once the engine reports the container gone, per restartPolicy.
    }
    return;
  }
  // Exited, or created but never started (a start that failed): restart per policy.
  const failedStart = s.state === 'created' || s.state === 'unknown';
  if (!failedStart && !shouldRestart(policy, s)) return;
  if (ctx.inBackoff(c.name)) {
    actions.backingOff.push(c.name);
    return;
  }
  actions.start.push({ name: c.name, init: false, attempt: s.attempt + 1, restartOf: s });
}
