/**
 * The node agent: registers its Node, renews its Lease, watches the pods bound to it and
 * keeps one serialized worker per pod in step with the runtime. Runtime events trigger syncs
 * at once; a periodic resync is only a safety net. It keeps no state it cannot rebuild from
 * the API and the engine, so a restarted agent re-adopts running pods.
 */
import { readFileSync } from 'node:fs';
import { cpus, freemem, hostname, release, totalmem } from 'node:os';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { deepEqual, type KObject } from '../api/machinery/object.js';
import { isConflict, isNotFound } from '../api/machinery/errors.js';
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import type { KubeClient } from '../client/rest-client.js';
import { Refs } from '../client/resources.js';
import { LABEL_CLUSTER, LABEL_NODE, LABEL_POD_UID, RuntimeUnavailableError, type Runtime } from '../runtime/runtime.js';
import { Backoff } from './backoff.js';
import type { BuildContainerConfig, ConfigSources, VolumeManagerApi } from './contracts.js';
import { hostHealth, nodeLabels, nodeStatus, type HostFacts } from './node-status.js';
import type { PodRuntimeState } from './pod-actions.js';
import { PodWorker, type PodWorkerDeps } from './pod-worker.js';

export interface ProbeManagerApi {
  addPod(pod: Pod): void;
  removePod(uid: string): void;
  unhealthyReason(podUid: string, name: string, id: string): string | undefined;
  isReady(podUid: string, name: string, id: string): boolean;
  isStarted(podUid: string, name: string, id: string): boolean;
  updateContainer(podUid: string, name: string, info: { id: string; startedAt?: Date; podIP?: string; running: boolean }): void;
  onChange(listener: (podUid: string) => void): void;
  stop(): void;
}

export interface NodeAgentOptions {
  client: KubeClient;
  runtime: Runtime;
  clusterName: string;
  nodeName: string;
  network: string;
  /** The node's address: the cluster network's gateway, reachable from pods and the host. */
  hostIP: string;
  /** Where the agent serves logs, exec, attach and port-forward for the API server. */
  agentUrl: string;
  agentPort: number;
  controlPlane: boolean;
  kubeletVersion: string;
  volumes: VolumeManagerApi;
  buildContainerConfig: BuildContainerConfig;
  probes: ProbeManagerApi;
  serviceEnv?: (pod: Pod) => { name: string; value: string }[];
  dnsConfig?: (pod: Pod) => { servers: string[]; searches: string[]; options: string[] } | undefined;
  resyncMs?: number;
  leaseDurationSeconds?: number;
  /** Told of every pod status the agent computes (pod start metrics). */
  onPodStatus?: (pod: Pod, status: NonNullable<Pod['status']>) => void;
}

const LEASE_RENEW_MS = 10_000;
/** Engine events that change what a pod's sync would see. */
const SYNC_ACTIONS = new Set(['start', 'die', 'oom', 'destroy', 'stop', 'pause', 'unpause']);
const NODE_STATUS_MS = 10_000;
/** The safety-net resync; engine events and API changes trigger syncs at once. Config volumes refresh with it. */
const RESYNC_MS = 20_000;
const NODE_STATUS_REPORT_MS = 60_000;

function withoutHeartbeats(status: unknown): unknown {
  return JSON.parse(JSON.stringify(status ?? {}, (k, v: unknown) => (k === 'lastHeartbeatTime' ? undefined : v)));
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readOr('/etc/os-release', ''));
  return m ? m[1] : 'Linux';
}

export class NodeAgent {
  private readonly workers = new Map<string, PodWorker>();
  private readonly busy = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, { pod: Pod | undefined; listed?: PodRuntimeState }>();
  /** When each pod's last sync ended (performance.now()): a listing older than that is stale for it. */
  private readonly syncedAt = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastStatus = new Map<string, unknown>();
  private readonly pods: Informer<KObject>;
  private readonly recorder: EventRecorder;
  private readonly deps: PodWorkerDeps;
  private readonly intervals: NodeJS.Timeout[] = [];
  private events?: { stop(): void };
  private runtimeReady = false;
  private runtimeMessage?: string;
  private runtimeVersion = 'docker://unknown';
  private stopped = false;
  private lastStatusReport = 0;
  private lease?: KObject;
  /** The pod informer's first listing was handed out: later additions are pods new to this node. */
  private podsListed = false;
  private machine?: Omit<HostFacts, 'runtimeVersion' | 'kubeletVersion' | 'internalIP' | 'agentPort' | 'maxPods'>;

  constructor(private readonly opts: NodeAgentOptions) {
    this.pods = new Informer(opts.client, Refs.pods, { fieldSelector: `spec.nodeName=${opts.nodeName}` });
    this.recorder = new EventRecorder(opts.client, { component: 'kubelet', host: opts.nodeName });
    const sources: ConfigSources = {
      configMap: (ns, name) => this.getOrUndefined(Refs.configmaps, ns, name),
      secret: (ns, name) => this.getOrUndefined(Refs.secrets, ns, name),
    };
    const capacity = { cpu: cpus().length, memoryBytes: totalmem() };
    this.deps = {
      runtime: opts.runtime, clusterName: opts.clusterName, nodeName: opts.nodeName, network: opts.network, hostIP: opts.hostIP,
      nodeAllocatable: capacity, volumes: opts.volumes, buildContainerConfig: opts.buildContainerConfig, sources,
      recorder: this.recorder, crashBackoff: new Backoff(), pullBackoff: new Backoff(), probes: opts.probes,
      serviceEnv: opts.serviceEnv ?? (() => []),
      dnsConfig: opts.dnsConfig ?? (() => undefined),
      reportStatus: (pod, status) => this.reportStatus(pod, status),
      finalizeDeletion: (pod) => this.finalizeDeletion(pod),
      requeueAfter: (uid, ms) => this.requeueAfter(uid, ms),
      now: () => new Date(),
    };
    opts.probes.onChange((uid) => this.enqueue(uid));
  }

  private async getOrUndefined(ref: typeof Refs.configmaps, ns: string, name: string): Promise<KObject | undefined> {
    try {
      return await this.opts.client.get(ref, ns, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async start(): Promise<void> {
    await this.checkRuntime();
    await this.registerNode();
    await this.renewLease();
    this.pods.addEventHandler({
      onAdd: (p) => this.onPod(p as Pod),
      // Status writes (most of them the agent's own) need no sync; spec and metadata changes do.
      onUpdate: (o, p) => {
        if (!podChangeNeedsSync(o as Pod, p as Pod)) return;
        this.onPod(p as Pod);
      },
      onDelete: (p) => this.onPodGone(p as Pod),
    });
    this.pods.start();
    this.events = this.opts.runtime.events((e) => {
      // Only state changes need a sync (as the kubelet's PLEG): exec probes, attach and the kill that precedes a die
      // would each cost a relist of the pod, and a sync started by `kill` delays the restart that `die` asks for.
      if (!SYNC_ACTIONS.has(e.action)) return;
      const uid = e.labels[LABEL_POD_UID];
      if (uid && e.labels[LABEL_NODE] === this.opts.nodeName) this.enqueue(uid);
    });
    // The kubelet renews at a quarter of the Lease's duration, so one late renewal never looks like a lost node.
    const renewMs = Math.min(LEASE_RENEW_MS, (this.opts.leaseDurationSeconds ?? 40) * 250);
    this.intervals.push(setInterval(() => void this.renewLease().catch(() => undefined), renewMs));
    this.intervals.push(setInterval(() => void this.updateNodeStatus().catch(() => undefined), NODE_STATUS_MS));
    this.intervals.push(setInterval(() => void this.resync().catch(() => undefined), this.opts.resyncMs ?? RESYNC_MS));
    for (const t of this.intervals) t.unref();
    await this.pods.waitForSync();
    this.podsListed = true;
    await this.cleanupOrphans();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.intervals) clearInterval(t);
    for (const t of this.timers.values()) clearTimeout(t);
    this.events?.stop();
    this.pods.stop();
    this.opts.probes.stop();
    await Promise.allSettled([...this.busy.values()]);
    await this.recorder.flush();
  }

  podByName(namespace: string, name: string): Pod | undefined {
    return this.pods.get(`${namespace}/${name}`) as Pod | undefined;
  }

  podState(uid: string): Promise<PodRuntimeState> {
    return this.workerFor(uid).state();
  }

  /** Stops every pod of this node (skiff down): containers go, API objects stay. */
  async stopAllPods(): Promise<void> {
    const state = await this.opts.runtime.listSandboxes({ labels: { [LABEL_CLUSTER]: this.opts.clusterName, [LABEL_NODE]: this.opts.nodeName } });
    const uids = new Set(state.map((s) => s.podUid));
    await Promise.all([...uids].map((uid) => this.workerFor(uid).terminate(undefined, 10)));
  }

  private async checkRuntime(): Promise<void> {
    try {
      const v = await this.opts.runtime.version();
      this.runtimeVersion = `${v.runtimeName}://${v.runtimeVersion}`;
      this.runtimeReady = true;
      this.runtimeMessage = undefined;
    } catch (err) {
      this.runtimeReady = false;
      this.runtimeMessage = err instanceof RuntimeUnavailableError ? err.message : (err as Error).message;
    }
  }

  private facts(): HostFacts {
    // The machine's identity is read once, as the kubelet reads its machine info at start; only the runtime's can change.
    this.machine ??= {
      cpus: cpus().length, memoryBytes: totalmem(), hostname: hostname(), kernelVersion: release(), osImage: osImage(),
      architecture: process.arch === 'x64' ? 'amd64' : process.arch, machineID: readOr('/etc/machine-id', 'unknown'),
      bootID: readOr('/proc/sys/kernel/random/boot_id', 'unknown'),
    };
    return {
      ...this.machine, runtimeVersion: this.runtimeVersion,
      kubeletVersion: this.opts.kubeletVersion, internalIP: this.opts.hostIP, agentPort: this.opts.agentPort, maxPods: 110,
    };
  }

  private desiredNode(existing?: KObject): KObject {
    const facts = this.facts();
    const health = hostHealth(this.runtimeReady, this.runtimeMessage, freemem(), 1, 0);
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        ...(existing?.metadata ?? {}),
        name: this.opts.nodeName,
        labels: { ...(existing?.metadata.labels ?? {}), ...nodeLabels(this.opts.nodeName, facts, this.opts.controlPlane) },
        annotations: { ...(existing?.metadata.annotations ?? {}), 'skiff.io/agent-url': this.opts.agentUrl },
      },
      spec: existing?.spec ?? {},
      status: nodeStatus(facts, health, (existing as Node | undefined)?.status, new Date()),
    };
  }

  private async registerNode(): Promise<void> {
    const client = this.opts.client;
    let existing: KObject | undefined;
    try {
      existing = await client.get(Refs.nodes, undefined, this.opts.nodeName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!existing) {
      const created = await client.create(Refs.nodes, this.desiredNode(), { fieldManager: 'kubelet' });
      this.recorder.event({ apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName, uid: this.opts.nodeName }, 'Normal', 'Starting', 'Starting kubelet.');
      existing = created;
    } else {
      const next = this.desiredNode(existing);
      existing = await client.update(Refs.nodes, next, { fieldManager: 'kubelet' });
    }
    await this.updateNodeStatus(existing);
  }

  private async updateNodeStatus(existing?: KObject): Promise<void> {
    if (this.stopped) return;
    await this.checkRuntime();
    const client = this.opts.client;
    for (let i = 0; i < 3; i++) {
      const cur = existing ?? await client.get(Refs.nodes, undefined, this.opts.nodeName);
      existing = undefined;
      const next = this.desiredNode(cur);
      // With a Lease as the heartbeat, an unchanged status is re-reported only every minute, as the kubelet does.
      if (Date.now() - this.lastStatusReport < NODE_STATUS_REPORT_MS && deepEqual(withoutHeartbeats(cur.status), withoutHeartbeats(next.status))) return;
      try {
        this.lastStatusReport = Date.now();
        await client.updateStatus(Refs.nodes, { ...next, metadata: { ...next.metadata, resourceVersion: cur.metadata.resourceVersion } }, { fieldManager: 'kubelet' });
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  private async renewLease(): Promise<void> {
    if (this.stopped) return;
    const client = this.opts.client;
    const now = new Date().toISOString().replace('Z', '000Z');
    const spec = { holderIdentity: this.opts.nodeName, leaseDurationSeconds: this.opts.leaseDurationSeconds ?? 40, renewTime: now };
    // As the kubelet does, the Lease last written is the base of the next renewal: only a conflict or a lost Lease costs a GET.
    for (let i = 0; i < 2; i++) {
      try {
        const cur = (i === 0 ? this.lease : undefined) ?? await client.get(Refs.leases, 'kube-node-lease', this.opts.nodeName);
        this.lease = await client.update(Refs.leases, { ...cur, spec: { ...(cur.spec as object), ...spec } }, { fieldManager: 'kubelet' });
        return;
      } catch (err) {
        this.lease = undefined;
        if (isConflict(err) && i === 0) continue;
        if (!isNotFound(err)) throw err;
        const node = await client.get(Refs.nodes, undefined, this.opts.nodeName);
        this.lease = await client.create(Refs.leases, {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
          metadata: { name: this.opts.nodeName, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName, uid: node.metadata.uid ?? '' }] },
          spec,
        }, { fieldManager: 'kubelet' });
        return;
      }
    }
  }

  private onPod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    this.opts.probes.addPod(pod);
    // A pod first bound after the initial listing, never synced and with no container reported, has nothing in the
    // engine yet: its first sync starts creating the sandbox without a listing. (Were it wrong, the sandbox's name
    // would clash, the create fail and the retry list as usual.)
    const isNew = this.podsListed && !this.workers.has(uid) && !this.syncedAt.has(uid) && !pod.status?.containerStatuses?.length;
    this.dispatch(uid, pod, isNew ? { sandboxes: [], containers: [] } : undefined);
  }

  private onPodGone(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    this.opts.probes.removePod(uid);
    this.dispatch(uid, undefined);
  }

  private enqueue(uid: string): void {
    const pod = this.pods.list().find((p) => p.metadata.uid === uid) as Pod | undefined;
    this.dispatch(uid, pod);
  }

  private requeueAfter(uid: string, ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(uid));
    const t = setTimeout(() => {
      this.timers.delete(uid);
      this.enqueue(uid);
    }, ms);
    t.unref();
    this.timers.set(uid, t);
  }

  private workerFor(uid: string): PodWorker {
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(this.deps, uid);
      this.workers.set(uid, w);
    }
    return w;
  }

  /** One sync per pod at a time; an update arriving meanwhile replaces any queued one (and its listing). */
  private dispatch(uid: string, pod: Pod | undefined, listed?: PodRuntimeState): void {
    if (this.stopped || !uid) return;
    this.pending.set(uid, { pod, listed });
    if (this.busy.has(uid)) return;
    const run = async (): Promise<void> => {
      while (this.pending.has(uid) && !this.stopped) {
        const next = this.pending.get(uid);
        this.pending.delete(uid);
        try {
          if (next?.pod) await this.workerFor(uid).sync(next.pod, next.listed);
          else await this.removePod(uid);
        } catch (err) {
          if (!this.stopped) this.requeueAfter(uid, 2000);
          void err;
        } finally {
          this.syncedAt.set(uid, performance.now());
        }
      }
      this.busy.delete(uid);
    };
    this.busy.set(uid, run());
  }

  private async removePod(uid: string): Promise<void> {
    const w = this.workerFor(uid);
    await w.terminate(undefined, 2);
    this.workers.delete(uid);
    this.lastStatus.delete(uid);
    this.syncedAt.delete(uid);
    this.deps.crashBackoff.retain((k) => !k.startsWith(`${uid}/`));
  }

  /**
   * The safety net: every pod synced from one listing of the node's containers (as the kubelet's relist), so an idle
   * node costs two engine calls per round, not a listing per pod. A pod whose sync ended after the listing began
   * (an event or an update came meanwhile) lists again itself.
   */
  private async resync(): Promise<void> {
    await this.checkRuntime();
    const listedAt = performance.now();
    const { sandboxes, containers } = await this.listNode();
    const byPod = new Map<string, PodRuntimeState>();
    const of = (uid: string): PodRuntimeState => {
      let s = byPod.get(uid);
      if (!s) byPod.set(uid, (s = { sandboxes: [], containers: [] }));
      return s;
    };
    for (const s of sandboxes) of(s.podUid).sandboxes.push(s);
    for (const c of containers) of(c.podUid).containers.push(c);
    for (const p of this.pods.list()) {
      const uid = p.metadata.uid ?? '';
      const fresh = !this.busy.has(uid) && (this.syncedAt.get(uid) ?? Number.POSITIVE_INFINITY) < listedAt;
      this.dispatch(uid, p as Pod, fresh ? byPod.get(uid) ?? { sandboxes: [], containers: [] } : undefined);
    }
    this.dispatchOrphans(sandboxes, containers);
  }

  private async listNode(): Promise<PodRuntimeState> {
    const labels = { [LABEL_CLUSTER]: this.opts.clusterName, [LABEL_NODE]: this.opts.nodeName };
    return this.opts.runtime.listAll({ labels });
  }

  /** Containers of this node whose pods no longer exist are removed (after a crash or while down). */
  private async cleanupOrphans(): Promise<void> {
    const { sandboxes, containers } = await this.listNode();
    this.dispatchOrphans(sandboxes, containers);
  }

  private dispatchOrphans(sandboxes: PodRuntimeState['sandboxes'], containers: PodRuntimeState['containers']): void {
    const known = new Set(this.pods.list().map((p) => p.metadata.uid));
    const orphaned = new Set([...sandboxes.map((s) => s.podUid), ...containers.map((c) => c.podUid)].filter((u) => u && !known.has(u)));
    for (const uid of orphaned) if (!this.busy.has(uid)) this.dispatch(uid, undefined);
  }

  private async reportStatus(pod: Pod, status: NonNullable<Pod['status']>): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    this.opts.onPodStatus?.(pod, status);
    const current = this.pods.list().find((p) => p.metadata.uid === uid) as Pod | undefined ?? pod;
    const merged = { ...status, conditions: mergeScheduled(status.conditions, current.status?.conditions) };
    if (deepEqual(this.lastStatus.get(uid), merged) && deepEqual(stripTimes(current.status), stripTimes(merged))) return;
    for (let i = 0; i < 3; i++) {
      try {
        const latest = i === 0 ? current : (await this.opts.client.get(Refs.pods, pod.metadata?.namespace, pod.metadata?.name ?? '')) as Pod;
        if (latest.metadata?.uid !== uid) return;
        await this.opts.client.updateStatus(Refs.pods, { ...(latest as KObject), status: { ...merged, conditions: mergeScheduled(status.conditions, latest.status?.conditions), qosClass: latest.status?.qosClass ?? merged.qosClass } } as KObject, { fieldManager: 'kubelet' });
        this.lastStatus.set(uid, merged);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
  }

  private async finalizeDeletion(pod: Pod): Promise<void> {
    try {
      await this.opts.client.delete(Refs.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}

/** Whether an update of a pod is more than a status write: spec, deletion, labels or annotations changed. */
export function podChangeNeedsSync(old: Pod, cur: Pod): boolean {
  const o = old.metadata ?? {};
  const c = cur.metadata ?? {};
  return !deepEqual(old.spec, cur.spec) || o.deletionTimestamp !== c.deletionTimestamp || o.deletionGracePeriodSeconds !== c.deletionGracePeriodSeconds
    || !deepEqual(o.labels, c.labels) || !deepEqual(o.annotations, c.annotations);
}

function mergeScheduled(next: NonNullable<Pod['status']>['conditions'], old: NonNullable<Pod['status']>['conditions']): NonNullable<Pod['status']>['conditions'] {
  const sched = old?.find((c) => c.type === 'PodScheduled');
  const rest = (next ?? []).filter((c) => c.type !== 'PodScheduled');
  return sched ? [sched, ...rest] : rest;
}

function stripTimes(s: unknown): unknown {
  return JSON.parse(JSON.stringify(s ?? {}, (k, v: unknown) => (k === 'lastProbeTime' ? undefined : v)));
}
