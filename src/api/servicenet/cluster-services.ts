/**
 * The Services every cluster has, as Kubernetes' API server and DNS add-on create them: `kubernetes`
 * in default (first address of the service range, port 443 to the API server) and `kube-dns` in
 * kube-system (tenth address, port 53 over UDP and TCP), with the Endpoints behind them.
 */
import { SERVICE_NAME_LABEL } from '../machinery/endpointslice-labels.js';
import type { KObject } from '../machinery/object.js';
import { dnsServiceIP, kubernetesServiceIP } from './allocators.js';
import type { Cidr } from './cidr.js';

/** Endpoints the API server owns are not mirrored into EndpointSlices (it writes its own). */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';

/**
 * Marks a Service whose ClusterIP skiff serves itself, inside its own process (cluster DNS listens
 * on kube-dns's address directly): the Service proxy must not listen on that address and port.
 */
export const SERVED_IN_PROCESS_ANNOTATION = 'skiff.io/served-in-process';

export const DNS_SERVICE = { namespace: 'kube-system', name: 'kube-dns' } as const;

export interface ApiEndpoint {
  /** The address the API server listens on, as the proxy dials it from the host. */
  ip: string;
  port: number;
}

export function kubernetesService(range: Cidr): KObject {
  const ip = kubernetesServiceIP(range);
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], sessionAffinity: 'None',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
    },
  };
}

export function kubernetesEndpoints(api: ApiEndpoint): KObject {
  return {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { [SKIP_MIRROR_LABEL]: 'true' } },
    subsets: [{ addresses: [{ ip: api.ip }], ports: [{ name: 'https', port: api.port, protocol: 'TCP' }] }],
  };
}

export function kubernetesEndpointSlice(api: ApiEndpoint): KObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [api.ip], conditions: { ready: true } }],
    ports: [{ name: 'https', port: api.port, protocol: 'TCP' }],
  };
}

export function dnsService(range: Cidr): KObject {
  const ip = dnsServiceIP(range);
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: {
      name: DNS_SERVICE.name, namespace: DNS_SERVICE.namespace,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { [SERVED_IN_PROCESS_ANNOTATION]: 'dns' },
    },
    spec: {
      type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip],
      ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }],
    },
  };
}

/** The DNS server answers on the Service address itself, so that is its one endpoint. */
export function dnsEndpoints(range: Cidr): KObject {
  return {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name: DNS_SERVICE.name, namespace: DNS_SERVICE.namespace, labels: { 'k8s-app': 'kube-dns' } },
    subsets: [{ addresses: [{ ip: dnsServiceIP(range) }], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }],
  };
}
