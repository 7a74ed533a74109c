/** Entry point: validates any supported kind on create, and on update also the fields Kubernetes keeps immutable. */
import type { StatusCause } from '../machinery/errors.js';
import type { GroupVersionKind, KObject } from '../machinery/object.js';
import {
  validateAppsUpdate, validateControllerRevision, validateDaemonSet, validateDeployment, validateReplicaSet, validateStatefulSet,
} from './apps.js';
import { validateCronJob, validateJob, validateJobUpdate } from './batch.js';
import type { Causes } from './causes.js';
import { validateNamespace, validateNode, validateServiceAccount } from './cluster.js';
import { validateConfigMap, validateConfigUpdate, validateSecret } from './config.js';
import { validateLease } from './coordination.js';
import { validateEndpointSlice, validateEndpointSliceUpdate } from './discovery.js';
import { validateCoreEvent, validateEventsV1 } from './events.js';
import { validateIngress, validateIngressClass, validateIngressClassUpdate } from './networking.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validatePod, validatePodUpdate } from './pod.js';
import { validatePodDisruptionBudget } from './policy.js';
import { validateBinding, validateBindingUpdate, validateRole } from './rbac.js';
import { validatePriorityClass, validatePriorityClassUpdate } from './scheduling.js';
import { validateEndpoints, validateService, validateServiceUpdate } from './service.js';
import {
  validatePersistentVolume, validatePersistentVolumeClaim, validatePvcUpdate, validatePvUpdate, validateStorageClass, validateStorageClassUpdate,
} from './storage.js';

type Check = (errs: Causes, obj: KObject) => void;
type UpdateCheck = (errs: Causes, obj: KObject, old: KObject) => void;

interface KindRules {
  namespaced: boolean;
  validate?: Check;
  update?: UpdateCheck;
}

/** Keyed by `group/Kind` so that core/v1 Event and events.k8s.io/v1 Event stay distinct. */
const RULES: Readonly<Record<string, KindRules>> = {
  '/Namespace': { namespaced: false, validate: validateNamespace },
  '/Pod': { namespaced: true, validate: validatePod, update: validatePodUpdate },
  '/Service': { namespaced: true, validate: validateService, update: validateServiceUpdate },
  '/Endpoints': { namespaced: true, validate: validateEndpoints },
  '/ConfigMap': { namespaced: true, validate: validateConfigMap, update: (e, o, old) => validateConfigUpdate(e, 'ConfigMap', o, old) },
  '/Secret': { namespaced: true, validate: validateSecret, update: (e, o, old) => validateConfigUpdate(e, 'Secret', o, old) },
  '/Node': { namespaced: false, validate: validateNode },
  '/Event': { namespaced: true, validate: validateCoreEvent },
  '/ServiceAccount': { namespaced: true, validate: validateServiceAccount },
  '/PersistentVolumeClaim': { namespaced: true, validate: validatePersistentVolumeClaim, update: validatePvcUpdate },
  '/PersistentVolume': { namespaced: false, validate: validatePersistentVolume, update: validatePvUpdate },
  'apps/Deployment': { namespaced: true, validate: validateDeployment, update: (e, o, old) => validateAppsUpdate(e, 'Deployment', o, old) },
  'apps/ReplicaSet': { namespaced: true, validate: validateReplicaSet, update: (e, o, old) => validateAppsUpdate(e, 'ReplicaSet', o, old) },
  'apps/DaemonSet': { namespaced: true, validate: validateDaemonSet, update: (e, o, old) => validateAppsUpdate(e, 'DaemonSet', o, old) },
  'apps/StatefulSet': { namespaced: true, validate: validateStatefulSet, update: (e, o, old) => validateAppsUpdate(e, 'StatefulSet', o, old) },
  'apps/ControllerRevision': {
    namespaced: true, validate: validateControllerRevision, update: (e, o, old) => validateAppsUpdate(e, 'ControllerRevision', o, old),
  },
  'batch/Job': { namespaced: true, validate: validateJob, update: validateJobUpdate },
  'batch/CronJob': { namespaced: true, validate: validateCronJob },
  'networking.k8s.io/Ingress': { namespaced: true, validate: validateIngress },
  'networking.k8s.io/IngressClass': { namespaced: false, validate: validateIngressClass, update: validateIngressClassUpdate },
  'discovery.k8s.io/EndpointSlice': { namespaced: true, validate: validateEndpointSlice, update: validateEndpointSliceUpdate },
  'coordination.k8s.io/Lease': { namespaced: true, validate: validateLease },
  'events.k8s.io/Event': { namespaced: true, validate: validateEventsV1 },
  'rbac.authorization.k8s.io/Role': { namespaced: true, validate: (e, o) => validateRole(e, o, true) },
  'rbac.authorization.k8s.io/ClusterRole': { namespaced: false, validate: (e, o) => validateRole(e, o, false) },
  'rbac.authorization.k8s.io/RoleBinding': { namespaced: true, validate: (e, o) => validateBinding(e, o, true), update: validateBindingUpdate },
  'rbac.authorization.k8s.io/ClusterRoleBinding': {
    namespaced: false, validate: (e, o) => validateBinding(e, o, false), update: validateBindingUpdate,
  },
  'storage.k8s.io/StorageClass': { namespaced: false, validate: validateStorageClass, update: validateStorageClassUpdate },
  'policy/PodDisruptionBudget': { namespaced: true, validate: validatePodDisruptionBudget },
  'scheduling.k8s.io/PriorityClass': { namespaced: false, validate: validatePriorityClass, update: validatePriorityClassUpdate },
};

/** Review and request kinds are answered, never stored, so clients send them without a name. */
const NAMELESS_KINDS = new Set([
  'SelfSubjectAccessReview', 'SubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectRulesReview', 'SelfSubjectReview',
  'TokenReview', 'TokenRequest',
]);

/**
 * All causes for `obj`, in Kubernetes' order (metadata first, then the kind's own fields).
 * `old` is the stored object on update. Unknown kinds get the ObjectMeta checks only.
 */
export function validateObject(gvk: GroupVersionKind, obj: KObject, old?: KObject): StatusCause[] {
  const errs: Causes = [];
  const rules = RULES[`${gvk.group}/${gvk.kind}`];
  validateObjectMeta(errs, gvk.kind, obj.metadata, rules?.namespaced ?? true, 'metadata', !NAMELESS_KINDS.has(gvk.kind));
  rules?.validate?.(errs, obj);
  if (old) {
    validateObjectMetaUpdate(errs, obj.metadata ?? {}, old.metadata ?? {});
    rules?.update?.(errs, obj, old);
  }
  return errs;
}
