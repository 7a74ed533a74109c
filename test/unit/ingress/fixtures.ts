// Builders of Ingresses, Services and EndpointSlices for the ingress unit tests.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { HTTPIngressPath, Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';

export function backend(service: string, port: number | string): IngressBackend {
  return { service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } };
}

export function path(p: string, pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific', service: string, port: number | string = 80): HTTPIngressPath {
  return { path: p, pathType, backend: backend(service, port) };
}

export function ingress(name: string, rules: { host?: string; paths: HTTPIngressPath[] }[], opts: { ns?: string; created?: string; defaultBackend?: IngressBackend; className?: string; annotations?: Record<string, string> } = {}): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: opts.ns ?? 'default', creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z', uid: `uid-${name}`, annotations: opts.annotations },
    spec: {
      ...(opts.className ? { ingressClassName: opts.className } : {}),
      ...(opts.defaultBackend ? { defaultBackend: opts.defaultBackend } : {}),
      rules: rules.map((r) => ({ ...(r.host ? { host: r.host } : {}), http: { paths: r.paths } })),
    },
  };
}

export function service(name: string, ports: { name?: string; port: number; targetPort?: number | string }[], ns = 'default'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: ports.map((p) => ({ protocol: 'TCP', ...p })) } };
}

export function slice(svc: string, ports: { name?: string; port: number }[], endpoints: { ip: string; ready?: boolean }[], ns = 'default', suffix = 'abc'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: `${svc}-${suffix}`, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }) })),
  };
}
