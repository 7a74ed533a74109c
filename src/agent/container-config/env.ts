/**
 * A container's environment as the kubelet builds it: service links, envFrom (with prefix),
 * then env in order with $(VAR) expansion and valueFrom sources (ConfigMap and Secret keys,
 * the downward API, resource fields).
 */
import type { Container, EnvVar, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/validation/quantity.js';
import { ContainerConfigError, type ConfigSources } from '../contracts.js';
import { expand } from './expand.js';

export interface EnvContext {
  pod: Pod;
  container: Container;
  podIP?: string;
  hostIP: string;
  nodeName: string;
  nodeAllocatable: { cpu: number; memoryBytes: number };
  sources: ConfigSources;
  serviceEnv: { name: string; value: string }[];
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function decode(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}

function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${JSON.stringify(m?.[k] ?? '')}`).join('\n');
}

/** metadata.labels['x'] → the label's value, as the downward API resolves field paths. */
export function fieldPathValue(pod: Pod, path: string, ctx: { podIP?: string; hostIP: string; nodeName: string }): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata?.name ?? '';
    case 'metadata.namespace': return pod.metadata?.namespace ?? '';
    case 'metadata.uid': return pod.metadata?.uid ?? '';
    // Sorted keys and quoted values, as the kubelet's fieldpath.FormatMap writes them.
    case 'metadata.labels': return formatMap(pod.metadata?.labels);
    case 'metadata.annotations': return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName': return pod.spec?.nodeName ?? ctx.nodeName;
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP': return ctx.podIP ?? '';
    case 'status.podIPs': return ctx.podIP ?? '';
    case 'status.hostIP': return ctx.hostIP;
    case 'status.hostIPs': return ctx.hostIP;
    default: throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
  }
}

/** resourceFieldRef: a limit or request divided by the divisor, rounded up; unset limits are the node's allocatable. */
export function resourceFieldValue(pod: Pod, containerName: string | undefined, resource: string, divisor: string | undefined, alloc: { cpu: number; memoryBytes: number }, self: Container): string {
  const c = containerName ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === containerName) : self;
  if (!c) throw new ContainerConfigError(`container "${containerName}" not found for resourceFieldRef`);
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  const raw = (kind === 'limits' ? c.resources?.limits : c.resources?.requests)?.[name];
  let value = raw !== undefined ? parseQuantity(String(raw)) : undefined;
  if (value === undefined) {
    if (kind === 'limits' || (kind === 'requests' && name !== 'cpu' && name !== 'memory')) value = name === 'cpu' ? alloc.cpu : name === 'memory' ? alloc.memoryBytes : 0;
    else value = 0;
  }
  const div = parseQuantity(divisor && divisor !== '0' ? divisor : '1') ?? 1;
  return String(Math.ceil(value / div - 1e-9));
}

async function valueFrom(v: EnvVar, ctx: EnvContext): Promise<string | undefined> {
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  const src = v.valueFrom;
  if (!src) return v.value ?? '';
  if (src.configMapKeyRef) {
    const ref = src.configMapKeyRef;
    const cm = await ctx.sources.configMap(ns, ref.name ?? '');
    if (!cm) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`configmap "${ref.name ?? ''}" not found`);
    }
    const data = { ...((cm.data ?? {}) as Record<string, string>) };
    for (const [k, b] of Object.entries((cm.binaryData ?? {}) as Record<string, string>)) data[k] = decode(b);
    if (!(ref.key in data)) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name ?? ''}`);
    }
    return data[ref.key];
  }
  if (src.secretKeyRef) {
    const ref = src.secretKeyRef;
    const s = await ctx.sources.secret(ns, ref.name ?? '');
    if (!s) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`secret "${ref.name ?? ''}" not found`);
    }
    const data = (s.data ?? {}) as Record<string, string>;
    if (!(ref.key in data)) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name ?? ''}`);
    }
    return decode(data[ref.key]);
  }
  if (src.fieldRef) return fieldPathValue(ctx.pod, src.fieldRef.fieldPath, ctx);
  if (src.resourceFieldRef) {
    const r = src.resourceFieldRef;
    return resourceFieldValue(ctx.pod, r.containerName, r.resource, r.divisor === undefined ? undefined : String(r.divisor), ctx.nodeAllocatable, ctx.container);
  }
  return '';
}

/** The ordered environment; later definitions of a name replace earlier ones in place. */
export async function buildEnv(ctx: EnvContext): Promise<{ name: string; value: string }[]> {
  const env = new Map<string, string>();
  for (const e of ctx.serviceEnv) env.set(e.name, e.value);
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  for (const from of ctx.container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = await ctx.sources.configMap(ns, from.configMapRef.name ?? '');
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name ?? ''}" not found`);
      }
      for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, string>)) if (ENV_NAME.test(prefix + k)) env.set(prefix + k, v);
    }
    if (from.secretRef) {
      const s = await ctx.sources.secret(ns, from.secretRef.name ?? '');
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name ?? ''}" not found`);
      }
      for (const [k, v] of Object.entries((s.data ?? {}) as Record<string, string>)) if (ENV_NAME.test(prefix + k)) env.set(prefix + k, decode(v));
    }
  }
  for (const v of ctx.container.env ?? []) {
    const raw = await valueFrom(v, ctx);
    if (raw === undefined) continue;
    // Only plain values expand; valueFrom results are used as they are.
    const value = v.valueFrom ? raw : expand(raw, (n) => env.get(n));
    env.set(v.name, value);
  }
  return [...env.entries()].map(([name, value]) => ({ name, value }));
}
