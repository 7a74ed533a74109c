/** apps/v1 workloads: Deployment, ReplicaSet, DaemonSet, StatefulSet and ControllerRevision, on create and update. */
import type { KObject } from '../machinery/object.js';
import { deepEqual } from '../machinery/object.js';
import {
  child, type Causes, forbidden, invalid, MSG_IMMUTABLE, notSupported, required, validateNonnegative,
} from './causes.js';
import { isZeroIntOrPercent, validateNotMoreThan100Percent, validatePositiveIntOrPercent } from './int-or-percent.js';
import { isEmptySelector, type LabelSelector, validateLabelSelector } from './labels.js';
import { validatePvcSpec } from './storage.js';
import { validateAlwaysRestart, validatePodTemplateSpec, validateSelectorMatchesTemplate } from './pod-template.js';
import { asObject, intOf, objectsOf, readArray, readInt, readIntOrString, readObject, readString, type JsonObject } from './read.js';
import { validateObjectMeta } from './object-meta.js';

/**
 * Reads the selector and checks the template against it. Deployments, ReplicaSets and StatefulSets
 * require a selector; a DaemonSet without one selects nothing, so its template can never match.
 */
function validateSelectorAndTemplate(
  errs: Causes, spec: JsonObject, kindWord: string, messageKind: string, extraVolumes: readonly string[] = [],
): LabelSelector | undefined {
  const selector = validateLabelSelector(errs, spec, 'spec');
  if (!selector && kindWord !== 'daemonset') errs.push(required('spec.selector'));
  else if (selector && isEmptySelector(selector)) errs.push(invalid('spec.selector', spec['selector'], `empty selector is invalid for ${kindWord}`));
  const info = validatePodTemplateSpec(errs, spec, 'spec', 'template', extraVolumes);
  if (!selector && kindWord === 'daemonset' && info) {
    errs.push(invalid('spec.template.metadata.labels', info.labels, '`selector` does not match template `labels`'));
  }
  validateSelectorMatchesTemplate(errs, selector, info, 'spec.template');
  validateAlwaysRestart(errs, info, 'spec.template', messageKind);
  return selector;
}

function specOf(obj: KObject): JsonObject {
  return asObject(obj['spec']) ?? {};
}

function validateReplicaCounts(errs: Causes, spec: JsonObject): void {
  for (const f of ['replicas', 'minReadySeconds', 'revisionHistoryLimit']) {
    validateNonnegative(errs, readInt(errs, spec, 'spec', f), child('spec', f));
  }
}

function validateDeploymentStrategy(errs: Causes, spec: JsonObject): void {
  const strategy = readObject(errs, spec, 'spec', 'strategy');
  const path = 'spec.strategy';
  const type = readString(errs, strategy, path, 'type');
  const ru = readObject(errs, strategy, path, 'rollingUpdate');
  if (type === 'Recreate') {
    if (ru) errs.push(forbidden(child(path, 'rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"));
  } else if (type === 'RollingUpdate') {
    if (!ru) {
      errs.push(required(child(path, 'rollingUpdate'), 'this should be defaulted and never be nil'));
      return;
    }
    const p = child(path, 'rollingUpdate');
    const maxUnavailable = readIntOrString(errs, ru, p, 'maxUnavailable');
    const maxSurge = readIntOrString(errs, ru, p, 'maxSurge');
    validatePositiveIntOrPercent(errs, maxUnavailable, child(p, 'maxUnavailable'));
    validatePositiveIntOrPercent(errs, maxSurge, child(p, 'maxSurge'));
    // A rollout that may neither add nor remove a pod could never make progress.
    if (isZeroIntOrPercent(maxUnavailable) && isZeroIntOrPercent(maxSurge)) {
      errs.push(invalid(child(p, 'maxUnavailable'), maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
    }
    validateNotMoreThan100Percent(errs, maxUnavailable, child(p, 'maxUnavailable'));
  } else {
    errs.push(notSupported(path, strategy ?? {}, ['Recreate', 'RollingUpdate']));
  }
}

export function validateDeployment(errs: Causes, obj: KObject): void {
  const spec = specOf(obj);
  validateReplicaCounts(errs, spec);
  validateSelectorAndTemplate(errs, spec, 'deployment', 'ReplicaSet');
  validateDeploymentStrategy(errs, spec);
  const pds = readInt(errs, spec, 'spec', 'progressDeadlineSeconds');
  const minReady = intOf(spec['minReadySeconds']) ?? 0;
  if (pds !== undefined) {
    validateNonnegative(errs, pds, 'spec.progressDeadlineSeconds');
    if (pds <= minReady) errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
}

export function validateReplicaSet(errs: Causes, obj: KObject): void {
  const spec = specOf(obj);
  validateReplicaCounts(errs, spec);
  validateSelectorAndTemplate(errs, spec, 'deployment', 'ReplicaSet');
}

function validateDaemonSetStrategy(errs: Causes, spec: JsonObject): void {
  const strategy = readObject(errs, spec, 'spec', 'updateStrategy');
  const path = 'spec.updateStrategy';
  const type = readString(errs, strategy, path, 'type');
  if (type === 'OnDelete') return;
  if (type !== 'RollingUpdate') {
    errs.push(notSupported(path, strategy ?? {}, ['RollingUpdate', 'OnDelete']));
    return;
  }
  const ru = readObject(errs, strategy, path, 'rollingUpdate');
  const p = child(path, 'rollingUpdate');
  if (!ru) {
    errs.push(required(p));
    return;
  }
  const maxUnavailable = readIntOrString(errs, ru, p, 'maxUnavailable');
  const maxSurge = readIntOrString(errs, ru, p, 'maxSurge');
  validatePositiveIntOrPercent(errs, maxUnavailable, child(p, 'maxUnavailable'));
  validatePositiveIntOrPercent(errs, maxSurge, child(p, 'maxSurge'));
  validateNotMoreThan100Percent(errs, maxUnavailable, child(p, 'maxUnavailable'));
  validateNotMoreThan100Percent(errs, maxSurge, child(p, 'maxSurge'));
  // One node's pod is replaced either by surging or by taking it down first, never both.
  const hasUnavailable = !isZeroIntOrPercent(maxUnavailable);
  const hasSurge = !isZeroIntOrPercent(maxSurge);
  if (hasUnavailable && hasSurge) errs.push(invalid(child(p, 'maxSurge'), maxSurge, 'may not be set when maxUnavailable is non-zero'));
  if (!hasUnavailable && !hasSurge) errs.push(required(child(p, 'maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
}

export function validateDaemonSet(errs: Causes, obj: KObject): void {
  const spec = specOf(obj);
  validateSelectorAndTemplate(errs, spec, 'daemonset', 'DaemonSet');
  validateNonnegative(errs, readInt(errs, spec, 'spec', 'minReadySeconds'), 'spec.minReadySeconds');
  validateDaemonSetStrategy(errs, spec);
  validateNonnegative(errs, readInt(errs, spec, 'spec', 'revisionHistoryLimit'), 'spec.revisionHistoryLimit');
}

function validateStatefulSetStrategy(errs: Causes, spec: JsonObject): void {
  const strategy = readObject(errs, spec, 'spec', 'updateStrategy');
  const path = 'spec.updateStrategy';
  const type = readString(errs, strategy, path, 'type');
  const ru = readObject(errs, strategy, path, 'rollingUpdate');
  if (!type) errs.push(required(path));
  else if (type === 'OnDelete') {
    if (ru) errs.push(invalid(child(path, 'rollingUpdate'), ru, "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (type === 'RollingUpdate') {
    if (!ru) return;
    const p = child(path, 'rollingUpdate');
    validateNonnegative(errs, readInt(errs, ru, p, 'partition'), child(p, 'partition'));
    const maxUnavailable = readIntOrString(errs, ru, p, 'maxUnavailable');
    if (maxUnavailable !== undefined) {
      validatePositiveIntOrPercent(errs, maxUnavailable, child(p, 'maxUnavailable'));
      if (isZeroIntOrPercent(maxUnavailable)) errs.push(invalid(child(p, 'maxUnavailable'), maxUnavailable, 'cannot be 0'));
      validateNotMoreThan100Percent(errs, maxUnavailable, child(p, 'maxUnavailable'));
    }
  } else {
    errs.push(invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'"));
  }
}

export function validateStatefulSet(errs: Causes, obj: KObject): void {
  const spec = specOf(obj);
  const policy = readString(errs, spec, 'spec', 'podManagementPolicy');
  if (!policy) errs.push(required('spec.podManagementPolicy'));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') {
    errs.push(invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));
  }
  validateStatefulSetStrategy(errs, spec);
  const retention = readObject(errs, spec, 'spec', 'persistentVolumeClaimRetentionPolicy');
  for (const f of ['whenDeleted', 'whenScaled']) {
    const p = 'spec.persistentVolumeClaimRetentionPolicy';
    const v = readString(errs, retention, p, f);
    if (retention && v !== 'Retain' && v !== 'Delete') errs.push(notSupported(child(p, f), v ?? '', ['Retain', 'Delete']));
  }
  validateReplicaCounts(errs, spec);
  const ordinals = readObject(errs, spec, 'spec', 'ordinals');
  validateNonnegative(errs, readInt(errs, ordinals, 'spec.ordinals', 'start'), 'spec.ordinals.start');
  // Claim templates become volumes of every pod, so mounts may refer to them by name.
  const vctPath = 'spec.volumeClaimTemplates';
  const claimNames: string[] = [];
  for (const { item, i } of objectsOf(errs, readArray(errs, spec, 'spec', 'volumeClaimTemplates'), vctPath)) {
    const p = `${vctPath}[${i}]`;
    validateObjectMeta(errs, 'PersistentVolumeClaim', item['metadata'], false, child(p, 'metadata'));
    validatePvcSpec(errs, item['spec'], child(p, 'spec'));
    const name = asObject(item['metadata'])?.['name'];
    if (typeof name === 'string') claimNames.push(name);
  }
  validateSelectorAndTemplate(errs, spec, 'statefulset', 'StatefulSet', claimNames);
}

export function validateControllerRevision(errs: Causes, obj: KObject): void {
  const revision = readInt(errs, obj, '', 'revision');
  validateNonnegative(errs, revision, 'revision');
}

function validateSelectorImmutable(errs: Causes, obj: KObject, old: KObject): void {
  const now = specOf(obj)['selector'];
  const was = specOf(old)['selector'];
  if (was !== undefined && !deepEqual(now, was)) errs.push(invalid('spec.selector', now, MSG_IMMUTABLE));
}

/** Fields of a StatefulSet spec that may change after creation; anything else, selector included, is frozen. */
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export function validateAppsUpdate(errs: Causes, kind: string, obj: KObject, old: KObject): void {
  if (kind === 'StatefulSet') {
    const strip = (s: JsonObject): JsonObject => Object.fromEntries(Object.entries(s).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)));
    if (!deepEqual(strip(specOf(obj)), strip(specOf(old)))) {
      errs.push(forbidden('spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
    return;
  }
  if (kind === 'ControllerRevision') {
    if (!deepEqual(obj['data'], old['data'])) errs.push(invalid('data', obj['data'], MSG_IMMUTABLE));
    return;
  }
  validateSelectorImmutable(errs, obj, old);
}
