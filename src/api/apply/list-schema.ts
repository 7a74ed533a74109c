/**
 * Which lists (and the few atomic structs and maps) of the built-in kinds merge item by item, and by which keys.
 * These are the `+listType`/`+listMapKey`/`+structType` markers of k8s.io/api; anything not listed
 * here is a granular map when it is an object and an atomic value when it is a list.
 */

/** How the server merges a list, struct or map found at some field path. */
export type ElementType =
  /** Replaced as a whole; owned as one leaf. */
  | { readonly type: 'atomic' }
  /** A list of scalars merged as a set; each value is owned as `v:<json>`. */
  | { readonly type: 'set' }
  /** A list of objects merged by key fields; each item is owned as `k:{...}`. */
  | { readonly type: 'map'; readonly keys: readonly string[]; readonly defaults?: Readonly<Record<string, unknown>> };

type SchemaTable = Readonly<Record<string, ElementType>>;

const atomic: ElementType = { type: 'atomic' };
const set: ElementType = { type: 'set' };
function mapBy(keys: string[], defaults?: Record<string, unknown>): ElementType {
  return defaults ? { type: 'map', keys, defaults } : { type: 'map', keys };
}

/** Every kind embeds ObjectMeta; pod templates embed it a second time. */
const OBJECT_META: SchemaTable = {
  finalizers: set,
  ownerReferences: mapBy(['uid']),
};

/** Shared by the containers, initContainers and ephemeralContainers lists. */
const CONTAINER: SchemaTable = {
  // Protocol is a key with a default: an applied port without it is the same item as the stored TCP one.
  ports: mapBy(['containerPort', 'protocol'], { protocol: 'TCP' }),
  env: mapBy(['name']),
  // Key references are atomic structs: pointing at another key replaces the whole reference.
  'env.valueFrom.configMapKeyRef': atomic,
  'env.valueFrom.secretKeyRef': atomic,
  'env.valueFrom.fieldRef': atomic,
  'env.valueFrom.resourceFieldRef': atomic,
  envFrom: atomic,
  volumeMounts: mapBy(['mountPath']),
  volumeDevices: mapBy(['devicePath']),
  resizePolicy: atomic,
  args: atomic,
  command: atomic,
};

const POD_SPEC: SchemaTable = {
  ...mount('containers', { '': mapBy(['name']), ...CONTAINER }),
  ...mount('initContainers', { '': mapBy(['name']), ...CONTAINER }),
  ...mount('ephemeralContainers', { '': mapBy(['name']), ...CONTAINER }),
  volumes: mapBy(['name']),
  imagePullSecrets: mapBy(['name']),
  hostAliases: mapBy(['ip']),
  tolerations: atomic,
  nodeSelector: atomic,
  readinessGates: atomic,
  topologySpreadConstraints: mapBy(['topologyKey', 'whenUnsatisfiable']),
  schedulingGates: mapBy(['name']),
  resourceClaims: mapBy(['name']),
  'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution': atomic,
};

const POD_TEMPLATE: SchemaTable = {
  ...mount('metadata', OBJECT_META),
  ...mount('spec', POD_SPEC),
};

const CONDITIONS_BY_TYPE: SchemaTable = { conditions: mapBy(['type']) };

/** Workload controllers select their pods with a LabelSelector, which Kubernetes marks atomic. */
const WORKLOAD: SchemaTable = {
  'spec.selector': atomic,
  ...mount('spec.template', POD_TEMPLATE),
  ...mount('status', CONDITIONS_BY_TYPE),
};

const LOAD_BALANCER_STATUS: SchemaTable = { 'loadBalancer.ingress': atomic };

const KINDS: Readonly<Record<string, SchemaTable>> = {
  Pod: {
    ...mount('spec', POD_SPEC),
    'status.conditions': mapBy(['type']),
    'status.podIPs': mapBy(['ip']),
    'status.hostIPs': mapBy(['ip']),
    'status.containerStatuses': atomic,
    'status.initContainerStatuses': atomic,
  },
  Deployment: WORKLOAD,
  ReplicaSet: WORKLOAD,
  DaemonSet: WORKLOAD,
  StatefulSet: { ...WORKLOAD, 'spec.volumeClaimTemplates': atomic },
  // Job conditions are atomic in k8s.io/api, unlike the workload controllers' conditions.
  Job: { 'spec.selector': atomic, ...mount('spec.template', POD_TEMPLATE), 'status.conditions': atomic },
  CronJob: {
    ...mount('spec.jobTemplate.metadata', OBJECT_META),
    'spec.jobTemplate.spec.selector': atomic,
    ...mount('spec.jobTemplate.spec.template', POD_TEMPLATE),
    'status.active': atomic,
  },
  Service: {
    'spec.ports': mapBy(['port', 'protocol'], { protocol: 'TCP' }),
    'spec.selector': atomic,
    'spec.clusterIPs': atomic,
    'spec.externalIPs': atomic,
    'spec.ipFamilies': atomic,
    'spec.loadBalancerSourceRanges': atomic,
    ...mount('status', LOAD_BALANCER_STATUS),
    ...mount('status', CONDITIONS_BY_TYPE),
  },
  ConfigMap: {},
  Secret: {},
  Ingress: {
    'spec.rules': atomic,
    'spec.tls': atomic,
    ...mount('status', LOAD_BALANCER_STATUS),
  },
  Namespace: {
    'spec.finalizers': atomic,
    ...mount('status', CONDITIONS_BY_TYPE),
  },
};

/** Prefixes every entry of a table; the '' entry names the prefix itself. */
function mount(prefix: string, table: SchemaTable): Record<string, ElementType> {
  const out: Record<string, ElementType> = {};
  for (const [path, t] of Object.entries(table)) out[path ? `${prefix}.${path}` : prefix] = t;
  return out;
}

const META_AT_ROOT = mount('metadata', OBJECT_META);

/**
 * The merge type at a field path (field names only, list items left out) of an object of `kind`.
 * Undefined means the default: granular for objects, atomic for lists. Unknown kinds still get ObjectMeta.
 */
export function elementTypeAt(kind: string, schemaPath: readonly string[]): ElementType | undefined {
  const key = schemaPath.join('.');
  return META_AT_ROOT[key] ?? KINDS[kind]?.[key];
}
