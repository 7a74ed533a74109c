/**
 * The ingress route table: every served Ingress's rules merged into host → ordered paths, with
 * each backend already resolved to ready endpoints, and the lookup a request makes in it.
 * Built whole on every change and swapped in one assignment; the request path only reads it.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';
import { slicesByService } from '../route-table.js';
import { backendLabel, resolveBackend, type Endpoint, type ServiceBackendRef } from './backends.js';

export type MatchType = 'Exact' | 'Prefix';

/** Where a matched request goes, and the labels it is counted and logged under. */
export interface RouteTarget {
  namespace: string;
  ingress: string;
  /** The rule's host as written (`*.example.com`, or '' for any host). */
  host: string;
  /** The rule's path as written ('' for the default backend). */
  path: string;
  backend?: ServiceBackendRef;
  endpoints: Endpoint[];
  /** Why there are no endpoints to send to, for the 503 body. */
  unavailable?: string;
}

export interface PathRoute {
  path: string;
  type: MatchType;
  target: RouteTarget;
}

export interface RouteTable {
  exact: ReadonlyMap<string, readonly PathRoute[]>;
  /** Keyed by the suffix after `*`, e.g. `.example.com`. */
  wildcard: ReadonlyMap<string, readonly PathRoute[]>;
  anyHost: readonly PathRoute[];
  defaultBackend?: RouteTarget;
}

export interface RouteInputs {
  ingresses: readonly Ingress[];
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
}

export const EMPTY_ROUTE_TABLE: RouteTable = { exact: new Map(), wildcard: new Map(), anyHost: [] };

/** Oldest first, then by name: the tie-break Kubernetes documents for conflicting rules. */
export function byAge(a: Ingress, b: Ingress): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata?.namespace}/${a.metadata?.name}`;
  const kb = `${b.metadata?.namespace}/${b.metadata?.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** A Prefix path's trailing slash does not count: `/foo/` and `/foo` are the same prefix. */
function prefixKey(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** The length that decides precedence: longest first, Exact before Prefix on a tie. */
function compareRoutes(a: PathRoute, b: PathRoute): number {
  const la = a.type === 'Prefix' ? prefixKey(a.path).length : a.path.length;
  const lb = b.type === 'Prefix' ? prefixKey(b.path).length : b.path.length;
  if (la !== lb) return lb - la;
  if (a.type !== b.type) return a.type === 'Exact' ? -1 : 1;
  return 0;
}

export function buildRouteTable(inputs: RouteInputs): RouteTable {
  const services = new Map(inputs.services.map((s) => [`${s.metadata?.namespace ?? 'default'}/${s.metadata?.name}`, s]));
  const slices = slicesByService(inputs.endpointSlices);
  const target = (ing: Ingress, host: string, path: string, backend: IngressBackend | undefined): RouteTarget => {
    const namespace = ing.metadata?.namespace ?? 'default';
    const base = { namespace, ingress: ing.metadata?.name ?? '', host, path };
    const svc = backend?.service;
    if (!svc) return { ...base, endpoints: [], unavailable: 'the backend is not a Service (resource backends are not supported)' };
    const port = svc.port?.number ?? svc.port?.name;
    if (port === undefined) return { ...base, endpoints: [], unavailable: `backend service "${svc.name}" names no port` };
    const ref: ServiceBackendRef = { namespace, service: svc.name, port };
    const r = resolveBackend(ref, services, slices);
    if (!r.ok) return { ...base, backend: ref, endpoints: [], unavailable: r.reason };
    return {
      ...base, backend: ref, endpoints: r.endpoints,
      ...(r.endpoints.length === 0 ? { unavailable: `service "${backendLabel(ref)}" has no ready endpoints` } : {}),
    };
  };

  const exact = new Map<string, PathRoute[]>();
  const wildcard = new Map<string, PathRoute[]>();
  const anyHost: PathRoute[] = [];
  let defaultBackend: RouteTarget | undefined;
  const seen = new Set<string>();
  for (const ing of [...inputs.ingresses].sort(byAge)) {
    if (!defaultBackend && ing.spec?.defaultBackend) defaultBackend = target(ing, '', '', ing.spec.defaultBackend);
    for (const rule of ing.spec?.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase();
      const bucket = host === '' ? anyHost
        : host.startsWith('*.') ? getOrAdd(wildcard, host.slice(1))
        : getOrAdd(exact, host);
      for (const p of rule.http?.paths ?? []) {
        const path = p.path || '/';
        const type: MatchType = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        // The same host, path and type in two Ingresses: the older one keeps it.
        const id = `${host} ${type} ${type === 'Prefix' ? prefixKey(path) : path}`;
        if (seen.has(id)) continue;
        seen.add(id);
        bucket.push({ path, type, target: target(ing, host, path, p.backend) });
      }
    }
  }
  // Array.prototype.sort is stable, so equal paths keep the age order.
  for (const routes of [...exact.values(), ...wildcard.values(), anyHost]) routes.sort(compareRoutes);
  return { exact, wildcard, anyHost, ...(defaultBackend ? { defaultBackend } : {}) };
}

function getOrAdd(m: Map<string, PathRoute[]>, k: string): PathRoute[] {
  let v = m.get(k);
  if (!v) m.set(k, (v = []));
  return v;
}

/** Prefix matching by path elements: `/foo` matches `/foo`, `/foo/` and `/foo/bar`, never `/foobar`. */
export function pathMatches(route: Pick<PathRoute, 'path' | 'type'>, requestPath: string): boolean {
  if (route.type === 'Exact') return requestPath === route.path;
  const prefix = prefixKey(route.path);
  if (prefix === '/') return true;
  return requestPath === prefix || requestPath.startsWith(`${prefix}/`);
}

/** A wildcard covers exactly one label: `*.example.com` matches `a.example.com`, not `a.b.example.com` or `example.com`. */
export function wildcardSuffixFor(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot > 0 ? host.slice(dot) : undefined;
}

/** The Host header without its port, lowercased; IPv6 literals keep their brackets. */
export function normalizeHost(hostHeader: string | undefined): string {
  const h = (hostHeader ?? '').trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

function firstMatch(routes: readonly PathRoute[] | undefined, path: string): PathRoute | undefined {
  return routes?.find((r) => pathMatches(r, path));
}

/**
 * The target of a request: rules of the exact host first, then of the wildcard covering it, then
 * host-less rules, and last the default backend. The path is matched without its query string.
 */
export function matchRoute(table: RouteTable, host: string, requestPath: string): RouteTarget | undefined {
  const path = requestPath.split('?')[0] || '/';
  const h = normalizeHost(host);
  const suffix = wildcardSuffixFor(h);
  const hit = firstMatch(table.exact.get(h), path)
    ?? (suffix !== undefined ? firstMatch(table.wildcard.get(suffix), path) : undefined)
    ?? firstMatch(table.anyHost, path);
  return hit?.target ?? table.defaultBackend;
}
