/**
 * Resolves an Ingress service backend to the pod addresses that may take its traffic: Service
 * port by number or name, then the EndpointSlices of that Service for the same port, ready
 * endpoints only. Pure: the caller hands in what its informers hold.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export interface ServiceBackendRef {
  namespace: string;
  service: string;
  /** The Service port as the Ingress names it: its number or its name. */
  port: number | string;
}

export interface Endpoint {
  ip: string;
  port: number;
}

export type BackendResolution =
  | { ok: true; servicePort: ServicePort; endpoints: Endpoint[] }
  | { ok: false; reason: string };

export function backendLabel(b: ServiceBackendRef): string {
  return `${b.namespace}/${b.service}:${b.port}`;
}

function findServicePort(svc: Service, port: number | string): ServicePort | undefined {
  const ports = svc.spec?.ports ?? [];
  return typeof port === 'number' ? ports.find((p) => p.port === port) : ports.find((p) => p.name === port);
}

/**
 * Slices name their ports after the Service's ports (the EndpointSlice controller resolves each
 * pod's targetPort into `port`), so the match is by name; a Service with one unnamed port has
 * slices with one unnamed port.
 */
function slicePortFor(slice: EndpointSlice, sp: ServicePort): number | undefined {
  const want = sp.name ?? '';
  const p = (slice.ports ?? []).find((x) => (x.name ?? '') === want && (x.protocol ?? 'TCP') === (sp.protocol ?? 'TCP'));
  return p?.port ?? undefined;
}

export function resolveBackend(
  ref: ServiceBackendRef,
  services: ReadonlyMap<string, Service>,
  slicesByService: ReadonlyMap<string, readonly EndpointSlice[]>,
): BackendResolution {
  const key = `${ref.namespace}/${ref.service}`;
  const svc = services.get(key);
  if (!svc) return { ok: false, reason: `service "${key}" does not exist` };
  const sp = findServicePort(svc, ref.port);
  if (!sp) return { ok: false, reason: `service "${key}" has no port ${typeof ref.port === 'number' ? ref.port : `named "${ref.port}"`}` };
  const seen = new Set<string>();
  const endpoints: Endpoint[] = [];
  for (const slice of slicesByService.get(key) ?? []) {
    if ((slice.addressType ?? 'IPv4') !== 'IPv4') continue;
    const port = slicePortFor(slice, sp);
    if (port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      // A missing ready condition means ready, as the EndpointSlice API defines it.
      if (ep.conditions?.ready === false) continue;
      const ip = ep.addresses[0];
      if (!ip || seen.has(`${ip}:${port}`)) continue;
      seen.add(`${ip}:${port}`);
      endpoints.push({ ip, port });
    }
  }
  return { ok: true, servicePort: sp, endpoints };
}
