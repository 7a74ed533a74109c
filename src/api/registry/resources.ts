/**
 * The table of every resource skiff serves. Adding a kind is one entry here plus its defaults,
 * validation and Table columns in their own modules; the API server is generic over this table.
 */
import type { KObject } from '../machinery/object.js';

export type Subresource =
  | 'status' | 'scale' | 'binding' | 'log' | 'exec' | 'attach' | 'portforward' | 'eviction' | 'proxy' | 'finalize'
  | 'ephemeralcontainers';

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** How the autoscaling/v1 Scale subresource maps onto a kind. */
export interface ScaleMapping {
  /** Where the selector lives: a LabelSelector object or already a string. */
  selector: (obj: KObject) => string;
}

export interface ResourceDefinition {
  group: string;
  version: string;
  kind: string;
  /** Plural, lower case: the URL segment. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources: Subresource[];
  verbs?: string[];
  /** metadata.generation tracks spec changes (workloads, not config objects). */
  generation?: boolean;
  /** Extra fields a field selector can name beyond metadata.name and metadata.namespace. */
  selectableFields?: (obj: KObject) => Record<string, string>;
  /**
   * When two API versions are views of one stored resource (core/v1 and events.k8s.io/v1 Events),
   * the secondary view names the stored one and converts both ways.
   */
  storedAs?: { group: string; resource: string; toStored: (obj: KObject) => KObject; fromStored: (obj: KObject) => KObject };
  /** Objects of this kind cannot be created by clients (e.g. served only as subresource kinds). */
  createOnly?: boolean;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

const eventFields = (obj: KObject): Record<string, string> => ({
  'involvedObject.kind': str(get(obj, 'involvedObject.kind')),
  'involvedObject.namespace': str(get(obj, 'involvedObject.namespace')),
  'involvedObject.name': str(get(obj, 'involvedObject.name')),
  'involvedObject.uid': str(get(obj, 'involvedObject.uid')),
  'involvedObject.apiVersion': str(get(obj, 'involvedObject.apiVersion')),
  'involvedObject.resourceVersion': str(get(obj, 'involvedObject.resourceVersion')),
  'involvedObject.fieldPath': str(get(obj, 'involvedObject.fieldPath')),
  reason: str(obj.reason),
  reportingComponent: str(obj.reportingComponent),
  source: str(get(obj, 'source.component')),
  type: str(obj.type),
});

/** events.k8s.io/v1 is a second view of the core Events: these convert between the two shapes. */
function eventsV1ToCore(e: KObject): KObject {
  const out: KObject = { apiVersion: 'v1', kind: 'Event', metadata: e.metadata };
  const set = (k: string, v: unknown): void => {
    if (v !== undefined && v !== null) out[k] = v;
  };
  set('involvedObject', e.regarding ?? {});
  set('related', e.related);
  set('reason', e.reason);
  set('message', e.note);
  set('type', e.type);
  set('action', e.action);
  set('eventTime', e.eventTime);
  set('series', e.series);
  set('reportingComponent', e.reportingController ?? '');
  set('reportingInstance', e.reportingInstance ?? '');
  set('source', e.deprecatedSource);
  set('firstTimestamp', e.deprecatedFirstTimestamp);
  set('lastTimestamp', e.deprecatedLastTimestamp);
  set('count', e.deprecatedCount);
  return out;
}

function coreEventToV1(e: KObject): KObject {
  const out: KObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: e.metadata };
  const set = (k: string, v: unknown): void => {
    if (v !== undefined && v !== null && v !== '') out[k] = v;
  };
  set('eventTime', e.eventTime ?? null);
  out.eventTime = e.eventTime ?? null;
  set('series', e.series);
  set('reportingController', e.reportingComponent);
  set('reportingInstance', e.reportingInstance);
  set('action', e.action);
  set('reason', e.reason);
  set('regarding', e.involvedObject);
  set('related', e.related);
  set('note', e.message);
  set('type', e.type);
  set('deprecatedSource', e.source);
  set('deprecatedFirstTimestamp', e.firstTimestamp);
  set('deprecatedLastTimestamp', e.lastTimestamp);
  set('deprecatedCount', e.count);
  return out;
}

const ns = (group: string, version: string, kind: string, resource: string, extra: Partial<ResourceDefinition> = {}): ResourceDefinition => ({
  group, version, kind, resource, singular: kind.toLowerCase(), namespaced: true, subresources: [], ...extra,
});
const cluster = (group: string, version: string, kind: string, resource: string, extra: Partial<ResourceDefinition> = {}): ResourceDefinition => ({
  ...ns(group, version, kind, resource, extra), namespaced: false,
});

export const RESOURCES: ResourceDefinition[] = [
  cluster('', 'v1', 'Namespace', 'namespaces', { shortNames: ['ns'], subresources: ['status', 'finalize'],
    selectableFields: (o) => ({ 'status.phase': str(get(o, 'status.phase')) }) }),
  ns('', 'v1', 'Pod', 'pods', {
    shortNames: ['po'], categories: ['all'],
    subresources: ['status', 'binding', 'log', 'exec', 'attach', 'portforward', 'eviction', 'proxy', 'ephemeralcontainers'],
    selectableFields: (o) => ({
      'spec.nodeName': str(get(o, 'spec.nodeName')),
      'spec.restartPolicy': str(get(o, 'spec.restartPolicy')),
      'spec.schedulerName': str(get(o, 'spec.schedulerName')),
      'spec.serviceAccountName': str(get(o, 'spec.serviceAccountName')),
      'spec.hostNetwork': String(get(o, 'spec.hostNetwork') === true),
      'status.phase': str(get(o, 'status.phase')),
      'status.podIP': str(get(o, 'status.podIP')),
      'status.nominatedNodeName': str(get(o, 'status.nominatedNodeName')),
    }),
  }),
  ns('', 'v1', 'Service', 'services', { shortNames: ['svc'], categories: ['all'], subresources: ['status', 'proxy'],
    selectableFields: (o) => ({ 'spec.clusterIP': str(get(o, 'spec.clusterIP')), 'spec.type': str(get(o, 'spec.type')) }) }),
  ns('', 'v1', 'Endpoints', 'endpoints', { shortNames: ['ep'], singular: 'endpoints' }),
  ns('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  ns('', 'v1', 'Secret', 'secrets', { selectableFields: (o) => ({ type: str(o.type) }) }),
  cluster('', 'v1', 'Node', 'nodes', { shortNames: ['no'], subresources: ['status', 'proxy'],
    selectableFields: (o) => ({ 'spec.unschedulable': String(get(o, 'spec.unschedulable') === true) }) }),
  ns('', 'v1', 'Event', 'events', { shortNames: ['ev'], selectableFields: eventFields }),
  ns('', 'v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'], subresources: ['token' as Subresource] }),
  ns('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', { shortNames: ['pvc'], subresources: ['status'] }),
  cluster('', 'v1', 'PersistentVolume', 'persistentvolumes', { shortNames: ['pv'], subresources: ['status'] }),
  ns('apps', 'v1', 'Deployment', 'deployments', { shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'], generation: true }),
  ns('apps', 'v1', 'ReplicaSet', 'replicasets', { shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'], generation: true }),
  ns('apps', 'v1', 'DaemonSet', 'daemonsets', { shortNames: ['ds'], categories: ['all'], subresources: ['status'], generation: true }),
  ns('apps', 'v1', 'StatefulSet', 'statefulsets', { shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'], generation: true }),
  ns('apps', 'v1', 'ControllerRevision', 'controllerrevisions'),
  ns('batch', 'v1', 'Job', 'jobs', { categories: ['all'], subresources: ['status'], generation: true }),
  ns('batch', 'v1', 'CronJob', 'cronjobs', { shortNames: ['cj'], categories: ['all'], subresources: ['status'], generation: true }),
  ns('networking.k8s.io', 'v1', 'Ingress', 'ingresses', { shortNames: ['ing'], subresources: ['status'], generation: true }),
  cluster('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', { generation: true }),
  ns('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', {
    selectableFields: (o) => ({ addressType: str(o.addressType) }),
  }),
  ns('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  ns('events.k8s.io', 'v1', 'Event', 'events', {
    shortNames: ['ev'],
    storedAs: { group: '', resource: 'events', toStored: eventsV1ToCore, fromStored: coreEventToV1 },
    selectableFields: (o) => {
      const f = eventFields(eventsV1ToCore(o));
      return {
        'regarding.kind': f['involvedObject.kind'], 'regarding.namespace': f['involvedObject.namespace'],
        'regarding.name': f['involvedObject.name'], 'regarding.uid': f['involvedObject.uid'],
        reason: f.reason, reportingController: f.reportingComponent, type: f.type,
      };
    },
  }),
  ns('rbac.authorization.k8s.io', 'v1', 'Role', 'roles'),
  ns('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings'),
  cluster('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles'),
  cluster('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings'),
  cluster('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', { shortNames: ['sc'] }),
  ns('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', { shortNames: ['pdb'], subresources: ['status'], generation: true }),
  cluster('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', { shortNames: ['pc'] }),
];

/** Lookup by group + plural resource name. */
export class ResourceRegistry {
  private readonly byGR = new Map<string, ResourceDefinition>();

  constructor(readonly all: ResourceDefinition[] = RESOURCES) {
    for (const d of all) this.byGR.set(`${d.group}/${d.version}/${d.resource}`, d);
  }

  find(group: string, version: string, resource: string): ResourceDefinition | undefined {
    return this.byGR.get(`${group}/${version}/${resource}`);
  }

  byKind(group: string, kind: string): ResourceDefinition | undefined {
    return this.all.find((d) => d.group === group && d.kind === kind);
  }

  /** Group-versions in the order discovery lists them (core first). */
  groupVersions(): { group: string; version: string }[] {
    const seen = new Set<string>();
    const out: { group: string; version: string }[] = [];
    for (const d of this.all) {
      const k = `${d.group}/${d.version}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push({ group: d.group, version: d.version });
      }
    }
    return out;
  }
}
