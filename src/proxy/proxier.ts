/**
 * The proxier (kube-proxy's role, one per node process): informers on Services and EndpointSlices mark the
 * state dirty; a bounded-frequency sync rebuilds the immutable route table and swaps it in one assignment,
 * then reconciles the sockets (ClusterIP on the cluster bridge, NodePort, LoadBalancer) and the Services'
 * status. The request path only reads the current table.
 */
import type { KObject } from '../api/machinery/object.js';
import { EventRecorder, involvedObjectOf } from '../client/events.js';
import { Informer } from '../client/informer.js';
import type { KubeClient } from '../client/rest-client.js';
import { Refs } from '../client/resources.js';
import type { AddressManager } from './bridge.js';
import type { DataPath } from './data-path.js';
import { createHttpPath, type HttpPath } from './http-path.js';
import { ListenerSet } from './listener-set.js';
import { desiredListeners, diffAddresses, diffListeners, type ListenerSpec } from './listeners.js';
import { ProxyMetrics } from './metrics.js';
import { EndpointPicker } from './picker.js';
import { buildRouteTable } from './route-table.js';
import { REASON_FAILED_TO_LISTEN, REASON_PORT_IN_USE, serviceStatusPatch, type ListenFailure } from './service-status.js';
import { createTcpServer } from './tcp-path.js';
import { EMPTY_ROUTE_TABLE, type EndpointSlice, type RouteTable, type Service, type ServicePortRoute } from './types.js';

export const COMPONENT = 'skiff-proxy';
export const FIELD_MANAGER = 'skiff-proxy';

export interface ProxierOptions {
  client: KubeClient;
  nodeName: string;
  /** Where NodePorts listen (`skiff up --node-port-address`). */
  nodePortAddress: string;
  /** Where LoadBalancer Services listen and what their status reports. */
  loadBalancerAddress?: string;
  /** The /32 ClusterIP addresses on the cluster bridge; absent: ClusterIPs must already be local addresses. */
  addresses?: AddressManager;
  /** Shortest time between two syncs; changes in between are batched. */
  minSyncIntervalMs?: number;
  /** How soon a socket that could not be opened is tried again. */
  retryIntervalMs?: number;
}

export class Proxier implements DataPath {
  readonly metrics = new ProxyMetrics();
  private table: RouteTable = EMPTY_ROUTE_TABLE;
  private readonly pickers = new Map<string, EndpointPicker>();
  private readonly services: Informer<KObject>;
  private readonly slices: Informer<KObject>;
  private readonly recorder: EventRecorder;
  private readonly http: HttpPath;
  private readonly listeners: ListenerSet;
  private readonly failures = new Map<string, ListenFailure[]>();
  private readonly lbAddress: string;
  /** When the oldest change not yet in the route table was observed. */
  private pendingSince: number | undefined;
  private syncing: Promise<void> | undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastSync = 0;
  private stopped = false;
  private started = false;

  constructor(private readonly opts: ProxierOptions) {
    this.lbAddress = opts.loadBalancerAddress ?? '127.0.0.1';
    this.services = new Informer(opts.client, Refs.services);
    this.slices = new Informer(opts.client, Refs.endpointslices);
    this.recorder = new EventRecorder(opts.client, { component: COMPONENT, host: opts.nodeName });
    this.http = createHttpPath(this);
    this.listeners = new ListenerSet((spec, routeKey) => (spec.mode === 'http' ? this.http.server(routeKey) : createTcpServer(this, routeKey)));
    const changed = (): void => this.changed();
    for (const inf of [this.services, this.slices]) inf.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
  }

  // ---- DataPath: what listeners read per request --------------------------------------------------

  route(key: string): ServicePortRoute | undefined {
    return this.table.routes.get(key);
  }

  picker(key: string): EndpointPicker {
    let p = this.pickers.get(key);
    if (!p) this.pickers.set(key, (p = new EndpointPicker()));
    return p;
  }

  now(): number {
    return Date.now();
  }

  routeMetrics(route: ServicePortRoute): ReturnType<ProxyMetrics['forRoute']> {
    return this.metrics.forRoute(route);
  }

  routeTable(): RouteTable {
    return this.table;
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  async start(): Promise<void> {
    this.services.start();
    this.slices.start();
    await Promise.all([this.services.waitForSync(), this.slices.waitForSync()]);
    this.started = true;
    this.changed();
    await this.settle();
  }

  /** Resolves when no sync is running or scheduled (tests and start-up). */
  async settle(): Promise<void> {
    while (this.syncing || this.timer) {
      if (this.syncing) await this.syncing;
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.services.stop();
    this.slices.stop();
    await this.syncing?.catch(() => undefined);
    await this.listeners.closeAll();
    this.http.close();
    // Addresses go with the proxy: a ClusterIP nobody listens on should refuse, not hang.
    const addrs = this.opts.addresses;
    if (addrs) for (const a of await addrs.list().catch(() => [] as string[])) await addrs.remove(a).catch(() => undefined);
    await this.recorder.flush();
  }

  private changed(): void {
    this.pendingSince ??= performance.now();
    if (!this.started || this.stopped) return;
    if (this.syncing) {
      this.dirty = true;
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.lastSync + (this.opts.minSyncIntervalMs ?? 10) - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A sync that fails midway (API or `ip` errors) is retried like a socket that could not be opened.
      this.syncing = this.sync().catch(() => this.scheduleRetry()).finally(() => {
        this.syncing = undefined;
        if (this.dirty) {
          this.dirty = false;
          this.changed();
        }
      });
    }, wait);
  }

  // ---- sync -----------------------------------------------------------------------------------------

  private async sync(): Promise<void> {
    this.lastSync = performance.now();
    const services = this.services.list() as unknown as Service[];
    const table = buildRouteTable(services, this.slices.list() as unknown as EndpointSlice[]);
    const previous = this.table;
    this.table = table;
    if (this.pendingSince !== undefined) {
      this.metrics.syncDuration.observe((performance.now() - this.pendingSince) / 1000);
      this.pendingSince = undefined;
    }
    for (const [key, r] of previous.routes) {
      if (!table.routes.has(key)) {
        this.pickers.delete(key);
        this.metrics.forget(r);
      }
    }
    await this.reconcileSockets(table, services);
  }

  private async reconcileSockets(table: RouteTable, services: Service[]): Promise<void> {
    const created = new Map<string, string>();
    for (const s of services) created.set(`${s.metadata?.namespace}/${s.metadata?.name}`, s.metadata?.creationTimestamp ?? '');
    const desired = desiredListeners(table, { nodePortAddress: this.opts.nodePortAddress, loadBalancerAddress: this.lbAddress }, (k) => created.get(k) ?? '');
    const failures = new Map<string, ListenFailure[]>();
    const fail = (spec: ListenerSpec, f: ListenFailure): void => {
      const list = failures.get(spec.service) ?? [];
      list.push(f);
      failures.set(spec.service, list);
    };
    for (const c of desired.conflicts) {
      fail(c.spec, { reason: REASON_PORT_IN_USE, loadBalancer: c.spec.kind === 'LoadBalancer', message: `${c.spec.kind} port ${c.spec.id} is already used by Service ${c.heldBy}` });
    }

    const addrs = this.opts.addresses;
    let addressError: string | undefined;
    let present: string[] = [];
    if (addrs) {
      try {
        present = await addrs.list();
        for (const a of diffAddresses(present, table.clusterIPs).add) await addrs.add(a);
      } catch (err) {
        addressError = (err as Error).message;
      }
    }

    const diff = diffListeners(this.listeners.current(), desired.listeners);
    for (const id of diff.close) await this.listeners.close(id);
    for (const spec of diff.retarget) this.listeners.retarget(spec);
    await Promise.all(diff.open.map(async (spec) => {
      const err = await this.listeners.listen(spec);
      if (!err) return;
      this.metrics.listenerFailures.inc({ kind: spec.kind });
      const inUse = err.code === 'EADDRINUSE';
      const why = inUse ? 'is already in use on this machine' : spec.kind === 'ClusterIP' && addressError ? `cannot be opened: ${addressError}` : `cannot be opened: ${err.code ?? err.message}`;
      fail(spec, { reason: inUse ? REASON_PORT_IN_USE : REASON_FAILED_TO_LISTEN, loadBalancer: spec.kind === 'LoadBalancer', message: `${spec.kind} port ${spec.id} ${why}` });
    }));

    if (addrs && !addressError) {
      for (const a of diffAddresses(present, table.clusterIPs).remove) await addrs.remove(a).catch(() => undefined);
    }

    this.reportStatus(services, table, failures);
    if (failures.size) this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.changed();
    }, this.opts.retryIntervalMs ?? 5000);
  }

  /** Events for sockets that failed (repeats are counted by the recorder) and each Service's status. */
  private reportStatus(services: Service[], table: RouteTable, failures: Map<string, ListenFailure[]>): void {
    const proxiedServices = new Set<string>();
    for (const r of table.routes.values()) proxiedServices.add(`${r.namespace}/${r.service}`);
    const now = new Date();
    for (const svc of services) {
      const key = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
      if (!proxiedServices.has(key)) continue;
      const list = failures.get(key) ?? [];
      const obj = svc as unknown as KObject;
      for (const f of list) this.recorder.event(involvedObjectOf(obj), 'Warning', f.reason, f.message);
      const hadFailed = (this.failures.get(key)?.length ?? 0) > 0;
      if (hadFailed && !list.length) this.recorder.event(involvedObjectOf(obj), 'Normal', 'Listening', 'the proxy now listens on every port of the service');
      const patch = serviceStatusPatch(svc, list, this.lbAddress, now);
      if (patch) {
        void this.opts.client.patch(Refs.services, svc.metadata?.namespace, svc.metadata?.name ?? '', 'merge', patch, { subresource: 'status', fieldManager: FIELD_MANAGER })
          .catch(() => undefined);
      }
    }
    this.failures.clear();
    for (const [k, v] of failures) this.failures.set(k, v);
  }
}
