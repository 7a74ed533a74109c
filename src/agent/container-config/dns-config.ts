/**
 * A pod's resolver configuration from its dnsPolicy and dnsConfig, as the kubelet decides it:
 * ClusterFirst sends queries to cluster DNS with the namespace's search path and ndots:5, Default
 * keeps the node's resolver, None uses dnsConfig alone, and dnsConfig merges into the others. Pure.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

export interface ResolverConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export const CLUSTER_DOMAIN = 'cluster.local';

/** The kubelet's limits: at most 3 nameservers and 32 search domains. */
const MAX_SERVERS = 3;
const MAX_SEARCHES = 32;

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/** Options merge by name: a dnsConfig option replaces the same-named one. */
function mergeOptions(base: string[], extra: { name?: string; value?: string }[]): string[] {
  const byName = new Map<string, string>();
  for (const o of base) byName.set(o.split(':')[0] ?? o, o);
  for (const o of extra) if (o.name) byName.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  return [...byName.values()];
}

/** Reads nameserver, search and options lines of a resolv.conf. */
export function parseResolvConf(text: string): ResolverConfig {
  const out: ResolverConfig = { servers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.servers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.searches = rest;
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

/**
 * undefined means "the node's own resolver" (the container runtime's default). `clusterDNS` is the
 * kube-dns address; without it ClusterFirst falls back to the node's resolver, as the kubelet does.
 * `host` is the node's resolv.conf, the base a dnsConfig merges into under dnsPolicy Default.
 */
export function podDNSConfig(pod: Pod, clusterDNS: string | undefined, host: ResolverConfig = { servers: [], searches: [], options: [] }, domain = CLUSTER_DOMAIN): ResolverConfig | undefined {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  const hostNetwork = pod.spec?.hostNetwork === true;
  const ns = pod.metadata?.namespace ?? 'default';
  let base: ResolverConfig | undefined;
  if (policy === 'None') {
    base = { servers: [], searches: [], options: [] };
  } else if (clusterDNS && (policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !hostNetwork))) {
    base = { servers: [clusterDNS], searches: [`${ns}.svc.${domain}`, `svc.${domain}`, domain], options: ['ndots:5'] };
  }
  const extra = pod.spec?.dnsConfig;
  if (!extra) return base;
  // Default (and ClusterFirst without cluster DNS) starts from the node's resolver.
  const from = base ?? host;
  return {
    servers: unique([...from.servers, ...(extra.nameservers ?? [])]).slice(0, MAX_SERVERS),
    searches: unique([...from.searches, ...(extra.searches ?? [])]).slice(0, MAX_SEARCHES),
    options: mergeOptions(from.options, extra.options ?? []),
  };
}
