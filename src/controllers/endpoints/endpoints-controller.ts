/**
 * The Endpoints controller: keeps one Endpoints object per Service with a selector, listing the
 * addresses of its pods (plan.ts decides which and how). Services without a selector keep the
 * Endpoints their users write. Handlers only enqueue Service keys; a sync writes at most one object.
 */
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../api/machinery/errors.js';
import { deepEqual, keyFor, splitKey, type KObject } from '../../api/machinery/object.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { SharedInformer } from '../replicaset/replicaset-controller.js';
import { desiredSubsets, selectorOf, serviceLabels, servicesSelecting } from './plan.js';

export const FIELD_MANAGER = 'endpoint-controller';

export type EndpointsClient = Pick<KubeClient, 'create' | 'update' | 'delete'>;

export interface EndpointsControllerDeps {
  client: EndpointsClient;
  services: SharedInformer<KObject>;
  pods: SharedInformer<KObject>;
  endpoints: SharedInformer<KObject>;
  workers?: number;
}

export class EndpointsController {
  readonly queue = new WorkQueue('endpoint');
  private running = true;

  static forClient(client: KubeClient, shared: { services: Informer; pods: Informer }): EndpointsController {
    return new EndpointsController({ client, services: shared.services, pods: shared.pods, endpoints: new Informer(client, Refs.endpoints) });
  }

  constructor(private readonly deps: EndpointsControllerDeps) {
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
    // A changed or deleted Endpoints object of a selector Service is put back.
    deps.endpoints.addEventHandler({
      onUpdate: (_o, e) => this.queue.add(keyFor(e)),
      onDelete: (e) => this.queue.add(keyFor(e)),
    });
  }

  /** The Services in a pod's namespace whose selector matches its old or new labels. */
  private enqueueServicesOf(...pods: Pod[]): void {
    for (const s of servicesSelecting(this.deps.services.list() as Service[], pods)) this.queue.add(keyFor(s as KObject));
  }

  start(): void {
    this.deps.services.start();
    this.deps.pods.start();
    this.deps.endpoints.start();
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    this.deps.endpoints.stop();
  }

  async run(): Promise<void> {
    await Promise.all([this.deps.services.waitForSync(), this.deps.pods.waitForSync(), this.deps.endpoints.waitForSync()]);
    await Promise.all(Array.from({ length: this.deps.workers ?? 2 }, async () => {
      while (this.running && (await this.queue.processNextWorkItem((key) => this.syncHandler(key))));
    }));
  }

  /** Overridable in tests. */
  syncHandler = (key: string): Promise<void> => this.syncService(key);

  async syncService(key: string): Promise<void> {
    const svc = this.deps.services.get(key) as (Service & KObject) | undefined;
    const current = this.deps.endpoints.get(key) as (Endpoints & KObject) | undefined;
    const { namespace, name } = splitKey(key);
    if (!svc) {
      // The Service is gone: so are the Endpoints this controller kept for it.
      if (current) await this.deps.client.delete(Refs.endpoints, namespace, name).catch((err: unknown) => { if (!isNotFound(err)) throw err; });
      return;
    }
    if (!selectorOf(svc)) return;
    const pods = this.deps.pods.list().filter((p) => p.metadata.namespace === namespace) as Pod[];
    const subsets = desiredSubsets(svc, pods);
    const labels = serviceLabels(svc);
    if (current && deepEqual(current.subsets ?? [], subsets) && deepEqual(current.metadata.labels ?? {}, labels)) return;
    const desired: KObject = {
      apiVersion: 'v1', kind: 'Endpoints',
      metadata: { name, namespace, labels, ...(current ? { resourceVersion: current.metadata.resourceVersion, annotations: current.metadata.annotations } : {}) },
      subsets,
    };
    if (current) await this.deps.client.update(Refs.endpoints, desired, { fieldManager: FIELD_MANAGER });
    else await this.deps.client.create(Refs.endpoints, desired, { fieldManager: FIELD_MANAGER });
  }
}
