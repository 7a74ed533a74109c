/** Strategic-merge-patch metadata of the built-in kinds: the k8s.io/api `patchStrategy`/`patchMergeKey` tags as a graph of named types. */

// The graph mirrors the Go types (Deployment -> DeploymentSpec -> PodTemplateSpec -> PodSpec -> Container), so one
// entry serves every kind that embeds the type. Lists with no tag upstream (tolerations, Endpoints subsets,
// EndpointSlice endpoints, RBAC rules, Ingress rules, ...) are deliberately absent: they are replaced whole.
import type { GroupVersionKind } from '../machinery/object.js';

/** How one field of a type is patched. A field absent from its type's table is a plain field: maps merge, lists are replaced whole. */
export interface FieldPatchMeta {
  /** The named type of the field's value, or of each item when the field is a list; absent when nothing below it is special. */
  readonly type?: string;
  /** `merge`: lists merge by `mergeKey` (or as a set for primitives). `replace`: the value is swapped whole, maps included. */
  readonly strategy?: 'merge' | 'replace';
  /** The item field that identifies list items across original and patch. */
  readonly mergeKey?: string;
  /**
   * The tag also says `retainKeys`, which tells clients to send `$retainKeys` for this field. Kept for completeness:
   * the server honours `$retainKeys` wherever it appears.
   */
  readonly retainKeys?: boolean;
}

/** A named type: its specially patched fields by JSON name. */
export type TypePatchMeta = Readonly<Record<string, FieldPatchMeta>>;

const mergeByKey = (mergeKey: string, type?: string): FieldPatchMeta => (type ? { strategy: 'merge', mergeKey, type } : { strategy: 'merge', mergeKey });
const conditionsByType: FieldPatchMeta = mergeByKey('type');
const metadata: FieldPatchMeta = { type: 'ObjectMeta' };

/** The type graph. Names follow the Go types; only fields that lead to a tagged field are listed. */
export const PATCH_META: Readonly<Record<string, TypePatchMeta>> = {
  ObjectMeta: {
    ownerReferences: mergeByKey('uid'),
    // A set of strings: merged as a union, trimmed with $deleteFromPrimitiveList/finalizers.
    finalizers: { strategy: 'merge' },
  },
  // Any object that carries only metadata specially: ConfigMap, Secret, Event, Endpoints (subsets are atomic), ...
  MetadataOnly: { metadata },
  StatusWithConditions: { conditions: conditionsByType },

  // core/v1
  Pod: { metadata, spec: { type: 'PodSpec' }, status: { type: 'PodStatus' } },
  PodTemplate: { metadata, template: { type: 'PodTemplateSpec' } },
  PodTemplateSpec: { metadata, spec: { type: 'PodSpec' } },
  PodSpec: {
    volumes: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
    initContainers: mergeByKey('name', 'Container'),
    containers: mergeByKey('name', 'Container'),
    // EphemeralContainerCommon repeats Container's tagged lists, so one type serves both.
    ephemeralContainers: mergeByKey('name', 'Container'),
    imagePullSecrets: mergeByKey('name'),
    hostAliases: mergeByKey('ip'),
    topologySpreadConstraints: mergeByKey('topologyKey'),
    schedulingGates: mergeByKey('name'),
    resourceClaims: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
  },
  Container: {
    ports: mergeByKey('containerPort'),
    env: mergeByKey('name'),
    volumeMounts: mergeByKey('mountPath'),
    volumeDevices: mergeByKey('devicePath'),
  },
  PodStatus: {
    conditions: conditionsByType,
    hostIPs: mergeByKey('ip'),
    podIPs: mergeByKey('ip'),
    resourceClaimStatuses: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
  },
  Service: { metadata, spec: { type: 'ServiceSpec' }, status: { type: 'StatusWithConditions' } },
  ServiceSpec: { ports: mergeByKey('port') },
  ServiceAccount: { metadata, secrets: mergeByKey('name') },
  Namespace: { metadata, status: { type: 'StatusWithConditions' } },
  Node: { metadata, spec: { type: 'NodeSpec' }, status: { type: 'NodeStatus' } },
  NodeSpec: { podCIDRs: { strategy: 'merge' } },
  NodeStatus: { conditions: conditionsByType, addresses: mergeByKey('type') },
  PersistentVolumeClaim: { metadata, status: { type: 'StatusWithConditions' } },

  // apps/v1
  Deployment: { metadata, spec: { type: 'DeploymentSpec' }, status: { type: 'StatusWithConditions' } },
  // strategy is tagged retainKeys so that switching RollingUpdate -> Recreate drops the rollingUpdate block.
  DeploymentSpec: { template: { type: 'PodTemplateSpec' }, strategy: { retainKeys: true } },
  WorkloadWithTemplate: { metadata, spec: { type: 'SpecWithTemplate' }, status: { type: 'StatusWithConditions' } },
  SpecWithTemplate: { template: { type: 'PodTemplateSpec' } },

  // batch/v1
  CronJob: { metadata, spec: { type: 'CronJobSpec' } },
  CronJobSpec: { jobTemplate: { type: 'JobTemplateSpec' } },
  JobTemplateSpec: { metadata, spec: { type: 'SpecWithTemplate' } },

  // policy/v1
  PodDisruptionBudget: { metadata, spec: { type: 'PodDisruptionBudgetSpec' }, status: { type: 'StatusWithConditions' } },
  PodDisruptionBudgetSpec: { selector: { strategy: 'replace' } },
};

/** Root type per `group/Kind`. Every served version of these kinds has the same tags, so the version is not part of the key. */
const ROOT_TYPES: Readonly<Record<string, string>> = {
  '/Namespace': 'Namespace',
  '/Pod': 'Pod',
  '/PodTemplate': 'PodTemplate',
  '/Service': 'Service',
  '/Endpoints': 'MetadataOnly',
  '/ConfigMap': 'MetadataOnly',
  '/Secret': 'MetadataOnly',
  '/Node': 'Node',
  '/Event': 'MetadataOnly',
  '/ServiceAccount': 'ServiceAccount',
  '/PersistentVolumeClaim': 'PersistentVolumeClaim',
  '/PersistentVolume': 'MetadataOnly',
  '/ReplicationController': 'WorkloadWithTemplate',
  'apps/Deployment': 'Deployment',
  'apps/ReplicaSet': 'WorkloadWithTemplate',
  'apps/DaemonSet': 'WorkloadWithTemplate',
  'apps/StatefulSet': 'WorkloadWithTemplate',
  'apps/ControllerRevision': 'MetadataOnly',
  'batch/Job': 'WorkloadWithTemplate',
  'batch/CronJob': 'CronJob',
  'networking.k8s.io/Ingress': 'MetadataOnly',
  'networking.k8s.io/IngressClass': 'MetadataOnly',
  'discovery.k8s.io/EndpointSlice': 'MetadataOnly',
  'coordination.k8s.io/Lease': 'MetadataOnly',
  'rbac.authorization.k8s.io/Role': 'MetadataOnly',
  'rbac.authorization.k8s.io/RoleBinding': 'MetadataOnly',
  'rbac.authorization.k8s.io/ClusterRole': 'MetadataOnly',
  'rbac.authorization.k8s.io/ClusterRoleBinding': 'MetadataOnly',
  'policy/PodDisruptionBudget': 'PodDisruptionBudget',
  'autoscaling/Scale': 'MetadataOnly',
};

/**
 * The root type name for a kind, or undefined when the kind has no compiled-in schema (custom resources,
 * kinds this server does not know), for which strategic merge degrades to JSON merge patch.
 */
export function rootTypeFor(gvk: GroupVersionKind): string | undefined {
  const key = `${gvk.group}/${gvk.kind}`;
  return Object.hasOwn(ROOT_TYPES, key) ? ROOT_TYPES[key] : undefined;
}

/** Patch metadata of `field` inside the named type; a plain field when the type or field has none. */
export function lookupField(typeName: string | undefined, field: string): FieldPatchMeta {
  if (typeName === undefined || !Object.hasOwn(PATCH_META, typeName)) return {};
  const fields = PATCH_META[typeName] ?? {};
  return Object.hasOwn(fields, field) ? fields[field] ?? {} : {};
}
