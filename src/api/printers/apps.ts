/** apps/v1 printers: Deployment, ReplicaSet, DaemonSet, StatefulSet and ControllerRevision. */
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import { parseApiVersion } from '../machinery/object.js';
import { translateTimestampSince } from './duration.js';
import { formatLabelSelector, formatLabels, labelSelectorString } from './labels.js';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, ageColumn, column, list, nameColumn, printerOf } from './table.js';
import { layoutContainerCells } from './template.js';

const SELECTOR_DESCRIPTION = 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.';

export const deploymentPrinter = printerOf<Deployment>(
  [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn(),
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'string', SELECTOR_DESCRIPTION, 1),
  ],
  (d, now) => {
    const [names, images] = layoutContainerCells(d.spec?.template?.spec?.containers);
    return [
      d.metadata?.name ?? '',
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      translateTimestampSince(d.metadata?.creationTimestamp, now),
      names,
      images,
      // Deployments print the raw selector text, so an empty selector is blank rather than <none>.
      labelSelectorString(d.spec?.selector),
    ];
  },
);

export const replicaSetPrinter = printerOf<ReplicaSet>(
  [
    nameColumn(),
    column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    ageColumn(),
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'string', 'Selector is a label query over pods that should match the replica count.', 1),
  ],
  (rs, now) => {
    const [names, images] = layoutContainerCells(rs.spec?.template?.spec?.containers);
    return [
      rs.metadata?.name ?? '',
      rs.spec?.replicas ?? 0,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      translateTimestampSince(rs.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(rs.spec?.selector),
    ];
  },
);

export const daemonSetPrinter = printerOf<DaemonSet>(
  [
    nameColumn(),
    column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
    column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    column('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'),
    column('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node."),
    ageColumn(),
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'string', 'A label query over pods that are managed by the daemon set.', 1),
  ],
  (ds, now) => {
    const [names, images] = layoutContainerCells(ds.spec?.template?.spec?.containers);
    const status = ds.status;
    return [
      ds.metadata?.name ?? '',
      status?.desiredNumberScheduled ?? 0,
      status?.currentNumberScheduled ?? 0,
      status?.numberReady ?? 0,
      status?.updatedNumberScheduled ?? 0,
      status?.numberAvailable ?? 0,
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      translateTimestampSince(ds.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(ds.spec?.selector),
    ];
  },
);

export const statefulSetPrinter = printerOf<StatefulSet>(
  [nameColumn(), column('Ready', 'string', 'Number of the pod with ready state'), ageColumn(), CONTAINERS_COLUMN, IMAGES_COLUMN],
  (sts, now) => {
    const [names, images] = layoutContainerCells(sts.spec?.template?.spec?.containers);
    return [
      sts.metadata?.name ?? '',
      `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`,
      translateTimestampSince(sts.metadata?.creationTimestamp, now),
      names,
      images,
    ];
  },
);

export const controllerRevisionPrinter = printerOf<ControllerRevision>(
  [
    nameColumn(),
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn(),
  ],
  (cr, now) => {
    const owner = list(cr.metadata?.ownerReferences).find((ref) => ref.controller === true);
    let controller = '<none>';
    if (owner) {
      // Shown as lower-cased `kind.group/name`, e.g. `statefulset.apps/web`, the same form kubectl accepts as input.
      const { group } = parseApiVersion(owner.apiVersion);
      controller = `${(group ? `${owner.kind}.${group}` : owner.kind).toLowerCase()}/${owner.name}`;
    }
    return [cr.metadata?.name ?? '', controller, cr.revision ?? 0, translateTimestampSince(cr.metadata?.creationTimestamp, now)];
  },
);
