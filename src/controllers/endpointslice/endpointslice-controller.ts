/**
 * The EndpointSlice controller, with the mirroring controller folded in: Services with a selector
 * get slices built from their pods; Services without one get slices mirrored from the Endpoints
 * their users write. Handlers only enqueue Service keys; plan.ts decides the slices and the writes.
 */
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isNotFound } from '../../api/machinery/errors.js';
import { keyFor, splitKey, type KObject } from '../../api/machinery/object.js';
import { SKIP_MIRROR_LABEL } from '../../api/servicenet/cluster-services.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { selectorOf, servicesSelecting } from '../endpoints/plan.js';
import type { SharedInformer } from '../replicaset/replicaset-controller.js';
import {
  CONTROLLER_NAME, MANAGED_BY_LABEL, MIRRORING_CONTROLLER_NAME, SERVICE_NAME_LABEL, desiredSlices, mirroredSlices, reconcileSlices,
} from './plan.js';

export const FIELD_MANAGER = 'endpointslice-controller';
/** How long a sync waits for slices it created to show up in the cache before trusting the cache again. */
const CREATE_EXPECTATION_MS = 5000;

export type EndpointSliceClient = Pick<KubeClient, 'create' | 'update' | 'delete'>;

export interface EndpointSliceControllerDeps {
  client: EndpointSliceClient;
  services: SharedInformer<KObject>;
  pods: SharedInformer<KObject>;
  endpoints: SharedInformer<KObject>;
  slices: SharedInformer<KObject>;
  workers?: number;
  now?: () => number;
}

export class EndpointSliceController {
  readonly queue = new WorkQueue('endpointslice');
  private running = true;
  /** Slices created per Service that the cache has not shown yet: a sync before then would create them twice. */
  private readonly pendingCreates = new Map<string, { names: string[]; until: number }>();

  static forClient(client: KubeClient, shared: { services: Informer; pods: Informer }): EndpointSliceController {
    return new EndpointSliceController({
      client, services: shared.services, pods: shared.pods,
      endpoints: new Informer(client, Refs.endpoints), slices: new Informer(client, Refs.endpointslices),
    });
  }

  constructor(private readonly deps: EndpointSliceControllerDeps) {
    deps.services.addEventHandler({
      onAdd: (s) => this.queue.add(keyFor(s)),
      onUpdate: (_o, s) => this.queue.add(keyFor(s)),
      onDelete: (s) => this.queue.add(keyFor(s)),
    });
    deps.pods.addEventHandler({
      onAdd: (p) => this.enqueueServicesOf(p as Pod),
      onUpdate: (o, n) => {
        if (o.metadata.resourceVersion === n.metadata.resourceVersion) return;
        this.enqueueServicesOf(o as Pod, n as Pod);
      },
      onDelete: (p) => this.enqueueServicesOf(p as Pod),
    });
    deps.endpoints.addEventHandler({
      onAdd: (e) => this.queue.add(keyFor(e)),
      onUpdate: (_o, e) => this.queue.add(keyFor(e)),
      onDelete: (e) => this.queue.add(keyFor(e)),
    });
    const sliceOwner = (s: KObject): void => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc) this.queue.add(`${s.metadata.namespace ?? ''}/${svc}`);
    };
    deps.slices.addEventHandler({ onAdd: sliceOwner, onUpdate: (_o, s) => sliceOwner(s), onDelete: sliceOwner });
  }

  private enqueueServicesOf(...pods: Pod[]): void {
    for (const s of servicesSelecting(this.deps.services.list() as Service[], pods)) this.queue.add(keyFor(s as KObject));
  }

  start(): void {
    this.deps.services.start();
    this.deps.pods.start();
    this.deps.endpoints.start();
    this.deps.slices.start();
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    this.deps.endpoints.stop();
    this.deps.slices.stop();
  }

  async run(): Promise<void> {
    await Promise.all([this.deps.services, this.deps.pods, this.deps.endpoints, this.deps.slices].map((i) => i.waitForSync()));
    await Promise.all(Array.from({ length: this.deps.workers ?? 2 }, async () => {
      while (this.running && (await this.queue.processNextWorkItem((key) => this.syncHandler(key))));
    }));
  }

  /** Overridable in tests. */
  syncHandler = (key: string): Promise<void> => this.syncService(key);

  private slicesOf(namespace: string | undefined, name: string, managedBy: string): (EndpointSlice & KObject)[] {
    return this.deps.slices.list().filter((s) => s.metadata.namespace === namespace
      && s.metadata.labels?.[SERVICE_NAME_LABEL] === name && s.metadata.labels?.[MANAGED_BY_LABEL] === managedBy) as (EndpointSlice & KObject)[];
  }

  async syncService(key: string): Promise<void> {
    const now = (this.deps.now ?? Date.now)();
    const pending = this.pendingCreates.get(key);
    if (pending) {
      const seen = pending.names.every((n) => this.deps.slices.get(`${splitKey(key).namespace ?? ''}/${n}`));
      if (!seen && now < pending.until) {
        this.queue.addAfter(key, 20);
        return;
      }
      this.pendingCreates.delete(key);
    }
    const { namespace, name } = splitKey(key);
    const svc = this.deps.services.get(key) as (Service & KObject) | undefined;
    const ours = this.slicesOf(namespace, name, CONTROLLER_NAME);
    const mirrored = this.slicesOf(namespace, name, MIRRORING_CONTROLLER_NAME);
    if (!svc) {
      await this.deleteAll([...ours, ...mirrored]);
      return;
    }
    let writes;
    if (selectorOf(svc)) {
      const pods = this.deps.pods.list().filter((p) => p.metadata.namespace === namespace) as Pod[];
      writes = reconcileSlices(svc, ours, desiredSlices(svc, pods), CONTROLLER_NAME);
      writes.delete.push(...mirrored);
    } else {
      const ep = this.deps.endpoints.get(key) as (Endpoints & KObject) | undefined;
      const mirror = ep && ep.metadata.labels?.[SKIP_MIRROR_LABEL] !== 'true';
      writes = reconcileSlices(svc, mirrored, mirror ? mirroredSlices(ep) : [], MIRRORING_CONTROLLER_NAME);
      writes.delete.push(...ours);
    }
    for (const s of writes.update) await this.deps.client.update(Refs.endpointslices, s, { fieldManager: FIELD_MANAGER });
    const created: string[] = [];
    try {
      for (const s of writes.create) created.push((await this.deps.client.create(Refs.endpointslices, s, { fieldManager: FIELD_MANAGER })).metadata.name ?? '');
    } finally {
      if (created.length) this.pendingCreates.set(key, { names: created, until: now + CREATE_EXPECTATION_MS });
    }
    await this.deleteAll(writes.delete);
  }

  private async deleteAll(slices: readonly KObject[]): Promise<void> {
    for (const s of slices) {
      await this.deps.client.delete(Refs.endpointslices, s.metadata.namespace, s.metadata.name ?? '').catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }
}
