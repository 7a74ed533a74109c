/**
 * Cluster DNS records, as CoreDNS's kubernetes plugin serves them: `svc.ns.svc.<domain>` is the
 * ClusterIP (headless: the ready pod addresses; ExternalName: a CNAME), `host.svc.ns.svc.<domain>`
 * is a pod with that hostname behind a headless Service, `_port._proto.svc.ns.svc.<domain>` are SRV
 * records for named ports, `a-b-c-d.ns.pod.<domain>` is that pod address. Pure: a question and the
 * cluster's Services and Endpoints in, the answer out (undefined for names outside the domain).
 */
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';

export const DNS_TTL_SECONDS = 5;

export type DnsRecord =
  | { type: 'A'; name: string; ttl: number; data: string }
  | { type: 'CNAME'; name: string; ttl: number; data: string }
  | { type: 'SRV'; name: string; ttl: number; data: { priority: number; weight: number; port: number; target: string } };

export interface DnsAnswer {
  /** NXDOMAIN: the name does not exist; NOERROR with no records: it exists, without records of that type. */
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: DnsRecord[];
}

/** What the records are made from, looked up by namespace and name. */
export interface ClusterView {
  service(namespace: string, name: string): Service | undefined;
  endpoints(namespace: string, name: string): Endpoints | undefined;
  hasNamespace(namespace: string): boolean;
}

const NXDOMAIN: DnsAnswer = { rcode: 'NXDOMAIN', answers: [] };
const NODATA: DnsAnswer = { rcode: 'NOERROR', answers: [] };

function readyAddresses(ep: Endpoints | undefined): { ip: string; hostname?: string }[] {
  return (ep?.subsets ?? []).flatMap((s) => s.addresses ?? []).map((a) => ({ ip: a.ip, hostname: a.hostname }));
}

function dashedIP(ip: string): string {
  return ip.replace(/\./g, '-');
}

export function answerQuestion(q: { name: string; type: string }, view: ClusterView, domain = 'cluster.local'): DnsAnswer | undefined {
  const qname = q.name.replace(/\.$/, '');
  const lower = qname.toLowerCase();
  if (lower !== domain && !lower.endsWith(`.${domain}`)) return undefined;
  const labels = lower === domain ? [] : lower.slice(0, -domain.length - 1).split('.');
  const a = (ip: string): DnsRecord => ({ type: 'A', name: qname, ttl: DNS_TTL_SECONDS, data: ip });
  const kind = labels[labels.length - 1];
  if (labels.length <= 1) return labels.length === 0 || kind === 'svc' || kind === 'pod' ? NODATA : NXDOMAIN;
  const ns = labels[labels.length - 2] ?? '';
  if (kind === 'pod') {
    if (labels.length !== 3 || !view.hasNamespace(ns)) return labels.length === 2 && view.hasNamespace(ns) ? NODATA : NXDOMAIN;
    const ip = (labels[0] ?? '').replace(/-/g, '.');
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return NXDOMAIN;
    return q.type === 'A' ? { rcode: 'NOERROR', answers: [a(ip)] } : NODATA;
  }
  if (kind !== 'svc') return NXDOMAIN;
  if (labels.length === 2) return view.hasNamespace(ns) ? NODATA : NXDOMAIN;
  const svcName = labels[labels.length - 3] ?? '';
  const svc = view.service(ns, svcName);
  if (!svc) return NXDOMAIN;
  const base = `${svcName}.${ns}.svc.${domain}`;
  const headless = svc.spec?.clusterIP === 'None';
  if (labels.length === 3) {
    if (svc.spec?.type === 'ExternalName') {
      return { rcode: 'NOERROR', answers: [{ type: 'CNAME', name: qname, ttl: DNS_TTL_SECONDS, data: (svc.spec.externalName ?? '').replace(/\.$/, '') }] };
    }
    if (q.type !== 'A') return NODATA;
    if (!headless) return svc.spec?.clusterIP ? { rcode: 'NOERROR', answers: [a(svc.spec.clusterIP)] } : NODATA;
    return { rcode: 'NOERROR', answers: readyAddresses(view.endpoints(ns, svcName)).map((e) => a(e.ip)) };
  }
  if (labels.length === 4) {
    // A pod behind a headless Service: by its hostname, or by its dashed address when it has none.
    if (!headless) return NXDOMAIN;
    const host = labels[0];
    const hit = readyAddresses(view.endpoints(ns, svcName)).filter((e) => (e.hostname ?? dashedIP(e.ip)) === host);
    if (!hit.length) return NXDOMAIN;
    return q.type === 'A' ? { rcode: 'NOERROR', answers: hit.map((e) => a(e.ip)) } : NODATA;
  }
  if (labels.length === 5 && labels[0]?.startsWith('_') && labels[1]?.startsWith('_')) {
    const portName = labels[0].slice(1);
    const proto = labels[1].slice(1).toUpperCase();
    const port = (svc.spec?.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === proto);
    if (!port) return NXDOMAIN;
    if (q.type !== 'SRV') return NODATA;
    const srv = (target: string, p: number): DnsRecord => ({ type: 'SRV', name: qname, ttl: DNS_TTL_SECONDS, data: { priority: 0, weight: 100, port: p, target } });
    if (!headless) return { rcode: 'NOERROR', answers: [srv(base, port.port)] };
    const answers: DnsRecord[] = [];
    for (const subset of view.endpoints(ns, svcName)?.subsets ?? []) {
      const ep = (subset.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === proto);
      if (!ep) continue;
      for (const addr of subset.addresses ?? []) answers.push(srv(`${addr.hostname ?? dashedIP(addr.ip)}.${base}`, ep.port));
    }
    return { rcode: 'NOERROR', answers };
  }
  return NXDOMAIN;
}
