/** scheduling.k8s.io/v1 PriorityClass: the user-definable value range and reserved system names. */
import type { KObject } from '../machinery/object.js';
import { type Causes, forbidden, invalid, MSG_IMMUTABLE, required, validateEnum } from './causes.js';
import { metaString, readInt, readString } from './read.js';

/** Values above this are reserved for system-critical pods. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
const SYSTEM_CLASSES: Readonly<Record<string, number>> = {
  'system-cluster-critical': SYSTEM_CRITICAL_PRIORITY,
  'system-node-critical': SYSTEM_CRITICAL_PRIORITY + 1000,
};

export function validatePriorityClass(errs: Causes, obj: KObject): void {
  const name = metaString(obj, 'name');
  const value = readInt(errs, obj, '', 'value');
  if (value === undefined) errs.push(required('value'));
  const system = SYSTEM_CLASSES[name];
  if (name.startsWith('system-')) {
    if (system === undefined) errs.push(forbidden('metadata.name', "priority class names with 'system-' prefix are reserved"));
    else if (value !== undefined && value !== system) errs.push(forbidden('value', `value of ${name} PriorityClass must be ${system}`));
  } else if (value !== undefined && value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  validateEnum(errs, readString(errs, obj, '', 'preemptionPolicy'), 'preemptionPolicy', ['Never', 'PreemptLowerPriority'], false);
}

export function validatePriorityClassUpdate(errs: Causes, obj: KObject, old: KObject): void {
  if (obj['value'] !== old['value']) errs.push(forbidden('value', 'may not be changed in an update.'));
  if ((obj['preemptionPolicy'] ?? 'PreemptLowerPriority') !== (old['preemptionPolicy'] ?? 'PreemptLowerPriority')) {
    errs.push(invalid('preemptionPolicy', obj['preemptionPolicy'], MSG_IMMUTABLE));
  }
}
