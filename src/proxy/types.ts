/** The proxy's view of Services and endpoints: plain immutable values the sync builds and the data path reads. */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Service } from 'kubernetes-types/core/v1.js';

export type { EndpointSlice, Service };

/** How a Service port is carried: parsed HTTP through http-proxy, or bytes through a TCP pipe. */
export type ProxyMode = 'http' | 'tcp';

/** One backend address of a Service port. */
export interface Endpoint {
  readonly ip: string;
  readonly port: number;
  /** `ip:port`, the identity used by affinity, retries and keep-alive pools. */
  readonly key: string;
}

/** A Service port with the endpoints that may get its traffic now. */
export interface ServicePortRoute {
  /** `namespace/name:port`, like kube-proxy's ServicePortName. */
  readonly key: string;
  readonly namespace: string;
  readonly service: string;
  /** The port's name, or its number when unnamed (the metrics label). */
  readonly portLabel: string;
  readonly port: number;
  readonly protocol: string;
  readonly mode: ProxyMode;
  readonly clusterIP?: string;
  readonly nodePort?: number;
  readonly loadBalancer: boolean;
  /** Ready endpoints; when none is ready, the serving ones that are terminating (as Kubernetes falls back). */
  readonly endpoints: readonly Endpoint[];
  /** sessionAffinity ClientIP: how long a client sticks to its endpoint. */
  readonly affinityTimeoutMs?: number;
}

export interface RouteTable {
  readonly routes: ReadonlyMap<string, ServicePortRoute>;
  /** Every ClusterIP that must be a local address: proxied ones and those served in process (cluster DNS). */
  readonly clusterIPs: ReadonlySet<string>;
}

export const EMPTY_ROUTE_TABLE: RouteTable = { routes: new Map(), clusterIPs: new Set() };
