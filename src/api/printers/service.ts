/** core/v1 Service and Endpoints printers: how a Service is reached and which addresses back it. */
import type { EndpointPort, Endpoints, LoadBalancerStatus, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { translateTimestampSince } from './duration.js';
import { formatLabels } from './labels.js';
import { ageColumn, column, list, nameColumn, printerOf } from './table.js';

/** Load-balancer ingress points, IP preferred over hostname, without duplicates. */
export function loadBalancerAddresses(status: LoadBalancerStatus | undefined): string[] {
  const seen = new Set<string>();
  for (const ingress of list(status?.ingress)) {
    if (ingress.ip) seen.add(ingress.ip);
    else if (ingress.hostname) seen.add(ingress.hostname);
  }
  return [...seen];
}

function externalIPCell(svc: Service): string {
  const externalIPs = list(svc.spec?.externalIPs);
  switch (svc.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const addresses = [...loadBalancerAddresses(svc.status?.loadBalancer), ...externalIPs];
      // No ingress yet means the cloud (or whatever provides load balancers) has not answered.
      return addresses.length > 0 ? addresses.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** `80/TCP`, or `80:30080/TCP` once a node port is allocated, comma-joined. */
export function servicePortsCell(ports: readonly ServicePort[] | undefined): string {
  const text = list(ports)
    .map((p) => {
      const protocol = p.protocol ?? 'TCP';
      return p.nodePort ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
    })
    .join(',');
  return text === '' ? '<none>' : text;
}

function clusterIPCell(svc: Service): string {
  // clusterIPs is the source of truth; clusterIP alone is accepted for objects written before it was defaulted.
  return list(svc.spec?.clusterIPs)[0] || svc.spec?.clusterIP || '<none>';
}

export const servicePrinter = printerOf<Service>(
  [
    nameColumn(),
    column('Type', 'string', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  (svc, now) => [
    svc.metadata?.name ?? '',
    svc.spec?.type ?? 'ClusterIP',
    clusterIPCell(svc),
    externalIPCell(svc),
    servicePortsCell(svc.spec?.ports),
    translateTimestampSince(svc.metadata?.creationTimestamp, now),
    formatLabels(svc.spec?.selector),
  ],
);

const MAX_LISTED = 3;

function hostPort(ip: string, port: number | undefined): string {
  // As net.JoinHostPort: IPv6 addresses get brackets so the port separator stays unambiguous.
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Up to three `ip:port` pairs, then `+ N more...`; `<none>` when there are no subsets at all. */
export function formatEndpoints(endpoints: Endpoints): string {
  const subsets = list(endpoints.subsets);
  if (subsets.length === 0) return '<none>';
  const shown: string[] = [];
  let count = 0;
  for (const subset of subsets) {
    const addresses = list(subset.addresses);
    const ports: readonly (EndpointPort | undefined)[] = list(subset.ports);
    // Headless services may have no ports: list bare IPs then.
    for (const port of ports.length === 0 ? [undefined] : ports) {
      count += addresses.length;
      for (const address of addresses) {
        if (shown.length === MAX_LISTED) break;
        shown.push(port ? hostPort(address.ip, port.port) : address.ip);
      }
    }
  }
  const text = shown.join(',');
  return count > MAX_LISTED ? `${text} + ${count - MAX_LISTED} more...` : text;
}

export const endpointsPrinter = printerOf<Endpoints>(
  [nameColumn(), column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), ageColumn()],
  (ep, now) => [ep.metadata?.name ?? '', formatEndpoints(ep), translateTimestampSince(ep.metadata?.creationTimestamp, now)],
);
