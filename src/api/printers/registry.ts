/** Chooses the Table printer for a group and kind, with NAME AGE for kinds that have no dedicated printer. */
import type { KObject } from '../machinery/object.js';
import { controllerRevisionPrinter, daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from './apps.js';
import { cronJobPrinter, jobPrinter } from './batch.js';
import { leasePrinter, podDisruptionBudgetPrinter, priorityClassPrinter } from './cluster-policy.js';
import { configMapPrinter, namespacePrinter, secretPrinter, serviceAccountPrinter } from './core-config.js';
import { translateTimestampSince } from './duration.js';
import { coreEventPrinter, eventsEventPrinter } from './event.js';
import { endpointSlicePrinter, ingressClassPrinter, ingressPrinter } from './networking.js';
import { nodePrinter } from './node.js';
import { podPrinter } from './pod.js';
import { clusterRoleBindingPrinter, clusterRolePrinter, roleBindingPrinter, rolePrinter } from './rbac.js';
import { endpointsPrinter, servicePrinter } from './service.js';
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from './storage.js';
import { ageColumn, nameColumn, type TablePrinter } from './table.js';

/** What Kubernetes prints for a kind without its own columns (custom resources without printer columns, say). */
export const defaultPrinter: TablePrinter = {
  columns: [nameColumn(), ageColumn()],
  cells: (obj: KObject, now: Date) => [obj.metadata.name ?? '', translateTimestampSince(obj.metadata.creationTimestamp, now)],
};

const RBAC = 'rbac.authorization.k8s.io';

/** Keyed by `group/Kind` with '' for the core group, so `/Pod` is core Pod. Printers do not depend on the version. */
const PRINTERS = new Map<string, TablePrinter>([
  ['/Namespace', namespacePrinter],
  ['/Pod', podPrinter],
  ['/Service', servicePrinter],
  ['/Endpoints', endpointsPrinter],
  ['/ConfigMap', configMapPrinter],
  ['/Secret', secretPrinter],
  ['/Node', nodePrinter],
  ['/Event', coreEventPrinter],
  ['/ServiceAccount', serviceAccountPrinter],
  ['/PersistentVolumeClaim', persistentVolumeClaimPrinter],
  ['/PersistentVolume', persistentVolumePrinter],
  ['apps/Deployment', deploymentPrinter],
  ['apps/ReplicaSet', replicaSetPrinter],
  ['apps/DaemonSet', daemonSetPrinter],
  ['apps/StatefulSet', statefulSetPrinter],
  ['apps/ControllerRevision', controllerRevisionPrinter],
  ['batch/Job', jobPrinter],
  ['batch/CronJob', cronJobPrinter],
  ['networking.k8s.io/Ingress', ingressPrinter],
  ['networking.k8s.io/IngressClass', ingressClassPrinter],
  ['discovery.k8s.io/EndpointSlice', endpointSlicePrinter],
  ['coordination.k8s.io/Lease', leasePrinter],
  ['events.k8s.io/Event', eventsEventPrinter],
  [`${RBAC}/Role`, rolePrinter],
  [`${RBAC}/ClusterRole`, clusterRolePrinter],
  [`${RBAC}/RoleBinding`, roleBindingPrinter],
  [`${RBAC}/ClusterRoleBinding`, clusterRoleBindingPrinter],
  ['storage.k8s.io/StorageClass', storageClassPrinter],
  ['policy/PodDisruptionBudget', podDisruptionBudgetPrinter],
  ['scheduling.k8s.io/PriorityClass', priorityClassPrinter],
]);

/** The printer for a kind; `group` is '' for the core group. Unknown kinds get NAME AGE. */
export function printerFor(group: string, kind: string): TablePrinter {
  return PRINTERS.get(`${group}/${kind}`) ?? defaultPrinter;
}
