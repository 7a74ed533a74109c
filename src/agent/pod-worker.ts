/**
 * Syncs one pod against the runtime: plans with computePodActions, then applies the plan
 * (sandbox, volumes, image pulls, container starts and kills, lifecycle hooks) and reports
 * status. One PodWorker per pod; its syncs never overlap (latest desired state wins).
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../api/machinery/object.js';
import { isNotFound } from '../api/machinery/errors.js';
import type { EventRecorder, InvolvedObject } from '../client/events.js';
import {
  ImagePullError, LABEL_CLUSTER, LABEL_NODE, LABEL_POD_UID, type ContainerStatus, type ImageInfo, type RegistryAuth, type Runtime, type SandboxStatus,
} from '../runtime/runtime.js';
import type { Backoff } from './backoff.js';
import { ContainerConfigError, VolumeSetupError, type BuildContainerConfig, type ConfigSources, type VolumeManagerApi } from './contracts.js';
import { computePodActions, latestByName, readySandbox, type PodRuntimeState, type StartAction } from './pod-actions.js';
import { generatePodStatus, type Waiting } from './pod-status.js';
import { pullPolicyOf, registryAuthFor } from './images.js';
import { runHook } from './lifecycle.js';
import { endpointDrainDelay } from './endpoint-drain.js';

export interface PodWorkerDeps {
  runtime: Runtime;
  clusterName: string;
  nodeName: string;
  network: string;
  hostIP: string;
  nodeAllocatable: { cpu: number; memoryBytes: number };
  volumes: VolumeManagerApi;
  buildContainerConfig: BuildContainerConfig;
  sources: ConfigSources;
  recorder: EventRecorder;
  crashBackoff: Backoff;
  pullBackoff: Backoff;
  /** Readiness/liveness/startup answers for running container instances. */
  probes: {
    unhealthyReason(podUid: string, name: string, id: string): string | undefined;
    isReady(podUid: string, name: string, id: string): boolean;
    isStarted(podUid: string, name: string, id: string): boolean;
    updateContainer(podUid: string, name: string, info: { id: string; startedAt?: Date; podIP?: string; running: boolean }): void;
  };
  serviceEnv(pod: Pod): { name: string; value: string }[];
  dnsConfig(pod: Pod): { servers: string[]; searches: string[]; options: string[] } | undefined;
  /** Writes the pod's status when it changed. */
  reportStatus(pod: Pod, status: NonNullable<Pod['status']>): Promise<void>;
  /** Finishes a graceful deletion once the pod's containers are gone. */
  finalizeDeletion(pod: Pod): Promise<void>;
  /** Asks for another sync of this pod after a delay (backoffs, retries). */
  requeueAfter(podUid: string, ms: number): void;
  now(): Date;
}

function involved(pod: Pod, container?: string): InvolvedObject {
  return {
    apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid,
    resourceVersion: pod.metadata?.resourceVersion, ...(container ? { fieldPath: `spec.containers{${container}}` } : {}),
  };
}

/** How long ErrImagePull is reported before the status turns to ImagePullBackOff. */
const ERR_IMAGE_PULL_SHOWN_MS = 3000;

export class PodWorker {
  /** Why containers are not running, kept between syncs for status. */
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly deps: PodWorkerDeps, readonly uid: string) {}

  private backoffKey(name: string): string {
    return `${this.uid}/${name}`;
  }

  async state(): Promise<PodRuntimeState> {
    const labels = { [LABEL_CLUSTER]: this.deps.clusterName, [LABEL_NODE]: this.deps.nodeName, [LABEL_POD_UID]: this.uid };
    const [sandboxes, containers] = await Promise.all([
      this.deps.runtime.listSandboxes({ labels }),
      this.deps.runtime.listContainers({ labels }),
    ]);
    return { sandboxes, containers };
  }

  /** Brings the pod's containers to what its spec wants, then reports status. `listed`: its state from a fresh node-wide listing. */
  async sync(pod: Pod, listed?: PodRuntimeState): Promise<void> {
    if (pod.metadata?.deletionTimestamp) {
      const drain = endpointDrainDelay(pod, this.deps.now().getTime());
      if (drain > 0) await new Promise((r) => setTimeout(r, drain));
      await this.terminate(pod, pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
      await this.deps.finalizeDeletion(pod);
      return;
    }
    const d = this.deps;
    const now = d.now().getTime();
    let state = listed ?? await this.state();
    const actions = computePodActions(pod, state, {
      now,
      inBackoff: (name) => d.crashBackoff.isInBackoff(this.backoffKey(name), now),
      unhealthy: (name, id) => d.probes.unhealthyReason(this.uid, name, id),
    });
    // A finished pod waits for nothing: its exited containers report how they ended (e.g. a failed start
    // under restartPolicy Never is terminated ContainerCannotRun, not still RunContainerError).
    if (actions.terminal) for (const c of state.containers) if (c.state === 'exited') this.waiting.delete(c.name);

    for (const k of actions.kill) {
      const spec = findContainer(pod, k.name);
      if (k.reason === 'Unhealthy') d.recorder.event(involved(pod, k.name), 'Normal', 'Killing', `Container ${k.name} failed ${/startup/i.test(k.message) ? 'startup' : 'liveness'} probe, will be restarted`);
      else d.recorder.event(involved(pod, k.name), 'Normal', 'Killing', k.message);
      await this.killContainer(pod, k.id, spec, pod.spec?.terminationGracePeriodSeconds ?? 30);
    }
    if (actions.kill.length) state = await this.state();

    // Volumes and the first containers' images are looked at while the engine creates and starts the sandbox (its
    // network setup is most of a pod's start), so the first container is created as soon as the sandbox runs.
    const volumesSetUp = d.volumes.setUp(pod);
    volumesSetUp.catch(() => undefined);
    const images = new Map<string, Promise<ImageInfo | undefined>>();
    if (actions.createSandbox) {
      for (const start of actions.start) {
        const image = findContainer(pod, start.name)?.image ?? '';
        if (!images.has(image)) images.set(image, d.runtime.imageStatus(image));
        if (start.init) break;
      }
      for (const p of images.values()) p.catch(() => undefined);
      const sandbox = await this.createSandbox(pod, actions.sandboxAttempt, state);
      if (!sandbox) {
        await this.report(pod, await this.state());
        return;
      }
      // The previous sandboxes went with their containers: the new sandbox is all there is (no relist on the hot path).
      state = { sandboxes: [sandbox], containers: [] };
    }

    let volumes;
    try {
      volumes = await volumesSetUp;
    } catch (err) {
      if (err instanceof VolumeSetupError) {
        d.recorder.event(involved(pod), 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${err.volume}" : ${err.message}`);
        for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) this.waiting.set(c.name, { reason: 'ContainerCreating' });
        await this.report(pod, actions.createSandbox ? await this.state() : state);
        d.requeueAfter(this.uid, 2000);
        return;
      }
      throw err;
    }

    for (const name of actions.backingOff) {
      const remaining = d.crashBackoff.remaining(this.backoffKey(name), now);
      const seconds = Math.round(d.crashBackoff.period(this.backoffKey(name)) / 1000);
      this.waiting.set(name, { reason: 'CrashLoopBackOff', message: `back-off ${humanSeconds(seconds)} restarting failed container=${name} pod=${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${this.uid})` });
      d.recorder.event(involved(pod, name), 'Warning', 'BackOff', 'Back-off restarting failed container');
      d.requeueAfter(this.uid, remaining + 50);
    }

    const sandbox = readySandbox(state);
    let started = false;
    for (const start of actions.start) {
      if (!sandbox) break;
      started = true;
      await this.startContainer(pod, start, sandbox.id, sandbox.ip, volumes, images.get(findContainer(pod, start.name)?.image ?? ''));
      // Init containers run one at a time: the next sync looks at how this one ended.
      if (start.init) break;
    }
    // A sync that changed nothing in the engine reports what it read: a resync of a running pod costs no relist.
    const changed = started || actions.createSandbox || actions.kill.length > 0;
    await this.report(pod, changed ? await this.state() : state);
  }

  /** `old` is the state the plan was made from (fresh: read at the start of this sync), so no relist is needed here. */
  private async createSandbox(pod: Pod, attempt: number, old: PodRuntimeState): Promise<SandboxStatus | undefined> {
    const d = this.deps;
    const spec = pod.spec ?? { containers: [] };
    const reason = spec.initContainers?.length ? 'PodInitializing' : 'ContainerCreating';
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) this.waiting.set(c.name, { reason });
    try {
      for (const s of old.sandboxes) await d.runtime.removeSandbox(s.id).catch(() => undefined);
      return await d.runtime.runSandbox({
        podUid: this.uid, podName: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', attempt,
        hostname: (pod.spec?.hostname ?? pod.metadata?.name ?? '').slice(0, 63),
        network: d.network, hostNetwork: pod.spec?.hostNetwork === true,
        dns: d.dnsConfig(pod),
        hostAliases: (pod.spec?.hostAliases ?? []).map((h) => ({ ip: h.ip ?? '', hostnames: [...(h.hostnames ?? [])] })),
        portMappings: spec.containers.flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort).map((p) => ({
          containerPort: p.containerPort, hostPort: p.hostPort ?? 0, hostIP: p.hostIP, protocol: (p.protocol ?? 'TCP') as 'TCP' | 'UDP' | 'SCTP',
        }))),
        labels: { [LABEL_CLUSTER]: d.clusterName, [LABEL_NODE]: d.nodeName },
      });
    } catch (err) {
      const msg = (err as Error).message;
      d.recorder.event(involved(pod), 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${msg}`);
      d.requeueAfter(this.uid, 5000);
      return undefined;
    }
  }

  /** The image's info when it is there to run (present, or pulled), false otherwise. `inspected`: a look already under way. */
  private async ensureImage(pod: Pod, c: Container, inspected?: Promise<ImageInfo | undefined>): Promise<ImageInfo | undefined | false> {
    const d = this.deps;
    const image = c.image ?? '';
    const policy = pullPolicyOf(c);
    const present = await (inspected ?? d.runtime.imageStatus(image));
    const key = `${this.uid}/${c.name}/image`;
    if (policy === 'Never') {
      if (present) return present;
      this.waiting.set(c.name, { reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` });
      d.recorder.event(involved(pod, c.name), 'Warning', 'ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
      return false;
    }
    if (present && policy === 'IfNotPresent') {
      d.recorder.event(involved(pod, c.name), 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return present;
    }
    const now = d.now().getTime();
    if (d.pullBackoff.isInBackoff(key, now)) {
      const prev = this.waiting.get(c.name);
      // Right after a failed pull the error itself stays on show (other events may re-sync the pod at once).
      const since = d.pullBackoff.sinceLastFailure(key, now);
      if (prev?.reason === 'ErrImagePull' && since < ERR_IMAGE_PULL_SHOWN_MS) {
        d.requeueAfter(this.uid, ERR_IMAGE_PULL_SHOWN_MS - since + 50);
        return false;
      }
      this.waiting.set(c.name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"${prev?.message && prev.reason !== 'ImagePullBackOff' ? `: ${prev.message}` : prev?.reason === 'ImagePullBackOff' ? prev.message?.replace(/^Back-off pulling image "[^"]*"/, '') ?? '' : ''}` });
      d.recorder.event(involved(pod, c.name), 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
      d.requeueAfter(this.uid, d.pullBackoff.remaining(key, now) + 50);
      return false;
    }
    d.recorder.event(involved(pod, c.name), 'Normal', 'Pulling', `Pulling image "${image}"`);
    const started = Date.now();
    try {
      const auth: RegistryAuth | undefined = await registryAuthFor(image, pod, d.sources);
      await d.runtime.pullImage(image, auth);
      d.pullBackoff.forget(key);
      d.recorder.event(involved(pod, c.name), 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${Date.now() - started}ms`);
      return undefined;
    } catch (err) {
      const msg = err instanceof ImagePullError ? err.message : (err as Error).message;
      d.pullBackoff.next(key, now);
      this.waiting.set(c.name, { reason: 'ErrImagePull', message: msg });
      d.recorder.event(involved(pod, c.name), 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`);
      d.recorder.event(involved(pod, c.name), 'Warning', 'Failed', 'Error: ErrImagePull');
      // Look again within the back-off: the container then shows ImagePullBackOff, as the kubelet reports it.
      d.requeueAfter(this.uid, ERR_IMAGE_PULL_SHOWN_MS + 50);
      return false;
    }
  }

  private async startContainer(pod: Pod, start: StartAction, sandboxId: string, podIP: string | undefined, volumes: Awaited<ReturnType<VolumeManagerApi['setUp']>>, image?: Promise<ImageInfo | undefined>): Promise<void> {
    const d = this.deps;
    const c = findContainer(pod, start.name);
    if (!c) return;
    if (start.restartOf) {
      d.crashBackoff.resetIfRanLongEnough(this.backoffKey(c.name), start.restartOf.startedAt?.getTime() ?? 0, start.restartOf.finishedAt?.getTime() ?? 0);
      d.crashBackoff.next(this.backoffKey(c.name), d.now().getTime());
    }
    const ensured = await this.ensureImage(pod, c, image);
    if (ensured === false) return;
    let id: string | undefined;
    try {
      // Reuse the inspect ensureImage already made; only a fresh pull needs another look.
      const info = ensured ?? await d.runtime.imageStatus(c.image ?? '');
      const cfg = await d.buildContainerConfig({
        pod, container: c, attempt: start.attempt, podIP, hostIP: d.hostIP, nodeName: d.nodeName, nodeAllocatable: d.nodeAllocatable,
        volumes, sources: d.sources, serviceEnv: d.serviceEnv(pod), labels: { [LABEL_CLUSTER]: d.clusterName, [LABEL_NODE]: d.nodeName }, imageUser: info?.user,
      });
      id = await d.runtime.createContainer(sandboxId, cfg);
      d.recorder.event(involved(pod, c.name), 'Normal', 'Created', `Created container ${c.name}`);
      await d.runtime.startContainer(id);
      d.recorder.event(involved(pod, c.name), 'Normal', 'Started', `Started container ${c.name}`);
      this.waiting.delete(c.name);
    } catch (err) {
      const msg = (err as Error).message;
      if (err instanceof ContainerConfigError) {
        this.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: msg });
        d.recorder.event(involved(pod, c.name), 'Warning', 'Failed', `Error: ${msg}`);
        d.requeueAfter(this.uid, 2000);
        return;
      }
      this.waiting.set(c.name, { reason: id ? 'RunContainerError' : 'CreateContainerError', message: msg });
      d.recorder.event(involved(pod, c.name), 'Warning', 'Failed', `Error: ${msg}`);
      d.requeueAfter(this.uid, 1000);
      return;
    }
    if (c.lifecycle?.postStart && id) {
      const err = await runHook(d.runtime, id, c.lifecycle.postStart, podIP, c, 30_000);
      if (err) {
        d.recorder.event(involved(pod, c.name), 'Warning', 'FailedPostStartHook', err);
        await this.killContainer(pod, id, c, pod.spec?.terminationGracePeriodSeconds ?? 30);
      }
    }
  }

  /** preStop hook, then the stop signal, then SIGKILL after the grace period. */
  private async killContainer(pod: Pod, id: string, c: Container | undefined, graceSeconds: number): Promise<void> {
    const d = this.deps;
    const deadline = Date.now() + graceSeconds * 1000;
    if (c?.lifecycle?.preStop) {
      const sandbox = readySandbox(await this.state());
      const err = await runHook(d.runtime, id, c.lifecycle.preStop, sandbox?.ip, c, graceSeconds * 1000);
      if (err) d.recorder.event(involved(pod, c.name), 'Warning', 'FailedPreStopHook', err);
    }
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    await d.runtime.stopContainer(id, left).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  /** Stops every container (in parallel, each with the grace period) and removes the pod from the engine. */
  async terminate(pod: Pod | undefined, graceSeconds: number): Promise<void> {
    const d = this.deps;
    const state = await this.state();
    const running = state.containers.filter((c) => c.state === 'running');
    await Promise.all(running.map(async (c) => {
      if (pod) d.recorder.event(involved(pod, c.name), 'Normal', 'Killing', `Stopping container ${c.name}`);
      await this.killContainer(pod ?? ({} as Pod), c.id, pod ? findContainer(pod, c.name) : undefined, graceSeconds);
    }));
    for (const c of state.containers) await d.runtime.removeContainer(c.id).catch(() => undefined);
    for (const s of state.sandboxes) {
      await d.runtime.stopSandbox(s.id, 0).catch(() => undefined);
      await d.runtime.removeSandbox(s.id).catch(() => undefined);
    }
    await d.volumes.tearDown(this.uid);
  }

  private async report(pod: Pod, state: PodRuntimeState): Promise<void> {
    const d = this.deps;
    const sandbox = readySandbox(state);
    for (const c of latestByName(state.containers).values()) {
      d.probes.updateContainer(this.uid, c.name, { id: c.id, startedAt: c.startedAt, podIP: sandbox?.ip, running: c.state === 'running' });
      if (c.state === 'running' && this.waiting.get(c.name)?.reason !== 'CrashLoopBackOff') this.waiting.delete(c.name);
    }
    const status = generatePodStatus({
      pod, state, waiting: this.waiting,
      ready: (name, id) => d.probes.isReady(this.uid, name, id),
      started: (name, id) => d.probes.isStarted(this.uid, name, id),
      hostIP: d.hostIP, now: d.now(),
    });
    await d.reportStatus(pod, status);
  }

  /** Exited containers beyond the newest two of each name are removed (logs --previous needs one). */
  async pruneDeadContainers(state: PodRuntimeState): Promise<void> {
    const byName = new Map<string, ContainerStatus[]>();
    for (const c of state.containers) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
    for (const list of byName.values()) {
      const dead = list.filter((c) => c.state === 'exited').sort((a, b) => b.attempt - a.attempt);
      const newest = Math.max(...list.map((c) => c.attempt));
      for (const c of dead.filter((x) => x.attempt < newest - 1)) await this.deps.runtime.removeContainer(c.id).catch(() => undefined);
    }
  }
}

function findContainer(pod: Pod, name: string): Container | undefined {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === name);
}

function humanSeconds(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m}m${s % 60}s` : `${m}m0s`;
}

export type { KObject };
