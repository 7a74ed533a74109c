/**
 * Builds the route table from Services and EndpointSlices (pure): every proxied Service port mapped to the
 * endpoints that may get traffic, chosen by the slices' ready / serving / terminating conditions.
 */
import { SERVICE_NAME_LABEL } from '../api/machinery/endpointslice-labels.js';
import { SERVED_IN_PROCESS_ANNOTATION } from '../api/servicenet/cluster-services.js';
import type { Endpoint, EndpointSlice, ProxyMode, RouteTable, Service, ServicePortRoute } from './types.js';

/** The label that ties an EndpointSlice to its Service. */

type ServicePort = NonNullable<NonNullable<Service['spec']>['ports']>[number];

/**
 * HTTP is parsed only when the port says so: appProtocol `http`, or a port named `http` / `http-*` (Istio's
 * naming convention, which many charts follow). `https` stays a TCP pipe: the proxy holds no certificates.
 */
export function proxyModeOf(port: Pick<ServicePort, 'name' | 'appProtocol'>): ProxyMode {
  const app = port.appProtocol?.toLowerCase();
  if (app !== undefined && app !== '') return app === 'http' ? 'http' : 'tcp';
  const name = port.name ?? '';
  return name === 'http' || name.startsWith('http-') ? 'http' : 'tcp';
}

export function routeKey(namespace: string, service: string, portLabel: string): string {
  return `${namespace}/${service}:${portLabel}`;
}

/** Services with a virtual IP or host port the proxy carries; headless and ExternalName ones have none. */
function proxied(svc: Service): boolean {
  const spec = svc.spec;
  if (!spec || spec.type === 'ExternalName') return false;
  return !!spec.clusterIP && spec.clusterIP !== 'None';
}

interface Candidates {
  ready: Endpoint[];
  terminating: Endpoint[];
}

/**
 * Endpoints of one Service port across its slices. A nil `ready` means ready and a nil `serving` means
 * `ready` (the EndpointConditions contract); duplicates across slices collapse by ip:port.
 */
function collect(slices: readonly EndpointSlice[], portName: string): Candidates {
  const ready = new Map<string, Endpoint>();
  const terminating = new Map<string, Endpoint>();
  for (const slice of slices) {
    if (slice.addressType && slice.addressType !== 'IPv4') continue;
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') !== 'UDP');
    if (!port?.port) continue;
    for (const ep of slice.endpoints ?? []) {
      const isReady = ep.conditions?.ready ?? true;
      const serving = ep.conditions?.serving ?? isReady;
      const isTerminating = ep.conditions?.terminating ?? false;
      for (const ip of ep.addresses ?? []) {
        const e: Endpoint = { ip, port: port.port, key: `${ip}:${port.port}` };
        if (isReady && !isTerminating) ready.set(e.key, e);
        else if (serving && isTerminating) terminating.set(e.key, e);
      }
    }
  }
  const byKey = (a: Endpoint, b: Endpoint): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return { ready: [...ready.values()].sort(byKey), terminating: [...terminating.values()].sort(byKey) };
}

/** Groups slices by `namespace/service` from their service-name label. */
export function slicesByService(slices: Iterable<EndpointSlice>): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const key = `${s.metadata?.namespace ?? 'default'}/${svc}`;
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  return out;
}

export function buildRouteTable(services: Iterable<Service>, slices: Iterable<EndpointSlice>): RouteTable {
  const grouped = slicesByService(slices);
  const routes = new Map<string, ServicePortRoute>();
  const clusterIPs = new Set<string>();
  for (const svc of services) {
    if (!proxied(svc)) continue;
    const spec = svc.spec ?? {};
    clusterIPs.add(spec.clusterIP ?? '');
    // skiff answers on this address itself (cluster DNS): the address is needed, the proxy's sockets are not.
    if (svc.metadata?.annotations?.[SERVED_IN_PROCESS_ANNOTATION] !== undefined) continue;
    const namespace = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name ?? '';
    const svcSlices = grouped.get(`${namespace}/${name}`) ?? [];
    const affinity = spec.sessionAffinity === 'ClientIP'
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) * 1000
      : undefined;
    for (const p of spec.ports ?? []) {
      // UDP and SCTP are not carried (a TCP/HTTP proxy only); such ports stay unreachable.
      if ((p.protocol ?? 'TCP') !== 'TCP') continue;
      const portLabel = p.name || String(p.port);
      const { ready, terminating } = collect(svcSlices, p.name ?? '');
      const route: ServicePortRoute = {
        key: routeKey(namespace, name, portLabel), namespace, service: name, portLabel, port: p.port,
        protocol: 'TCP', mode: proxyModeOf(p), clusterIP: spec.clusterIP,
        ...(p.nodePort && (spec.type === 'NodePort' || spec.type === 'LoadBalancer') ? { nodePort: p.nodePort } : {}),
        loadBalancer: spec.type === 'LoadBalancer',
        endpoints: ready.length ? ready : terminating,
        ...(affinity !== undefined ? { affinityTimeoutMs: affinity } : {}),
      };
      routes.set(route.key, route);
    }
  }
  return { routes, clusterIPs };
}
