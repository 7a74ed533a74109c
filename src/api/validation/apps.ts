/** apps/v1 workloads: Deployment, ReplicaSet, DaemonSet, StatefulSet and ControllerRevision, on create and update. */
import type { KObject } from '../machinery/object.js';
import { deepEqual } from '../machinery/object.js';
import {
  child, type Causes, forbidden, invalid, MSG_IMMUTABLE, required, validateEnum, validateNonnegative,
} from './causes.js';
import { isZeroIntOrPercent, validateNotMoreThan100Percent, validatePositiveIntOrPercent } from './int-or-percent.js';
import { isEmptySelector, type LabelSelector, validateLabelSelector } from './labels.js';
import { validatePvcSpec } from './storage.js';
import { validateAlwaysRestart, validatePodTemplateSpec, validateSelectorMatchesTemplate } from './pod-template.js';
import { asObject, intOf, objectsOf, readArray, readInt, readIntOrString, readObject, readString, type JsonObject } from './read.js';
import { validateObjectMeta } from './object-meta.js';

/** Reads the selector every apps/v1 kind requires, non-empty, and checks the template against it. */
function validateSelectorAndTemplate(errs: Causes, spec: JsonObject, kindWord: string, messageKind: string): LabelSelector | undefined {
  const selector = validateLabelSelector(errs, spec, 'spec');
  if (!selector) errs.push(required('spec.selector'));
  else if (isEmptySelector(selector)) errs.push(invalid('spec.selector', spec['selector'], `empty selector is invalid for ${kindWord}`));
  const info = validatePodTemplateSpec(errs, spec, 'spec');
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
  validateEnum(errs, type, child(path, 'type'), ['Recreate', 'RollingUpdate']);
  const ru = readObject(errs, strategy, path, 'rollingUpdate');
  if (type === 'Recreate' && ru) {
    errs.push(forbidden(child(path, 'rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"));
  }
  if (type === 'RollingUpdate' && ru) {
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

export function validateDaemonSet(errs: Causes, obj: KObject): void {
  const spec = specOf(obj);
  validateReplicaCounts(errs, spec);
  validateSelectorAndTemplate(errs, spec, 'daemonset', 'ReplicaSet');
  const strategy = readObject(errs, spec, 'spec', 'updateStrategy');
  const path = 'spec.updateStrategy';
  const type = readString(errs, strategy, path, 'type');
  validateEnum(errs, type, child(path, 'type'), ['OnDelete', 'RollingUpdate']);
  const ru = readObject(errs, strategy, path, 'rollingUpdate');
  if (type === 'RollingUpdate' && ru) {
    const p = child(path, 'rollingUpdate');
    const maxUnavailable = readIntOrString(errs, ru, p, 'maxUnavailable');
    const maxSurge = readIntOrString(errs, ru, p, 'maxSurge');
    validatePositiveIntOrPercent(errs, maxUnavailable, child(p, 'maxUnavailable'));
    validatePositiveIntOrPercent(errs, maxSurge, child(p, 'maxSurge'));
    if (isZeroIntOrPercent(maxUnavailable) && isZeroIntOrPercent(maxSurge)) {
      errs.push(invalid(child(p, 'maxUnavailable'), maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
    }
    if (!isZeroIntOrPercent(maxUnavailable) && !isZeroIntOrPercent(maxSurge) && maxSurge !== undefined) {
      errs.push(invalid(child(p, 'maxSurge'), maxSurge, 'may not be set when maxUnavailable is non-zero'));
    }
    validateNotMoreThan100Percent(errs, maxUnavailable, child(p, 'maxUnavailable'));
    validateNotMoreThan100Percent(errs, maxSurge, child(p, 'maxSurge'));
  }
}

export function validateStatefulSet(errs: Causes, obj: KObject): void {
  const spec = specOf(obj);
  validateReplicaCounts(errs, spec);
  validateSelectorAndTemplate(errs, spec, 'statefulset', 'StatefulSet');
  validateEnum(errs, readString(errs, spec, 'spec', 'podManagementPolicy'), 'spec.podManagementPolicy', ['OrderedReady', 'Parallel']);
  const strategy = readObject(errs, spec, 'spec', 'updateStrategy');
  const path = 'spec.updateStrategy';
  const type = readString(errs, strategy, path, 'type');
  validateEnum(errs, type, child(path, 'type'), ['OnDelete', 'RollingUpdate']);
  const ru = readObject(errs, strategy, path, 'rollingUpdate');
  if (ru && type === 'OnDelete') {
    errs.push(invalid(child(path, 'rollingUpdate'), ru, "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (ru) {
    validateNonnegative(errs, readInt(errs, ru, child(path, 'rollingUpdate'), 'partition'), child(path, 'rollingUpdate.partition'));
  }
  const retention = readObject(errs, spec, 'spec', 'persistentVolumeClaimRetentionPolicy');
  for (const f of ['whenDeleted', 'whenScaled']) {
    const p = 'spec.persistentVolumeClaimRetentionPolicy';
    validateEnum(errs, readString(errs, retention, p, f), child(p, f), ['Delete', 'Retain'], false);
  }
  const ordinals = readObject(errs, spec, 'spec', 'ordinals');
  validateNonnegative(errs, readInt(errs, ordinals, 'spec.ordinals', 'start'), 'spec.ordinals.start');
  const vctPath = 'spec.volumeClaimTemplates';
  for (const { item, i } of objectsOf(errs, readArray(errs, spec, 'spec', 'volumeClaimTemplates'), vctPath)) {
    const p = `${vctPath}[${i}]`;
    validateObjectMeta(errs, 'PersistentVolumeClaim', item['metadata'], false, child(p, 'metadata'));
    validatePvcSpec(errs, item['spec'], child(p, 'spec'));
  }
}

export function validateControllerRevision(errs: Causes, obj: KObject): void {
  const revision = readInt(errs, obj, '', 'revision');
  validateNonnegative(errs, revision, 'revision');
}

function validateSelectorImmutable(errs: Causes, obj: KObject, old: KObject): void {
  const now = specOf(obj)['selector'];
  const was = specOf(old)['selector'];
  if (was !== undefined && !deepEqual(now, was)) {
    errs.push(invalid('spec.selector', now, MSG_IMMUTABLE));
  }
}

/** Fields of a StatefulSet spec that may change after creation. */
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export function validateAppsUpdate(errs: Causes, kind: string, obj: KObject, old: KObject): void {
  validateSelectorImmutable(errs, obj, old);
  if (kind === 'StatefulSet') {
    const strip = (s: JsonObject): JsonObject => Object.fromEntries(Object.entries(s).filter(([k]) => !STATEFULSET_MUTABLE.includes(k) && k !== 'selector'));
    if (!deepEqual(strip(specOf(obj)), strip(specOf(old)))) {
      errs.push(forbidden('spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
  }
  if (kind === 'ControllerRevision' && !deepEqual(obj['data'], old['data'])) errs.push(invalid('data', obj['data'], MSG_IMMUTABLE));
}
