/**
 * The garbage collector's decisions as pure functions: which dependents lost their owners,
 * and what a deleting owner with the foregroundDeletion or orphan finalizer still waits for.
 */
import type { KObject } from '../../api/machinery/object.js';

export const FOREGROUND = 'foregroundDeletion';
export const ORPHAN = 'orphan';

export type OwnerState = 'present' | 'absent' | 'unknown';

/** A dependent is garbage when every owner it names is gone (uid no longer present). */
export function isOrphaned(dependent: KObject, ownerState: (uid: string) => OwnerState): boolean {
  const refs = dependent.metadata.ownerReferences ?? [];
  if (!refs.length || dependent.metadata.deletionTimestamp) return false;
  return refs.every((r) => ownerState(r.uid) === 'absent');
}

export type OwnerAction =
  | { type: 'none' }
  /** Delete these dependents (foreground cascades keep going down the tree). */
  | { type: 'deleteDependents'; dependents: KObject[] }
  /** Remove the owner's reference from these dependents. */
  | { type: 'orphanDependents'; dependents: KObject[] }
  /** Nothing left to wait for: drop the finalizer from the owner. */
  | { type: 'removeFinalizer'; finalizer: string };

/** What to do for an owner being deleted, given its current dependents. */
export function planOwnerDeletion(owner: KObject, dependents: KObject[]): OwnerAction {
  const fins = owner.metadata.finalizers ?? [];
  if (!owner.metadata.deletionTimestamp) return { type: 'none' };
  if (fins.includes(ORPHAN)) {
    return dependents.length ? { type: 'orphanDependents', dependents } : { type: 'removeFinalizer', finalizer: ORPHAN };
  }
  if (fins.includes(FOREGROUND)) {
    const pending = dependents.filter((d) => !d.metadata.deletionTimestamp);
    if (pending.length) return { type: 'deleteDependents', dependents: pending };
    return dependents.length ? { type: 'none' } : { type: 'removeFinalizer', finalizer: FOREGROUND };
  }
  return { type: 'none' };
}
