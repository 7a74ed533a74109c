/** Resource references for the kinds components read and write through the client. */
import type { ResourceRef } from './rest-client.js';

const core = (resource: string, namespaced = true): ResourceRef => ({ group: '', version: 'v1', resource, namespaced });
const grp = (group: string, resource: string, namespaced = true): ResourceRef => ({ group, version: 'v1', resource, namespaced });

export const Refs = {
  namespaces: core('namespaces', false),
  pods: core('pods'),
  services: core('services'),
  endpoints: core('endpoints'),
  configmaps: core('configmaps'),
  secrets: core('secrets'),
  nodes: core('nodes', false),
  events: core('events'),
  serviceaccounts: core('serviceaccounts'),
  persistentvolumeclaims: core('persistentvolumeclaims'),
  persistentvolumes: core('persistentvolumes', false),
  deployments: grp('apps', 'deployments'),
  replicasets: grp('apps', 'replicasets'),
  daemonsets: grp('apps', 'daemonsets'),
  statefulsets: grp('apps', 'statefulsets'),
  controllerrevisions: grp('apps', 'controllerrevisions'),
  jobs: grp('batch', 'jobs'),
  cronjobs: grp('batch', 'cronjobs'),
  ingresses: grp('networking.k8s.io', 'ingresses'),
  ingressclasses: grp('networking.k8s.io', 'ingressclasses', false),
  endpointslices: grp('discovery.k8s.io', 'endpointslices'),
  leases: grp('coordination.k8s.io', 'leases'),
  roles: grp('rbac.authorization.k8s.io', 'roles'),
  rolebindings: grp('rbac.authorization.k8s.io', 'rolebindings'),
  clusterroles: grp('rbac.authorization.k8s.io', 'clusterroles', false),
  clusterrolebindings: grp('rbac.authorization.k8s.io', 'clusterrolebindings', false),
  storageclasses: grp('storage.k8s.io', 'storageclasses', false),
  poddisruptionbudgets: grp('policy', 'poddisruptionbudgets'),
  priorityclasses: grp('scheduling.k8s.io', 'priorityclasses', false),
} as const;

const KINDS: Record<string, ResourceRef> = {
  'v1/Namespace': Refs.namespaces, 'v1/Pod': Refs.pods, 'v1/Service': Refs.services, 'v1/Endpoints': Refs.endpoints,
  'v1/ConfigMap': Refs.configmaps, 'v1/Secret': Refs.secrets, 'v1/Node': Refs.nodes, 'v1/Event': Refs.events,
  'v1/ServiceAccount': Refs.serviceaccounts, 'v1/PersistentVolumeClaim': Refs.persistentvolumeclaims,
  'v1/PersistentVolume': Refs.persistentvolumes,
  'apps/v1/Deployment': Refs.deployments, 'apps/v1/ReplicaSet': Refs.replicasets, 'apps/v1/DaemonSet': Refs.daemonsets,
  'apps/v1/StatefulSet': Refs.statefulsets, 'apps/v1/ControllerRevision': Refs.controllerrevisions,
  'batch/v1/Job': Refs.jobs, 'batch/v1/CronJob': Refs.cronjobs,
  'networking.k8s.io/v1/Ingress': Refs.ingresses, 'networking.k8s.io/v1/IngressClass': Refs.ingressclasses,
  'discovery.k8s.io/v1/EndpointSlice': Refs.endpointslices, 'coordination.k8s.io/v1/Lease': Refs.leases,
  'rbac.authorization.k8s.io/v1/Role': Refs.roles, 'rbac.authorization.k8s.io/v1/RoleBinding': Refs.rolebindings,
  'rbac.authorization.k8s.io/v1/ClusterRole': Refs.clusterroles, 'rbac.authorization.k8s.io/v1/ClusterRoleBinding': Refs.clusterrolebindings,
  'storage.k8s.io/v1/StorageClass': Refs.storageclasses, 'policy/v1/PodDisruptionBudget': Refs.poddisruptionbudgets,
  'scheduling.k8s.io/v1/PriorityClass': Refs.priorityclasses,
};

/** The resource of an apiVersion + kind, as named in ownerReferences. */
export function refForKind(apiVersion: string, kind: string): ResourceRef | undefined {
  return KINDS[`${apiVersion}/${kind}`];
}
