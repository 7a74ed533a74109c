/**
 * The node lifecycle controller: watches node Leases, marks a node whose Lease has not been
 * renewed within the grace period Unknown (and its pods not Ready), keeps the not-ready,
 * unreachable and unschedulable taints in step with each node, and deletes pods from
 * NoExecute-tainted nodes once their tolerations run out. plan.ts decides; this file only
 * watches, queues and writes.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../api/machinery/errors.js';
import { keyFor, type KObject } from '../../api/machinery/object.js';
import { EventRecorder } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { desiredTaints, planNodeHealth, planTaintEviction, podStatusNotReady, readyStatus, sameTaints } from './plan.js';

export const COMPONENT = 'node-controller';
const FIELD_MANAGER = 'skiff-controller-manager';

export interface NodeLifecycleOptions {
  /** How long a Lease may go unrenewed before the node is Unknown (Kubernetes: 40 s). */
  gracePeriodMs?: number;
  /** How often every node is checked (Kubernetes: 5 s). */
  monitorPeriodMs?: number;
  now?: () => number;
}

export class NodeLifecycleController {
  readonly queue = new WorkQueue('nodelifecycle', 200, 30_000);
  private readonly nodes: Informer;
  private readonly leases: Informer;
  private readonly pods: Informer;
  private readonly recorder: EventRecorder;
  /** When this controller last saw each node's heartbeat change (its own clock, as Kubernetes does). */
  private readonly lastSeen = new Map<string, { lease: string; status: string; at: number }>();
  private readonly grace: number;
  private readonly period: number;
  private readonly now: () => number;
  private monitor?: NodeJS.Timeout;
  private running = true;

  constructor(private readonly client: KubeClient, opts: NodeLifecycleOptions = {}) {
    this.grace = opts.gracePeriodMs ?? 40_000;
    this.period = opts.monitorPeriodMs ?? Math.min(5000, Math.max(500, this.grace / 4));
    this.now = opts.now ?? Date.now;
    this.nodes = new Informer(client, Refs.nodes);
    this.leases = new Informer(client, Refs.leases, { namespace: 'kube-node-lease' });
    this.pods = new Informer(client, Refs.pods);
    this.recorder = new EventRecorder(client, { component: COMPONENT });
    this.nodes.addEventHandler({
      onAdd: (n) => this.onNode(n as Node),
      onUpdate: (o, n) => {
        this.onNode(n as Node);
        // New taints or a recovered node change what its pods must do.
        if (!sameTaints((o as Node).spec?.taints, (n as Node).spec?.taints)) this.enqueuePodsOn(n.metadata.name ?? '');
      },
      onDelete: (n) => this.lastSeen.delete(n.metadata.name ?? ''),
    });
    this.leases.addEventHandler({ onAdd: (l) => this.onLease(l), onUpdate: (_o, l) => this.onLease(l) });
    this.pods.addEventHandler({
      onAdd: (p) => this.enqueuePod(p as Pod),
      onUpdate: (_o, p) => this.enqueuePod(p as Pod),
    });
  }

  start(): void {
    this.nodes.start();
    this.leases.start();
    this.pods.start();
    this.monitor = setInterval(() => {
      for (const n of this.nodes.list()) this.queue.add(`node/${n.metadata.name ?? ''}`);
    }, this.period);
    this.monitor.unref();
    void this.run();
  }

  stop(): void {
    this.running = false;
    if (this.monitor) clearInterval(this.monitor);
    this.queue.shutDown();
    this.nodes.stop();
    this.leases.stop();
    this.pods.stop();
  }

  private seen(name: string, field: 'lease' | 'status', value: string): void {
    const prev = this.lastSeen.get(name);
    if (!prev) this.lastSeen.set(name, { lease: '', status: '', [field]: value, at: this.now() });
    else if (prev[field] !== value) this.lastSeen.set(name, { ...prev, [field]: value, at: this.now() });
  }

  private onNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    // A status the node agent posted (its Ready heartbeat) counts as much as a Lease renewal.
    const hb = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (hb?.status !== 'Unknown') this.seen(name, 'status', hb?.lastHeartbeatTime ?? '');
    this.queue.add(`node/${name}`);
  }

  private onLease(lease: KObject): void {
    const name = lease.metadata.name ?? '';
    this.seen(name, 'lease', (lease.spec as { renewTime?: string } | undefined)?.renewTime ?? '');
    this.queue.add(`node/${name}`);
  }

  private enqueuePod(pod: Pod): void {
    if (pod.spec?.nodeName && !pod.metadata?.deletionTimestamp) this.queue.add(`pod/${keyFor(pod as KObject)}`);
  }

  private enqueuePodsOn(node: string): void {
    for (const p of this.pods.list() as Pod[]) if (p.spec?.nodeName === node) this.enqueuePod(p);
  }

  private async run(): Promise<void> {
    await Promise.all([this.nodes.waitForSync(), this.leases.waitForSync(), this.pods.waitForSync()]);
    while (this.running) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        if (key.startsWith('node/')) await this.syncNode(key.slice(5));
        else await this.syncPod(key.slice(4));
        this.queue.forget(key);
      } catch (err) {
        if (!isNotFound(err)) this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async syncNode(name: string): Promise<void> {
    let node = this.nodes.get(name) as Node | undefined;
    if (!node) return;
    if (!this.lastSeen.has(name)) this.lastSeen.set(name, { lease: '', status: '', at: this.now() });
    const conditions = planNodeHealth(node, this.lastSeen.get(name)?.at ?? this.now(), this.now(), this.grace);
    if (conditions) {
      const wasReady = readyStatus(node) === 'True';
      node = await this.client.updateStatus<Node & KObject>(Refs.nodes, { ...(node as KObject), status: { ...node.status, conditions } }, { fieldManager: FIELD_MANAGER });
      this.recorder.event({ apiVersion: 'v1', kind: 'Node', name, uid: name }, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      if (wasReady) await this.markPodsNotReady(name);
    }
    const taints = desiredTaints(node, this.now());
    if (!sameTaints(taints, node.spec?.taints)) {
      try {
        await this.client.update(Refs.nodes, { ...(node as KObject), spec: { ...node.spec, taints: taints.length ? taints : undefined } }, { fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (!isConflict(err)) throw err;
        this.queue.addAfter(`node/${name}`, 100);
      }
    }
  }

  /** Pods on a node that stopped reporting are no longer Ready (Services stop sending them traffic). */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    for (const p of this.pods.list() as Pod[]) {
      if (p.spec?.nodeName !== nodeName) continue;
      const status = podStatusNotReady(p, this.now());
      if (!status) continue;
      try {
        await this.client.updateStatus(Refs.pods, { ...(p as KObject), status }, { fieldManager: FIELD_MANAGER });
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
  }

  private async syncPod(key: string): Promise<void> {
    const pod = this.pods.get(key) as Pod | undefined;
    if (!pod?.spec?.nodeName || pod.metadata?.deletionTimestamp) return;
    const node = this.nodes.get(pod.spec.nodeName) as Node | undefined;
    if (!node) return;
    const plan = planTaintEviction(pod, node.spec?.taints ?? [], this.now());
    if (plan.action === 'wait') {
      this.queue.addAfter(`pod/${key}`, plan.ms + 50);
      return;
    }
    if (plan.action !== 'evict') return;
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    this.recorder.event({ apiVersion: 'v1', kind: 'Pod', namespace: ns, name, uid: pod.metadata?.uid }, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${name}`);
    try {
      await this.client.delete(Refs.pods, ns, name, { preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
