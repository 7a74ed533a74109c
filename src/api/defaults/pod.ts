/** Defaults that only a Pod gets, on top of the pod spec defaults every template shares. */
import { child, ensureChild, isNil, items, setIfNil, setIfZero, type JsonObject } from './fields.js';
import { defaultPodSpec } from './pod-spec.js';

/** Priority of a pod that names no class while the cluster has no global default class. */
export const DEFAULT_POD_PRIORITY = 0;

/**
 * A container that sets only limits asks for exactly that much: its requests are copied from its
 * limits, resource by resource, so the scheduler reserves what the container may use.
 */
function defaultRequestsFromLimits(container: JsonObject): void {
  const resources = child(container, 'resources');
  const limits = resources ? child(resources, 'limits') : undefined;
  if (!resources || !limits) return;
  const requests = ensureChild(resources, 'requests');
  if (!requests) return;
  for (const [name, quantity] of Object.entries(limits)) {
    if (!(name in requests)) requests[name] = quantity;
  }
}

/** On the host network a container port is a host port, so the two are made to agree. */
function defaultHostNetworkPorts(container: JsonObject): void {
  for (const port of items(container, 'ports')) {
    if (typeof port['containerPort'] === 'number') setIfZero(port, 'hostPort', port['containerPort']);
  }
}

/**
 * The priority admission step resolves the pod's priority class. Without a class name and without
 * a cluster-wide default class, every pod gets priority 0 and may preempt lower-priority pods.
 * A named class is resolved by the server, which knows the PriorityClass objects.
 */
function defaultPriority(spec: JsonObject): void {
  const className = spec['priorityClassName'];
  if (typeof className === 'string' && className !== '') return;
  if (!isNil(spec['priority'])) return;
  spec['priority'] = DEFAULT_POD_PRIORITY;
  setIfNil(spec, 'preemptionPolicy', 'PreemptLowerPriority');
}

/** Fills a Pod. */
export function defaultPod(pod: JsonObject): void {
  const spec = ensureChild(pod, 'spec');
  if (!spec) return;
  defaultPodSpec(spec);
  for (const key of ['containers', 'initContainers']) {
    for (const container of items(spec, key)) {
      defaultRequestsFromLimits(container);
      if (spec['hostNetwork'] === true) defaultHostNetworkPorts(container);
    }
  }
  setIfNil(spec, 'enableServiceLinks', true);
  defaultPriority(spec);
}
