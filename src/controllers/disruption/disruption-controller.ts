/**
 * The disruption controller: keeps each PodDisruptionBudget's status (expectedPods,
 * desiredHealthy, currentHealthy, disruptionsAllowed, DisruptionAllowed condition) in step with
 * the pods it selects, so the eviction subresource can allow or refuse evictions.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { isConflict, isNotFound } from '../../api/machinery/errors.js';
import { deepEqual, keyFor, type KObject } from '../../api/machinery/object.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { budgetSelects, budgetStatus, type ControllerRef } from './plan.js';

const FIELD_MANAGER = 'skiff-controller-manager';

function withoutTimes(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v ?? {}, (k, x: unknown) => (k === 'lastTransitionTime' ? undefined : x)));
}

export class DisruptionController {
  readonly queue = new WorkQueue('disruption', 100, 30_000);
  private readonly pdbs: Informer;
  private readonly pods: Informer;
  private readonly replicaSets: Informer;
  private readonly deployments: Informer;
  private readonly statefulSets: Informer;
  private running = true;

  constructor(private readonly client: KubeClient) {
    this.pdbs = new Informer(client, Refs.poddisruptionbudgets);
    this.pods = new Informer(client, Refs.pods);
    this.replicaSets = new Informer(client, Refs.replicasets);
    this.deployments = new Informer(client, Refs.deployments);
    this.statefulSets = new Informer(client, Refs.statefulsets);
    const enqueue = (o: KObject): void => this.queue.add(keyFor(o));
    this.pdbs.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });
    const podChanged = (p: KObject): void => {
      for (const b of this.pdbs.list()) if (budgetSelects(b as PodDisruptionBudget, p as Pod)) enqueue(b);
    };
    this.pods.addEventHandler({
      onAdd: podChanged,
      onUpdate: (o, n) => { podChanged(o); podChanged(n); },
      onDelete: podChanged,
    });
    // A scale change changes expectedPods of percentage and maxUnavailable budgets.
    const scaleChanged = (o: KObject): void => {
      for (const b of this.pdbs.list()) if (b.metadata.namespace === o.metadata.namespace) enqueue(b);
    };
    for (const inf of [this.replicaSets, this.deployments, this.statefulSets]) inf.addEventHandler({ onUpdate: (_o, n) => scaleChanged(n) });
  }

  start(): void {
    for (const i of [this.pdbs, this.pods, this.replicaSets, this.deployments, this.statefulSets]) i.start();
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    for (const i of [this.pdbs, this.pods, this.replicaSets, this.deployments, this.statefulSets]) i.stop();
  }

  private scaleOf(namespace: string, ref: ControllerRef): number | undefined {
    const replicas = (o: KObject | undefined): number | undefined => (o ? ((o.spec as { replicas?: number } | undefined)?.replicas ?? 1) : undefined);
    if (ref.kind === 'StatefulSet') return replicas(this.statefulSets.get(`${namespace}/${ref.name}`));
    if (ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.replicaSets.get(`${namespace}/${ref.name}`);
    if (!rs) return undefined;
    const owner = rs.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'Deployment');
    if (owner) return replicas(this.deployments.get(`${namespace}/${owner.name}`));
    return replicas(rs);
  }

  private async run(): Promise<void> {
    await Promise.all([this.pdbs, this.pods, this.replicaSets, this.deployments, this.statefulSets].map((i) => i.waitForSync()));
    while (this.running) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.sync(key);
        this.queue.forget(key);
      } catch (err) {
        if (!isNotFound(err)) this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async sync(key: string): Promise<void> {
    const pdb = this.pdbs.get(key) as (KObject & PodDisruptionBudget) | undefined;
    if (!pdb) return;
    const ns = pdb.metadata?.namespace ?? '';
    const pods = (this.pods.list() as Pod[]).filter((p) => p.metadata?.namespace === ns);
    const status = budgetStatus(pdb, pods, (n, r) => this.scaleOf(n, r), Date.now());
    if (deepEqual(withoutTimes(status), withoutTimes(pdb.status))) return;
    try {
      await this.client.updateStatus(Refs.poddisruptionbudgets, { ...(pdb as KObject), status: JSON.parse(JSON.stringify(status)) as unknown }, { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!isConflict(err)) throw err;
      this.queue.addAfter(key, 100);
    }
    // Granted evictions expire after two minutes; look again then.
    if (status.disruptedPods) this.queue.addAfter(key, 120_000);
  }
}
