/** networking.k8s.io/v1 Ingress and IngressClass printers, and the discovery.k8s.io/v1 EndpointSlice printer. */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, IngressRule } from 'kubernetes-types/networking/v1.js';
import { translateTimestampSince } from './duration.js';
import { ageColumn, column, list, nameColumn, printerOf } from './table.js';

const MAX_LISTED = 3;

function withMore(shown: string[], total: number): string {
  const text = shown.join(',');
  if (total > MAX_LISTED) return `${text} + ${total - MAX_LISTED} more...`;
  return text === '' ? '<unset>' : text;
}

/** The first three rule hosts, `*` when no rule names a host. */
export function ingressHostsCell(rules: readonly IngressRule[] | undefined): string {
  const all = list(rules);
  const hosts: string[] = [];
  let more = false;
  for (const rule of all) {
    if (hosts.length === MAX_LISTED) {
      more = true;
      break;
    }
    if (rule.host) hosts.push(rule.host);
  }
  if (hosts.length === 0) return '*';
  // Like Kubernetes, the overflow count is of rules, not hosts, so host-less rules count too.
  return more ? `${hosts.join(',')} + ${all.length - MAX_LISTED} more...` : hosts.join(',');
}

function ingressAddressCell(ingress: Ingress): string {
  const seen = new Set<string>();
  for (const point of list(ingress.status?.loadBalancer?.ingress)) {
    if (point.ip) seen.add(point.ip);
    else if (point.hostname) seen.add(point.hostname);
  }
  return [...seen].join(',');
}

export const ingressPrinter = printerOf<Ingress>(
  [
    nameColumn(),
    column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  (ing, now) => [
    ing.metadata?.name ?? '',
    ing.spec?.ingressClassName ?? '<none>',
    ingressHostsCell(ing.spec?.rules),
    ingressAddressCell(ing),
    // The printer assumes the standard ports: 443 appears as soon as any TLS section exists.
    list(ing.spec?.tls).length > 0 ? '80, 443' : '80',
    translateTimestampSince(ing.metadata?.creationTimestamp, now),
  ],
);

export const ingressClassPrinter = printerOf<IngressClass>(
  [
    nameColumn(),
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  (ic, now) => {
    const params = ic.spec?.parameters;
    const parameters = params ? `${params.apiGroup ? `${params.kind}.${params.apiGroup}` : params.kind}/${params.name}` : '<none>';
    return [ic.metadata?.name ?? '', ic.spec?.controller ?? '', parameters, translateTimestampSince(ic.metadata?.creationTimestamp, now)];
  },
);

export const endpointSlicePrinter = printerOf<EndpointSlice>(
  [
    nameColumn(),
    column('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice.'),
    column('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
    ageColumn(),
  ],
  (slice, now) => {
    const ports = list(slice.ports);
    // A port without a number means "all ports" and is printed `*`.
    const portTexts = ports.slice(0, MAX_LISTED).map((p) => (typeof p.port === 'number' ? String(p.port) : p.name ?? '*'));
    const addresses = list(slice.endpoints).flatMap((e) => list(e.addresses));
    return [
      slice.metadata?.name ?? '',
      slice.addressType ?? '',
      withMore(portTexts, ports.length),
      withMore(addresses.slice(0, MAX_LISTED), addresses.length),
      translateTimestampSince(slice.metadata?.creationTimestamp, now),
    ];
  },
);
