/**
 * The Service environment variables a container starts with, as the kubelet builds them
 * (pkg/kubelet/envvars): <NAME>_SERVICE_HOST/_PORT/_PORT_<PORTNAME> and the Docker-link style
 * <NAME>_PORT, <NAME>_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR}, for Services of the pod's namespace
 * (when enableServiceLinks, the default) and the `kubernetes` Service of default (always). Pure.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1.js';

export interface EnvVar {
  name: string;
  value: string;
}

/** The Services whose variables are always given, from the default namespace. */
const MASTER_SERVICES = new Set(['kubernetes']);

function envName(s: string): string {
  return s.replace(/-/g, '_').toUpperCase();
}

function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** The variables of one Service, in the kubelet's order. */
export function serviceVariables(svc: Service): EnvVar[] {
  const prefix = envName(svc.metadata?.name ?? '');
  const ip = svc.spec?.clusterIP ?? '';
  const ports = svc.spec?.ports ?? [];
  if (!ports.length) return [];
  const out: EnvVar[] = [{ name: `${prefix}_SERVICE_HOST`, value: ip }, { name: `${prefix}_SERVICE_PORT`, value: String(ports[0].port) }];
  for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
  ports.forEach((p, i) => {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    const url = `${proto}://${ip}:${p.port}`;
    if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
    const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push({ name: pp, value: url }, { name: `${pp}_PROTO`, value: proto }, { name: `${pp}_PORT`, value: String(p.port) }, { name: `${pp}_ADDR`, value: ip });
  });
  return out;
}

/** The Service variables for a pod, from the Services known when its container starts. */
export function serviceEnvFor(pod: Pod, services: readonly Service[]): EnvVar[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false;
  const chosen = new Map<string, Service>();
  for (const svc of services) {
    if (!hasClusterIP(svc)) continue;
    const name = svc.metadata?.name ?? '';
    if (svc.metadata?.namespace === 'default' && MASTER_SERVICES.has(name)) {
      if (!chosen.has(name)) chosen.set(name, svc);
    } else if (svc.metadata?.namespace === ns && links) {
      chosen.set(name, svc);
    }
  }
  const env = new Map<string, string>();
  for (const name of [...chosen.keys()].sort()) {
    for (const v of serviceVariables(chosen.get(name) as Service)) env.set(v.name, v.value);
  }
  return [...env.entries()].map(([name, value]) => ({ name, value }));
}
