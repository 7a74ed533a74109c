/** Entry point of defaulting: picks the defaulter for an object's kind, the way the v1 API schemes do. */
import { deepCopy, type GroupVersionKind, type KObject } from '../machinery/object.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from './apps.js';
import { defaultCronJob, defaultJob } from './batch.js';
import { defaultEndpoints, defaultNamespace, defaultNode, defaultReplicationController, defaultSecret } from './core.js';
import { defaultEndpointSlice } from './discovery.js';
import type { JsonObject } from './fields.js';
import { defaultIngressClass, defaultNetworkPolicy } from './networking.js';
import { defaultPersistentVolume, defaultPersistentVolumeClaim } from './persistent-volume.js';
import { defaultPod } from './pod.js';
import { canonicalizeQuantities } from './quantity.js';
import { defaultBinding } from './rbac.js';
import { defaultPriorityClass } from './scheduling.js';
import { defaultService } from './service.js';
import { defaultStorageClass } from './storage.js';

/** Fills defaults into an object it owns; every defaulter works on a private copy. */
type Defaulter = (obj: JsonObject) => void;

/**
 * Defaulters by `group/version/Kind`. Kinds Kubernetes does not default (ConfigMap, Event,
 * ServiceAccount, Lease, Ingress, Role, PodDisruptionBudget, ControllerRevision, ...) are absent
 * on purpose. ConfigMap's `data: {}` default is left out because Kubernetes never serializes an
 * empty map there.
 */
const DEFAULTERS: ReadonlyMap<string, Defaulter> = new Map<string, Defaulter>([
  ['/v1/Pod', defaultPod],
  ['/v1/Service', defaultService],
  ['/v1/Namespace', defaultNamespace],
  ['/v1/Secret', defaultSecret],
  ['/v1/Endpoints', defaultEndpoints],
  ['/v1/Node', defaultNode],
  ['/v1/PersistentVolume', defaultPersistentVolume],
  ['/v1/PersistentVolumeClaim', defaultPersistentVolumeClaim],
  ['/v1/ReplicationController', defaultReplicationController],
  ['apps/v1/Deployment', defaultDeployment],
  ['apps/v1/ReplicaSet', defaultReplicaSet],
  ['apps/v1/DaemonSet', defaultDaemonSet],
  ['apps/v1/StatefulSet', defaultStatefulSet],
  ['batch/v1/Job', defaultJob],
  ['batch/v1/CronJob', defaultCronJob],
  ['networking.k8s.io/v1/NetworkPolicy', defaultNetworkPolicy],
  ['networking.k8s.io/v1/IngressClass', defaultIngressClass],
  ['discovery.k8s.io/v1/EndpointSlice', defaultEndpointSlice],
  ['rbac.authorization.k8s.io/v1/RoleBinding', defaultBinding],
  ['rbac.authorization.k8s.io/v1/ClusterRoleBinding', defaultBinding],
  ['storage.k8s.io/v1/StorageClass', defaultStorageClass],
  ['scheduling.k8s.io/v1/PriorityClass', defaultPriorityClass],
]);

/** True when Kubernetes fills in defaults for this kind. */
export function hasDefaults(gvk: GroupVersionKind): boolean {
  return DEFAULTERS.has(defaulterKey(gvk));
}

/**
 * Returns a defaulted deep copy of `obj`; the input is never mutated. Defaulting is idempotent,
 * so it is safe on every create, update and patch result. Values the user set are never replaced.
 */
export function applyDefaults(gvk: GroupVersionKind, obj: KObject): KObject {
  const copy = deepCopy(obj);
  DEFAULTERS.get(defaulterKey(gvk))?.(copy);
  // Kubernetes stores every quantity in canonical form, so reads and re-applies see "1", not "1000m".
  canonicalizeQuantities(defaulterKey(gvk), copy);
  return copy;
}

function defaulterKey(gvk: GroupVersionKind): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}
