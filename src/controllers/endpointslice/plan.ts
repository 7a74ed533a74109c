/**
 * The EndpointSlices a Service should have, as Kubernetes' EndpointSlice controller and its
 * mirroring controller build them: endpoints with ready / serving / terminating conditions grouped
 * by their resolved port set, at most 100 per slice; and the writes that turn the existing slices
 * into those (existing slices are reused in order, so names stay stable). Pure.
 */
import type { EndpointPort as CoreEndpointPort, Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { deepEqual, type KObject } from '../../api/machinery/object.js';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from '../../api/machinery/endpointslice-labels.js';
import {
  isPodReady, isTerminating, podHostname, podPorts, selectedPods, serviceLabels, shouldPodBeEndpoint,
} from '../endpoints/plan.js';

export { MANAGED_BY_LABEL, SERVICE_NAME_LABEL };
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
export const MAX_ENDPOINTS_PER_SLICE = 100;

/** One slice's content: its ports and endpoints (metadata is settled when it is written). */
export interface SliceContent {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

function sortPorts(ports: EndpointPort[]): EndpointPort[] {
  return [...ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || (a.port ?? 0) - (b.port ?? 0));
}

function toSlicePorts(ports: readonly CoreEndpointPort[]): EndpointPort[] {
  return sortPorts(ports.map((p) => {
    const out: EndpointPort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
    if (p.appProtocol) out.appProtocol = p.appProtocol;
    return out;
  }));
}

/** A pod as an endpoint: terminating pods are not ready, and serve while their readiness says so. */
export function podEndpoint(svc: Service, pod: Pod): Endpoint {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const terminating = isTerminating(pod);
  const serving = publishNotReady || isPodReady(pod);
  const ep: Endpoint = {
    addresses: [pod.status?.podIP ?? ''],
    conditions: { ready: serving && !terminating, serving, terminating },
  };
  if (publishNotReady) ep.conditions = { ready: true, serving: true, terminating };
  const hostname = podHostname(svc, pod);
  if (hostname) ep.hostname = hostname;
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid };
  return ep;
}

function group(entries: { ports: EndpointPort[]; endpoint: Endpoint }[]): SliceContent[] {
  const byPorts = new Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }>();
  for (const e of entries) {
    const key = JSON.stringify(e.ports);
    const g = byPorts.get(key) ?? { ports: e.ports, endpoints: [] };
    g.endpoints.push(e.endpoint);
    byPorts.set(key, g);
  }
  const out: SliceContent[] = [];
  for (const key of [...byPorts.keys()].sort()) {
    const g = byPorts.get(key);
    if (!g) continue;
    g.endpoints.sort((a, b) => (a.addresses[0] ?? '').localeCompare(b.addresses[0] ?? '', 'en', { numeric: true }));
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
      out.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
    }
  }
  return out;
}

/** Slices of a Service with a selector, from its pods. A Service with ports but no pods keeps one empty slice. */
export function desiredSlices(svc: Service, pods: readonly Pod[]): SliceContent[] {
  const entries: { ports: EndpointPort[]; endpoint: Endpoint }[] = [];
  const hasPorts = (svc.spec?.ports ?? []).length > 0;
  for (const pod of selectedPods(svc, pods)) {
    if (!shouldPodBeEndpoint(pod, true)) continue;
    const ports = podPorts(svc, pod);
    if (hasPorts && !ports.length) continue;
    entries.push({ ports: toSlicePorts(ports), endpoint: podEndpoint(svc, pod) });
  }
  const slices = group(entries);
  // Kubernetes keeps a placeholder slice so clients can tell "no endpoints" from "not synced".
  return slices.length ? slices : [{ ports: [], endpoints: [] }];
}

/** Slices mirrored from the Endpoints of a Service without a selector. */
export function mirroredSlices(endpoints: Endpoints): SliceContent[] {
  const entries: { ports: EndpointPort[]; endpoint: Endpoint }[] = [];
  for (const subset of endpoints.subsets ?? []) {
    const ports = toSlicePorts(subset.ports ?? []);
    for (const [list, ready] of [[subset.addresses ?? [], true], [subset.notReadyAddresses ?? [], false]] as const) {
      for (const a of list) {
        const ep: Endpoint = { addresses: [a.ip], conditions: { ready } };
        if (a.hostname) ep.hostname = a.hostname;
        if (a.nodeName) ep.nodeName = a.nodeName;
        if (a.targetRef) ep.targetRef = a.targetRef;
        entries.push({ ports, endpoint: ep });
      }
    }
  }
  return group(entries);
}

export interface SliceWrites {
  create: KObject[];
  update: KObject[];
  delete: KObject[];
}

/**
 * Turns existing slices into the desired ones: the i-th existing slice (by name) takes the i-th
 * desired content and is written only if it differs; the rest are created or deleted.
 */
export function reconcileSlices(
  svc: Service & KObject, existing: readonly (EndpointSlice & KObject)[], desired: readonly SliceContent[], managedBy: string,
): SliceWrites {
  const name = svc.metadata.name ?? '';
  const labels = { ...serviceLabels(svc), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: managedBy };
  const owner = {
    apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true,
  };
  const ordered = [...existing].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const writes: SliceWrites = { create: [], update: [], delete: [] };
  desired.forEach((content, i) => {
    const cur = ordered[i];
    const body = { addressType: 'IPv4', endpoints: content.endpoints, ports: content.ports };
    if (!cur) {
      writes.create.push({
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { generateName: `${name}-`, namespace: svc.metadata.namespace, labels, ownerReferences: [owner] },
        ...body,
      });
      return;
    }
    const same = deepEqual(cur.endpoints ?? [], content.endpoints) && deepEqual(cur.ports ?? [], content.ports)
      && deepEqual(cur.metadata.labels ?? {}, labels) && cur.addressType === 'IPv4';
    if (!same) writes.update.push({ ...cur, metadata: { ...cur.metadata, labels, ownerReferences: [owner] }, ...body });
  });
  writes.delete.push(...ordered.slice(desired.length));
  return writes;
}
