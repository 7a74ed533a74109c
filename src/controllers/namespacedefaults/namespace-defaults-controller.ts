/** Keeps the objects every namespace starts with in place, re-creating them if deleted. */
import type { KObject } from '../../api/machinery/object.js';
import { isAlreadyExists, isNotFound } from '../../api/machinery/errors.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { DEFAULT_SERVICE_ACCOUNT, ROOT_CA_CONFIGMAP, desiredObjects, missingObjects } from './desired-objects.js';

export class NamespaceDefaultsController {
  readonly queue = new WorkQueue('namespace-defaults');
  private readonly namespaces: Informer;
  private readonly accounts: Informer;
  private readonly configmaps: Informer;
  private running = true;

  constructor(private readonly client: KubeClient, private readonly caPem: string) {
    this.namespaces = new Informer(client, Refs.namespaces);
    this.accounts = new Informer(client, Refs.serviceaccounts, { fieldSelector: `metadata.name=${DEFAULT_SERVICE_ACCOUNT}` });
    this.configmaps = new Informer(client, Refs.configmaps, { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` });
    const byNamespace = (o: KObject): void => this.queue.add(o.metadata.namespace ?? '');
    this.namespaces.addEventHandler({ onAdd: (n) => this.queue.add(n.metadata.name ?? '') });
    this.accounts.addEventHandler({ onDelete: byNamespace });
    this.configmaps.addEventHandler({ onDelete: byNamespace, onUpdate: (_o, n) => byNamespace(n) });
  }

  start(): void {
    for (const i of [this.namespaces, this.accounts, this.configmaps]) i.start();
    void this.worker();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    for (const i of [this.namespaces, this.accounts, this.configmaps]) i.stop();
  }

  private async worker(): Promise<void> {
    await Promise.all([this.namespaces, this.accounts, this.configmaps].map((i) => i.waitForSync()));
    while (this.running && (await this.queue.processNextWorkItem((k) => this.sync(k)))) {
      // Each pass handles one key.
    }
  }

  private async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.get(namespace);
    if (!ns) return;
    const cache = (ref: typeof Refs.serviceaccounts): Informer => (ref === Refs.serviceaccounts ? this.accounts : this.configmaps);
    const missing = missingObjects(desiredObjects(ns, this.caPem), (d) => !!cache(d.ref).get(`${namespace}/${d.object.metadata.name ?? ''}`));
    for (const d of missing) {
      try {
        await this.client.create(d.ref, d.object, { fieldManager: 'skiff-controller-manager' });
      } catch (err) {
        // Terminating or vanished namespaces need nothing.
        if (!isAlreadyExists(err) && !isNotFound(err) && (err as { code?: number }).code !== 403) throw err;
      }
    }
  }
}
