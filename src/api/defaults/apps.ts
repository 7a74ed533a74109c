/** Defaults for apps/v1 workloads: Deployment, ReplicaSet, DaemonSet and StatefulSet. */
import { child, ensureChild, items, setIfNil, setIfZero, type JsonObject } from './fields.js';
import { defaultPersistentVolumeClaim } from './persistent-volume.js';
import { defaultPodTemplate } from './pod-spec.js';

/** Old ReplicaSets or revisions kept around for `kubectl rollout undo`. */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
/** Seconds a rollout may go without progress before it is reported as failed. */
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

/** Fills a Deployment. The rolling-update knobs only make sense for that strategy type. */
export function defaultDeployment(deployment: JsonObject): void {
  const spec = ensureChild(deployment, 'spec');
  if (!spec) return;
  setIfNil(spec, 'replicas', 1);
  const strategy = ensureChild(spec, 'strategy');
  if (strategy) {
    setIfZero(strategy, 'type', 'RollingUpdate');
    if (strategy['type'] === 'RollingUpdate') {
      const rollingUpdate = ensureChild(strategy, 'rollingUpdate');
      if (rollingUpdate) {
        setIfNil(rollingUpdate, 'maxUnavailable', '25%');
        setIfNil(rollingUpdate, 'maxSurge', '25%');
      }
    }
  }
  setIfNil(spec, 'revisionHistoryLimit', DEFAULT_REVISION_HISTORY_LIMIT);
  setIfNil(spec, 'progressDeadlineSeconds', DEFAULT_PROGRESS_DEADLINE_SECONDS);
  defaultPodTemplate(child(spec, 'template'));
}

/** Fills a ReplicaSet. */
export function defaultReplicaSet(replicaSet: JsonObject): void {
  const spec = ensureChild(replicaSet, 'spec');
  if (!spec) return;
  setIfNil(spec, 'replicas', 1);
  defaultPodTemplate(child(spec, 'template'));
}

/** Fills a DaemonSet: by default one node at a time is updated, without surge pods. */
export function defaultDaemonSet(daemonSet: JsonObject): void {
  const spec = ensureChild(daemonSet, 'spec');
  if (!spec) return;
  const strategy = ensureChild(spec, 'updateStrategy');
  if (strategy) {
    setIfZero(strategy, 'type', 'RollingUpdate');
    if (strategy['type'] === 'RollingUpdate') {
      const rollingUpdate = ensureChild(strategy, 'rollingUpdate');
      if (rollingUpdate) {
        setIfNil(rollingUpdate, 'maxUnavailable', 1);
        setIfNil(rollingUpdate, 'maxSurge', 0);
      }
    }
  }
  setIfNil(spec, 'revisionHistoryLimit', DEFAULT_REVISION_HISTORY_LIMIT);
  defaultPodTemplate(child(spec, 'template'));
}

/**
 * Fills a StatefulSet. Unlike Deployment, an explicit RollingUpdate type without a rollingUpdate
 * block is left without one: Kubernetes only allocates the block when it also chose the type.
 */
export function defaultStatefulSet(statefulSet: JsonObject): void {
  const spec = ensureChild(statefulSet, 'spec');
  if (!spec) return;
  setIfZero(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = ensureChild(spec, 'updateStrategy');
  if (strategy) {
    if (strategy['type'] === undefined || strategy['type'] === null || strategy['type'] === '') {
      strategy['type'] = 'RollingUpdate';
      ensureChild(strategy, 'rollingUpdate');
    }
    const rollingUpdate = child(strategy, 'rollingUpdate');
    if (strategy['type'] === 'RollingUpdate' && rollingUpdate) setIfNil(rollingUpdate, 'partition', 0);
  }
  const retention = ensureChild(spec, 'persistentVolumeClaimRetentionPolicy');
  if (retention) {
    setIfZero(retention, 'whenDeleted', 'Retain');
    setIfZero(retention, 'whenScaled', 'Retain');
  }
  setIfNil(spec, 'replicas', 1);
  setIfNil(spec, 'revisionHistoryLimit', DEFAULT_REVISION_HISTORY_LIMIT);
  defaultPodTemplate(child(spec, 'template'));
  for (const claim of items(spec, 'volumeClaimTemplates')) {
    // The v1 API always writes claim templates back as full PersistentVolumeClaim objects.
    claim['apiVersion'] = 'v1';
    claim['kind'] = 'PersistentVolumeClaim';
    defaultPersistentVolumeClaim(claim);
  }
}
