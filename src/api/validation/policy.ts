/** policy/v1 PodDisruptionBudget: one of minAvailable or maxUnavailable, and a valid selector. */
import type { KObject } from '../machinery/object.js';
import { type Causes, invalid, validateEnum } from './causes.js';
import { validateNotMoreThan100Percent, validatePositiveIntOrPercent } from './int-or-percent.js';
import { validateLabelSelector } from './labels.js';
import { asObject, readIntOrString, readString } from './read.js';

export function validatePodDisruptionBudget(errs: Causes, obj: KObject): void {
  const spec = asObject(obj['spec']) ?? {};
  const minAvailable = readIntOrString(errs, spec, 'spec', 'minAvailable');
  const maxUnavailable = readIntOrString(errs, spec, 'spec', 'maxUnavailable');
  if (minAvailable !== undefined && maxUnavailable !== undefined) {
    errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  validatePositiveIntOrPercent(errs, minAvailable, 'spec.minAvailable');
  validateNotMoreThan100Percent(errs, minAvailable, 'spec.minAvailable');
  validatePositiveIntOrPercent(errs, maxUnavailable, 'spec.maxUnavailable');
  validateNotMoreThan100Percent(errs, maxUnavailable, 'spec.maxUnavailable');
  validateLabelSelector(errs, spec, 'spec');
  validateEnum(errs, readString(errs, spec, 'spec', 'unhealthyPodEvictionPolicy'), 'spec.unhealthyPodEvictionPolicy', ['AlwaysAllow', 'IfHealthyBudget'], false);
}
