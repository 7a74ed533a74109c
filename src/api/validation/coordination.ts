/** coordination.k8s.io/v1 Lease: durations and counters. */
import type { KObject } from '../machinery/object.js';
import { type Causes, invalid, MSG_POSITIVE, validateNonnegative } from './causes.js';
import { asObject, readInt } from './read.js';

export function validateLease(errs: Causes, obj: KObject): void {
  const spec = asObject(obj['spec']) ?? {};
  const duration = readInt(errs, spec, 'spec', 'leaseDurationSeconds');
  if (duration !== undefined && duration <= 0) errs.push(invalid('spec.leaseDurationSeconds', duration, MSG_POSITIVE));
  validateNonnegative(errs, readInt(errs, spec, 'spec', 'leaseTransitions'), 'spec.leaseTransitions');
}
