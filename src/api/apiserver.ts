/**
 * Assembles the API server: storage backend and watch cache, the object store, the HTTPS
 * listener with the cluster's certificates, and the objects every cluster starts with.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { loadOrCreatePki, type ClusterPki } from './auth/pki.js';
import { TokenAuthenticator } from './auth/tokens.js';
import { isAlreadyExists } from './machinery/errors.js';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { KObject } from './machinery/object.js';
import { RESOURCES, ResourceRegistry } from './registry/resources.js';
import { ObjectStore } from './registry/store.js';
import { prepareForCreate } from './registry/strategy.js';
import { beforeCreate } from './registry/create-hooks.js';
import { applyDefaults } from './defaults/index.js';
import { updateManagedFields } from './apply/index.js';
import type { Backend } from './storage/backend.js';
import { openBackend } from './storage/factory.js';
import { WatchCache } from './storage/watch-cache.js';
import { logger } from '../log/logger.js';
import { dashboardRouter } from '../ui/server.js';
import { createApiApp } from './server/app.js';
import { versionInfo } from './version.js';
import type { Cidr } from './servicenet/cidr.js';
import { dnsEndpoints, dnsService, kubernetesEndpoints, kubernetesEndpointSlice, kubernetesService } from './servicenet/cluster-services.js';
import { ServiceAllocations, type ServiceNetworkConfig } from './servicenet/service-allocations.js';
import { authenticate } from './server/authn.js';
import { PodProxy, rejectUpgrade } from './server/pod-proxy.js';
import { parseRequestPath } from './server/request-info.js';
import { isStatusError, newBadRequest, newPathNotFound, newUnauthorized } from './machinery/errors.js';
import { MetricsEndpoints } from '../metrics/endpoints.js';
import { instrumentBackend } from '../metrics/storage-metrics.js';

export interface ApiServerOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  bindAddress?: string;
  /** Storage endpoint; '' is SQLite in the data dir. */
  storage?: string;
  skiffVersion: string;
  /** tolerationSeconds of the not-ready/unreachable tolerations every new pod gets (default 300). */
  defaultTolerationSeconds?: number;
  /** Where Services get their cluster IPs; without it Services get none (and no cluster Services exist). */
  serviceNetwork?: ServiceNetworkConfig;
}

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** How much write history is kept for watches to resume from, like kine's compaction window. */
const RETAINED_REVISIONS = 10_000;
const COMPACT_INTERVAL_MS = 60_000;

/** apiserver_storage_objects{resource}: counted from the watch cache at scrape time, one series per stored resource. */
export function countStoredObjects(metrics: Registry, registry: ResourceRegistry, store: ObjectStore, cache: WatchCache): void {
  const prefixes = new Map<string, string>();
  for (const def of registry.all) {
    const prefix = store.storagePrefix(def);
    if (!prefixes.has(prefix)) prefixes.set(prefix, def.group ? `${def.resource}.${def.group}` : def.resource);
  }
  new Gauge({
    name: 'apiserver_storage_objects', help: 'Number of stored objects at the time of last check split by kind.', labelNames: ['resource'], registers: [metrics],
    collect() {
      for (const [prefix, resource] of prefixes) this.set({ resource }, cache.count(prefix));
    },
  });
}

export class ApiServer {
  private ready = false;
  private compactor?: NodeJS.Timeout;

  private constructor(
    readonly server: Server,
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
    readonly pki: ClusterPki,
    readonly tokens: TokenAuthenticator,
    readonly metrics: Registry,
    /** Every component's scrape endpoint; `/metrics` is the API server's own. */
    readonly metricsEndpoints: MetricsEndpoints,
    private readonly backend: Backend,
    private readonly cache: WatchCache,
  ) {}

  static async start(opts: ApiServerOptions): Promise<ApiServer> {
    const [pki] = await Promise.all([loadOrCreatePki(opts.dataDir)]);
    const tokens = TokenAuthenticator.loadOrCreate(opts.dataDir);
    const backend = openBackend(opts.storage || `sqlite://${join(opts.dataDir, 'state.db')}`);
    const cache = new WatchCache(backend);
    await cache.start();
    const registry = new ResourceRegistry(RESOURCES);
    const metrics = new Registry();
    const store = new ObjectStore(instrumentBackend(backend, metrics), cache);
    countStoredObjects(metrics, registry, store, cache);
    const metricsEndpoints = new MetricsEndpoints();
    metricsEndpoints.mount('/metrics', metrics);
    let self: ApiServer | undefined;
    const pods = registry.find('', 'v1', 'pods');
    const nodes = registry.find('', 'v1', 'nodes');
    if (!pods || !nodes) throw new Error('pods and nodes must be registered');
    const servicesDef = registry.find('', 'v1', 'services');
    if (!servicesDef) throw new Error('services must be registered');
    const services = opts.serviceNetwork ? new ServiceAllocations(store, servicesDef, opts.serviceNetwork) : undefined;
    const podProxy = new PodProxy({ store, pods, nodes, agentToken: () => tokens.tokenFor('system:node-bootstrap') ?? '' });
    const app = createApiApp({
      registry, store, tokens, metrics, metricsEndpoints, version: versionInfo(opts.skiffVersion),
      serverAddress: () => `${opts.bindAddress ?? '127.0.0.1'}:${(self?.server.address() as AddressInfo | null)?.port ?? opts.port}`,
      ready: () => self?.ready ?? false,
      podProxy, services, defaultTolerationSeconds: opts.defaultTolerationSeconds,
      dashboard: dashboardRouter({ tokens, caPem: pki.ca.certPem, apiUrl: () => self?.url ?? '' }),
    });
    const server = createHttpsServer({
      key: pki.server.keyPem, cert: pki.server.certPem, ca: pki.ca.certPem,
      // Client certificates are checked against the CA, but requests with a bearer token
      // (or none, for health checks) are also accepted at the TLS layer.
      requestCert: true, rejectUnauthorized: false,
    }, (req, res) => {
      if (!app.fastPath(req, res)) app(req, res);
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      try {
        if (!authenticate(req, tokens)) return rejectUpgrade(socket, newUnauthorized());
        const info = parseRequestPath(new URL(req.url ?? '/', 'https://x').pathname);
        if (!info || info.group !== '' || info.resource !== 'pods' || !info.name || !info.namespace || !['exec', 'attach', 'portforward'].includes(info.subresource ?? '')) {
          return rejectUpgrade(socket, info ? newBadRequest('upgrades are served only for pods/exec, pods/attach and pods/portforward') : newPathNotFound());
        }
        podProxy.proxyUpgrade(info.namespace, info.name, info.subresource ?? '', req, socket, head);
      } catch (err) {
        rejectUpgrade(socket, isStatusError(err) ? err : newBadRequest((err as Error).message));
      }
    });
    server.keepAliveTimeout = 65_000;
    // Watches and streams live long; the server must not time them out.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.bindAddress ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    self = new ApiServer(server, store, registry, pki, tokens, metrics, metricsEndpoints, backend, cache);
    await self.bootstrap();
    if (services) await self.bootstrapServices(services.range, opts.bindAddress ?? '127.0.0.1');
    self.startCompactor();
    self.ready = true;
    return self;
  }

  /** Drops history older than the retained window so the store does not grow without bound. */
  private startCompactor(): void {
    this.compactor = setInterval(() => {
      void (async () => {
        const rev = await this.backend.currentRevision();
        const target = rev - RETAINED_REVISIONS;
        if (target > (await this.backend.compactRevision())) await this.backend.compact(target);
      })().catch((err: unknown) => logger('apiserver').error({ err }, 'compaction failed'));
    }, COMPACT_INTERVAL_MS);
    this.compactor.unref();
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `https://${host}:${a.port}`;
  }

  /** The namespaces every cluster has; created once, kept across restarts. */
  private async bootstrap(): Promise<void> {
    const def = this.registry.find('', 'v1', 'namespaces');
    if (!def) throw new Error('namespaces are not registered');
    for (const name of SYSTEM_NAMESPACES) {
      if (this.store.tryGet(def, undefined, name)) continue;
      let obj: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
      obj = applyDefaults(def, beforeCreate(def, prepareForCreate(def, obj, new Date())));
      obj = updateManagedFields({ live: undefined, updated: obj, manager: 'skiff-apiserver', operation: 'Update', gvk: def });
      try {
        await this.store.create(def, obj);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
  }

  /**
   * The `kubernetes` and `kube-dns` Services and their Endpoints. The API server's own endpoint is
   * rewritten on every start, since its port may change; the rest is created once and left to users.
   */
  private async bootstrapServices(range: Cidr, bindAddress: string): Promise<void> {
    const api = { ip: bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress, port: this.port };
    await this.ensureObject(kubernetesService(range), false);
    await this.ensureObject(kubernetesEndpoints(api), true);
    await this.ensureObject(kubernetesEndpointSlice(api), true);
    await this.ensureObject(dnsService(range), false);
    await this.ensureObject(dnsEndpoints(range), false);
  }

  private async ensureObject(desired: KObject, replace: boolean): Promise<void> {
    const apiVersion = desired.apiVersion ?? 'v1';
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const def = this.registry.all.find((d) => d.group === group && d.version === version && d.kind === desired.kind);
    if (!def) throw new Error(`${desired.kind} is not registered`);
    const current = this.store.tryGet(def, desired.metadata.namespace, desired.metadata.name ?? '');
    if (current && !replace) return;
    let obj = applyDefaults(def, beforeCreate(def, prepareForCreate(def, desired, new Date())));
    if (current) {
      obj = { ...obj, metadata: { ...current.metadata, labels: obj.metadata.labels } };
      const { metadata: _m, ...a } = obj;
      const { metadata: _n, ...b } = current;
      if (JSON.stringify(a) === JSON.stringify(b)) return;
      obj = updateManagedFields({ live: current, updated: obj, manager: 'skiff-apiserver', operation: 'Update', gvk: def });
      await this.store.update(def, obj, Number(current.metadata.resourceVersion));
      return;
    }
    obj = updateManagedFields({ live: undefined, updated: obj, manager: 'skiff-apiserver', operation: 'Update', gvk: def });
    try {
      await this.store.create(def, obj);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  async stop(): Promise<void> {
    this.ready = false;
    if (this.compactor) clearInterval(this.compactor);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.cache.stop();
    await this.backend.close();
  }
}
