/** The service account controller: every active namespace has a `default` ServiceAccount. */
import type { KObject } from '../../api/machinery/object.js';
import { isAlreadyExists, isNotFound } from '../../api/machinery/errors.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** Pure: whether a namespace needs its default ServiceAccount created. */
export function needsDefaultServiceAccount(ns: KObject | undefined, existing: KObject | undefined): boolean {
  return !!ns && !ns.metadata.deletionTimestamp && !existing;
}

export class ServiceAccountController {
  private readonly queue = new WorkQueue('serviceaccount');
  private readonly namespaces: Informer;
  private readonly accounts: Informer;
  private running = true;

  constructor(private readonly client: KubeClient) {
    this.namespaces = new Informer(client, Refs.namespaces);
    this.accounts = new Informer(client, Refs.serviceaccounts, { fieldSelector: `metadata.name=${DEFAULT_SERVICE_ACCOUNT}` });
    this.namespaces.addEventHandler({ onAdd: (n) => this.queue.add(n.metadata.name ?? '') });
    this.accounts.addEventHandler({ onDelete: (sa) => this.queue.add(sa.metadata.namespace ?? '') });
  }

  start(): void {
    this.namespaces.start();
    this.accounts.start();
    void this.worker();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    this.namespaces.stop();
    this.accounts.stop();
  }

  private async worker(): Promise<void> {
    await Promise.all([this.namespaces.waitForSync(), this.accounts.waitForSync()]);
    while (this.running) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.sync(key);
        this.queue.forget(key);
      } catch {
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.get(namespace);
    if (!needsDefaultServiceAccount(ns, this.accounts.get(`${namespace}/${DEFAULT_SERVICE_ACCOUNT}`))) return;
    try {
      await this.client.create(Refs.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } }, { fieldManager: 'skiff-serviceaccount-controller' });
    } catch (err) {
      // Terminating or vanished namespaces need no account.
      if (!isAlreadyExists(err) && !isNotFound(err) && (err as { code?: number }).code !== 403) throw err;
    }
  }
}
