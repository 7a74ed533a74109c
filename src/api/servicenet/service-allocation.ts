/**
 * What the API server does to a Service's allocated fields on create and update, as Kubernetes'
 * service REST storage does: carry the cluster IP and node ports over from the stored object, drop
 * them when the type no longer has them, and allocate what is missing (pure: the caller passes what
 * other Services hold and persists the result).
 */
import type { StatusCause } from '../machinery/errors.js';
import type { KObject } from '../machinery/object.js';
import { invalid } from '../validation/causes.js';
import { AllocationError, allocateClusterIP, allocateNodePort, type PortRange } from './allocators.js';
import type { Cidr } from './cidr.js';

type Port = { name?: string; port?: number; protocol?: string; nodePort?: number };
type Spec = {
  type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: Port[]; allocateLoadBalancerNodePorts?: boolean;
  ipFamilies?: string[]; ipFamilyPolicy?: string;
};

function specOf(obj: KObject | undefined): Spec {
  return ((obj?.['spec'] as Spec | undefined) ?? {});
}

function hasClusterIP(spec: Spec): boolean {
  return spec.type !== 'ExternalName';
}

/** Node ports belong to NodePort Services, and to LoadBalancers unless they opt out. */
export function needsNodePorts(spec: Spec): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

function samePort(a: Port, b: Port): boolean {
  return a.port === b.port && (a.protocol ?? 'TCP') === (b.protocol ?? 'TCP');
}

/**
 * Before validation on update: a client that sends the Service without its allocated fields (PUT of a
 * manifest) keeps them, and fields its new type does not have are dropped when they are the old ones.
 */
export function prepareServiceUpdate(obj: KObject, old: KObject): KObject {
  const spec = specOf(obj);
  const was = specOf(old);
  if (!obj['spec']) return obj;
  if (hasClusterIP(spec) && hasClusterIP(was) && !spec.clusterIP && !spec.clusterIPs?.length && was.clusterIP) {
    spec.clusterIP = was.clusterIP;
    spec.clusterIPs = was.clusterIPs ?? [was.clusterIP];
  }
  if (!hasClusterIP(spec) && hasClusterIP(was)) {
    if (spec.clusterIP === was.clusterIP) delete spec.clusterIP;
    if (spec.clusterIPs && was.clusterIPs && spec.clusterIPs.join() === was.clusterIPs.join()) delete spec.clusterIPs;
    if (!spec.clusterIP && !spec.clusterIPs) {
      delete spec.ipFamilies;
      delete spec.ipFamilyPolicy;
    }
  }
  const oldPorts = was.ports ?? [];
  for (const p of spec.ports ?? []) {
    const prev = oldPorts.find((o) => samePort(o, p));
    if (needsNodePorts(spec) && needsNodePorts(was) && !p.nodePort && prev?.nodePort) p.nodePort = prev.nodePort;
    if (!needsNodePorts(spec) && spec.type !== 'LoadBalancer' && p.nodePort && p.nodePort === prev?.nodePort) delete p.nodePort;
  }
  return obj;
}

export interface InUse {
  /** Cluster IPs held by other Services (and allocations in flight). */
  ips: ReadonlySet<string>;
  /** Node ports held by other Services (and allocations in flight). */
  nodePorts: ReadonlySet<number>;
}

export interface Allocated {
  object: KObject;
  /** Values this write takes that the stored object did not hold. */
  ips: string[];
  nodePorts: number[];
}

export class AllocationFailed extends Error {
  constructor(readonly causes: StatusCause[]) {
    super(causes.map((c) => c.message).join(', '));
  }
}

/**
 * After validation: fills spec.clusterIP/clusterIPs and the node ports, honouring requested values.
 * `old` is the stored Service on update: values it already holds stay its own.
 */
export function allocateService(obj: KObject, old: KObject | undefined, range: Cidr, portRange: PortRange, inUse: InUse, random: () => number = Math.random): Allocated {
  const spec = specOf(obj);
  const was = specOf(old);
  const out: Allocated = { object: obj, ips: [], nodePorts: [] };
  if (!obj['spec']) return out;
  const causes: StatusCause[] = [];
  if (hasClusterIP(spec)) {
    const requested = spec.clusterIPs?.[0] || spec.clusterIP || '';
    if (requested === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
    } else if (requested && requested === was.clusterIP) {
      spec.clusterIPs = [requested];
    } else {
      try {
        const ip = allocateClusterIP(range, inUse.ips, requested || undefined, random);
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
        out.ips.push(ip);
      } catch (err) {
        if (!(err instanceof AllocationError)) throw err;
        causes.push(invalid('spec.clusterIPs', [requested], err.message));
      }
    }
  }
  if (needsNodePorts(spec)) {
    const taken = new Set(inUse.nodePorts);
    const own = new Set((was.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n));
    (spec.ports ?? []).forEach((p, i) => {
      if (p.nodePort && own.has(p.nodePort) && !taken.has(p.nodePort)) {
        taken.add(p.nodePort);
        return;
      }
      try {
        const port = allocateNodePort(portRange, taken, p.nodePort || undefined, random);
        p.nodePort = port;
        taken.add(port);
        out.nodePorts.push(port);
      } catch (err) {
        if (!(err instanceof AllocationError)) throw err;
        causes.push(invalid(`spec.ports[${i}].nodePort`, p.nodePort ?? 0, err.message));
      }
    });
  }
  if (causes.length) throw new AllocationFailed(causes);
  return out;
}

/** The cluster IP and node ports a stored Service holds. */
export function heldBy(obj: KObject): { ips: string[]; nodePorts: number[] } {
  const spec = specOf(obj);
  const ips = hasClusterIP(spec) ? (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip && ip !== 'None') : [];
  const nodePorts = (spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => typeof n === 'number' && n > 0);
  return { ips, nodePorts };
}
