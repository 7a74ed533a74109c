/**
 * Kind-specific work the API server does on create, as Kubernetes' strategies and built-in
 * admission plugins do: initial pod status and service account, namespace phase and labels,
 * Job selectors.
 */
import { defaultJobSelector } from '../defaults/index.js';
import type { KObject } from '../machinery/object.js';
import type { ResourceDefinition } from './resources.js';

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
type Container = { resources?: Resources };

/** The pod's QoS class from its containers' requests and limits, as the kubelet and API report it. */
export function podQOSClass(spec: { containers?: Container[]; initContainers?: Container[] }): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Applied to a prepared object (identity assigned) before admission. */
export function beforeCreate(def: ResourceDefinition, obj: KObject): KObject {
  if (def.group === '' && def.kind === 'Pod') {
    const spec = (obj.spec ?? {}) as Record<string, unknown>;
    // The ServiceAccount admission plugin: every pod runs as a service account.
    if (!spec.serviceAccountName) spec.serviceAccountName = (spec.serviceAccount as string | undefined) || 'default';
    spec.serviceAccount = spec.serviceAccountName;
    obj.spec = spec;
    obj.status = { phase: 'Pending', qosClass: podQOSClass(spec as { containers?: Container[] }) };
  }
  if (def.group === '' && def.kind === 'Namespace') {
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
    obj.status = { phase: 'Active' };
  }
  if (def.group === 'batch' && def.kind === 'Job') return defaultJobSelector(obj);
  return obj;
}

/** Applied on every update of the main resource. */
export function beforeUpdate(def: ResourceDefinition, obj: KObject): KObject {
  if (def.group === '' && def.kind === 'Namespace') {
    // The name label is kept in step with the name, whatever the client sends.
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
  }
  return obj;
}
