/** The Pod kind: its spec on create, and the narrow set of spec changes Kubernetes allows on update. */
import type { KObject } from '../machinery/object.js';
import { deepCopy, deepEqual, isPlainObject } from '../machinery/object.js';
import { type Causes, forbidden, invalid } from './causes.js';
import { validatePodSpec } from './pod-spec.js';
import { asObject, type JsonObject } from './read.js';

const POD_UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,' +
  '`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

export function validatePod(errs: Causes, obj: KObject): void {
  validatePodSpec(errs, obj['spec'], 'spec');
}

function containersOf(spec: JsonObject, field: string): JsonObject[] {
  const list = spec[field];
  return Array.isArray(list) ? list.filter(isPlainObject) : [];
}

/** Images are the one container field that may change in place (the kubelet restarts the container). */
function copyImages(next: JsonObject, old: JsonObject): void {
  for (const field of ['containers', 'initContainers']) {
    const now = containersOf(next, field);
    const was = containersOf(old, field);
    now.forEach((c, i) => {
      const o = was[i];
      if (o) c['image'] = o['image'];
    });
  }
}

function tolerationsOnlyAdded(next: unknown, old: unknown): boolean {
  const now = Array.isArray(next) ? next : [];
  const was = Array.isArray(old) ? old : [];
  return was.every((t) => now.some((n) => deepEqual(n, t)));
}

/** activeDeadlineSeconds may be set or shortened, never lengthened or removed. */
function validateActiveDeadline(errs: Causes, next: unknown, old: unknown): void {
  if (typeof old !== 'number') return;
  if (next === undefined || next === null) {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  } else if (typeof next === 'number' && next > old) {
    errs.push(invalid('spec.activeDeadlineSeconds', next, 'must be less than or equal to previous value'));
  }
}

export function validatePodUpdate(errs: Causes, obj: KObject, old: KObject): void {
  const next = asObject(obj['spec']);
  const was = asObject(old['spec']);
  if (!next || !was) return;
  validateActiveDeadline(errs, next['activeDeadlineSeconds'], was['activeDeadlineSeconds']);
  const mutated = deepCopy(next);
  copyImages(mutated, was);
  mutated['activeDeadlineSeconds'] = was['activeDeadlineSeconds'];
  if (tolerationsOnlyAdded(next['tolerations'], was['tolerations'])) mutated['tolerations'] = was['tolerations'];
  const oldGrace = was['terminationGracePeriodSeconds'];
  if (typeof oldGrace === 'number' && oldGrace < 0 && next['terminationGracePeriodSeconds'] === 1) {
    mutated['terminationGracePeriodSeconds'] = oldGrace;
  }
  // A pod bound by the scheduler keeps its node even when an update omits it.
  if (!mutated['nodeName'] && was['nodeName']) mutated['nodeName'] = was['nodeName'];
  if (!deepEqual(mutated, was)) errs.push(forbidden('spec', POD_UPDATE_MESSAGE));
}
