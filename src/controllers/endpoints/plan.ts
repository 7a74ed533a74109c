/**
 * Which pods back a Service and how, as Kubernetes' endpoints controller decides it: pods matching
 * the selector that have an IP and a node, named target ports resolved per pod, readiness (or
 * publishNotReadyAddresses) splitting ready from not-ready addresses, hostnames for pods whose
 * subdomain names the Service. Pure: Service and pods in, the desired Endpoints subsets out.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { matchesLabels, type LabelSelector } from '../../api/machinery/selectors.js';

/** Marks Endpoints and EndpointSlices of headless Services, as Kubernetes labels them. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export function selectorOf(svc: Service): LabelSelector | undefined {
  const sel = svc.spec?.selector;
  if (!sel || Object.keys(sel).length === 0) return undefined;
  return Object.entries(sel).map(([key, value]) => ({ key, operator: '=' as const, values: [value] }));
}

/** The Services in the pods' namespace whose selector matches any of them (a pod's old and new labels, say). */
export function servicesSelecting(services: readonly Service[], pods: readonly Pod[]): Service[] {
  const ns = pods[0]?.metadata?.namespace;
  return services.filter((s) => {
    if (s.metadata?.namespace !== ns) return false;
    const sel = selectorOf(s);
    return !!sel && pods.some((p) => matchesLabels(sel, p.metadata?.labels));
  });
}

export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

export function isTerminating(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp;
}

/**
 * A pod is an endpoint while it has an address on a node and has not finished; terminating pods
 * count only where the caller includes them (EndpointSlices always, Endpoints with publishNotReady).
 */
export function shouldPodBeEndpoint(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP || !pod.spec?.nodeName) return false;
  const phase = pod.status.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return includeTerminating || !isTerminating(pod);
}

/** The pods a Service selects in its namespace; none for a Service without a selector. */
export function selectedPods(svc: Service, pods: readonly Pod[]): Pod[] {
  const sel = selectorOf(svc);
  if (!sel) return [];
  return pods.filter((p) => p.metadata?.namespace === svc.metadata?.namespace && matchesLabels(sel, p.metadata?.labels));
}

/** The container port a Service port reaches on a pod: a number as is, a name looked up per pod. */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort;
    }
  }
  return undefined;
}

/** The endpoint ports of a pod for a Service, in Service port order; ports that do not resolve are left out. */
export function podPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
    if (sp.name) ep.name = sp.name;
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/** A pod's DNS hostname within a Service: set when its subdomain is the Service's name. */
export function podHostname(svc: Service, pod: Pod): string | undefined {
  const h = pod.spec?.hostname;
  return h && pod.spec?.subdomain === svc.metadata?.name ? h : undefined;
}

export function podAddress(svc: Service, pod: Pod): EndpointAddress {
  const a: EndpointAddress = { ip: pod.status?.podIP ?? '' };
  const hostname = podHostname(svc, pod);
  if (hostname) a.hostname = hostname;
  if (pod.spec?.nodeName) a.nodeName = pod.spec.nodeName;
  a.targetRef = { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid };
  return a;
}

function portsKey(ports: readonly EndpointPort[]): string {
  return JSON.stringify([...ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port));
}

const byIP = (a: EndpointAddress, b: EndpointAddress): number => a.ip.localeCompare(b.ip, 'en', { numeric: true });

/**
 * The subsets of a Service's Endpoints: pods grouped by their resolved port set, addresses sorted,
 * as RepackSubsets leaves them. A headless Service without ports still lists its pods.
 */
export function desiredSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  const noPorts = (svc.spec?.ports ?? []).length === 0;
  for (const pod of selectedPods(svc, pods)) {
    if (!shouldPodBeEndpoint(pod, publishNotReady)) continue;
    const ports = podPorts(svc, pod);
    if (!ports.length && !(noPorts && isHeadless(svc))) continue;
    const key = portsKey(ports);
    const g = groups.get(key) ?? { ports: [...ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port), ready: [], notReady: [] };
    groups.set(key, g);
    (publishNotReady || isPodReady(pod) ? g.ready : g.notReady).push(podAddress(svc, pod));
  }
  const subsets: EndpointSubset[] = [];
  for (const g of [...groups.values()].sort((a, b) => portsKey(a.ports).localeCompare(portsKey(b.ports)))) {
    const s: EndpointSubset = {};
    if (g.ready.length) s.addresses = g.ready.sort(byIP);
    if (g.notReady.length) s.notReadyAddresses = g.notReady.sort(byIP);
    if (g.ports.length) s.ports = g.ports;
    subsets.push(s);
  }
  return subsets;
}

/** The labels Endpoints and EndpointSlices carry: the Service's own, plus the headless marker. */
export function serviceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}
