/**
 * The sockets the proxy should hold (pure): for every Service port, one listener on its ClusterIP, one on
 * the NodePort bind address and, for LoadBalancer Services, one on 127.0.0.1 at the Service port. Two
 * Services wanting the same address and port are a conflict: the older Service keeps it.
 */
import type { ProxyMode, RouteTable, ServicePortRoute } from './types.js';

export type ListenerKind = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

export interface ListenerSpec {
  /** `address:port`, the socket's identity. */
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly mode: ProxyMode;
  readonly kind: ListenerKind;
  /** The route whose endpoints get this socket's traffic. */
  readonly routeKey: string;
  /** `namespace/name` of the Service, for events and status. */
  readonly service: string;
}

export interface ListenerConflict {
  readonly spec: ListenerSpec;
  /** `namespace/name` of the Service that holds the socket. */
  readonly heldBy: string;
}

export interface DesiredListeners {
  readonly listeners: ReadonlyMap<string, ListenerSpec>;
  readonly conflicts: readonly ListenerConflict[];
}

export interface ListenerOptions {
  nodePortAddress: string;
  loadBalancerAddress: string;
}

/** Orders routes so the Service created first wins a contested socket; `age` maps `ns/name` to a sort key. */
export function desiredListeners(table: RouteTable, opts: ListenerOptions, age: (service: string) => string = () => ''): DesiredListeners {
  const routes = [...table.routes.values()].sort((a, b) => {
    const ka = age(`${a.namespace}/${a.service}`) + '\0' + a.key;
    const kb = age(`${b.namespace}/${b.service}`) + '\0' + b.key;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const listeners = new Map<string, ListenerSpec>();
  const conflicts: ListenerConflict[] = [];
  const add = (r: ServicePortRoute, kind: ListenerKind, address: string, port: number): void => {
    const spec: ListenerSpec = { id: `${address}:${port}`, address, port, mode: r.mode, kind, routeKey: r.key, service: `${r.namespace}/${r.service}` };
    const held = listeners.get(spec.id);
    if (held) conflicts.push({ spec, heldBy: held.service });
    else listeners.set(spec.id, spec);
  };
  for (const r of routes) {
    if (r.clusterIP) add(r, 'ClusterIP', r.clusterIP, r.port);
    if (r.nodePort) add(r, 'NodePort', opts.nodePortAddress, r.nodePort);
    if (r.loadBalancer) add(r, 'LoadBalancer', opts.loadBalancerAddress, r.port);
  }
  return { listeners, conflicts };
}

export interface ListenerDiff {
  /** Sockets to open. */
  readonly open: readonly ListenerSpec[];
  /** Ids of sockets to close. */
  readonly close: readonly string[];
  /** Open sockets that stay but now serve another route (same mode). */
  readonly retarget: readonly ListenerSpec[];
}

/**
 * What to change to go from the open sockets to the desired ones. A socket whose mode changes (HTTP ↔ TCP)
 * is closed and opened again; one that failed to open is simply absent from `current` and so retried.
 */
export function diffListeners(current: ReadonlyMap<string, Pick<ListenerSpec, 'mode' | 'routeKey'>>, desired: ReadonlyMap<string, ListenerSpec>): ListenerDiff {
  const open: ListenerSpec[] = [];
  const close: string[] = [];
  const retarget: ListenerSpec[] = [];
  for (const [id, cur] of current) {
    const want = desired.get(id);
    if (!want || want.mode !== cur.mode) close.push(id);
    else if (want.routeKey !== cur.routeKey) retarget.push(want);
  }
  for (const [id, want] of desired) {
    const cur = current.get(id);
    if (!cur || cur.mode !== want.mode) open.push(want);
  }
  return { open, close, retarget };
}

/** ClusterIPs that need a /32 on the bridge, and the ones there that no Service wants any more. */
export function diffAddresses(present: Iterable<string>, wanted: ReadonlySet<string>): { add: string[]; remove: string[] } {
  const have = new Set(present);
  return { add: [...wanted].filter((a) => !have.has(a)).sort(), remove: [...have].filter((a) => !wanted.has(a)).sort() };
}
