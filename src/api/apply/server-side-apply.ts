/** Server-side apply: merges an applied configuration into the live object and records who owns what. */
import type { StatusCause } from '../machinery/errors.js';
import { newApplyConflict } from '../machinery/errors.js';
import { apiVersionOf, deepCopy, deepEqual, type GroupVersionKind, type KObject } from '../machinery/object.js';
import { compareObjects } from './compare.js';
import { isListKeyField, pathToString } from './field-path.js';
import { difference, equalSets, hasPathOrDescendant, intersection, pathsOf, union, type FieldSet } from './field-set.js';
import {
  decodeManagedFields, describeManager, encodeManagedFields, formatManagedFieldsTime, managerIdentity,
  type FieldManager,
} from './managed-fields.js';
import { mergeApplied } from './merge.js';
import { fieldSetOf } from './object-fields.js';
import { removeFields } from './prune.js';
import { trackedFields } from './tracked-fields.js';

export interface ServerSideApplyInput {
  /** The stored object, or undefined when the apply creates it. */
  live: KObject | undefined;
  /** The configuration the client applied (the body of an application/apply-patch+yaml PATCH). */
  applied: KObject;
  /** The fieldManager query parameter; kubectl sends `kubectl`. */
  manager: string;
  /** The force query parameter: take over conflicting fields instead of failing. */
  force: boolean;
  /** The kind and version the request addressed; recorded as each entry's apiVersion. */
  gvk: GroupVersionKind;
  /** Clock for managedFields timestamps. */
  now?: () => Date;
}

/** Kubernetes' name for the owner of everything an object held before its first apply. */
export const BEFORE_FIRST_APPLY_MANAGER = 'before-first-apply';

/**
 * Applies `applied` over `live` as `manager` and returns the new object with its managedFields updated.
 * Fields this manager applied before and now leaves out are removed unless someone else owns them.
 * Changing a field another manager owns throws a 409 Conflict listing every such field, unless `force`,
 * in which case the fields move to this manager. Setting a field to the value it already has shares it.
 * Status and server-set metadata in `applied` are ignored. Does not mutate its inputs.
 */
export function serverSideApply(input: ServerSideApplyInput): KObject {
  const { live, applied, manager, force, gvk } = input;
  const kind = gvk.kind;
  const apiVersion = apiVersionOf(gvk);
  const time = formatManagedFieldsTime((input.now ?? (() => new Date()))());

  const config = trackedFields(applied, 'main');
  const appliedSet = fieldSetOf(config, kind);
  const base = live ? deepCopy(live) : skeletonFor(applied, gvk);

  let managers = decodeManagedFields(live?.metadata.managedFields);
  // An object written before any field tracking gets one owner for all it holds, so appliers cannot silently take it over.
  if (live && managers.length === 0) {
    managers = [{
      manager: BEFORE_FIRST_APPLY_MANAGER, operation: 'Update', apiVersion, time,
      fields: fieldSetOf(trackedFields(live, 'main'), kind),
    }];
  }
  const selfId = managerIdentity({ manager, operation: 'Apply', apiVersion });
  const previous = managers.find((m) => managerIdentity(m) === selfId);
  let others = managers.filter((m) => managerIdentity(m) !== selfId);
  const othersSet = others.reduce<FieldSet>((acc, m) => union(acc, m.fields), new Set());

  let merged = mergeApplied(base, config, kind) as KObject;
  if (previous) {
    const dropped = pathsOf(difference(previous.fields, appliedSet)).filter(
      (p) => !hasPathOrDescendant(othersSet, p) && !hasPathOrDescendant(appliedSet, p) && !isListKeyField(p),
    );
    merged = removeFields(merged, dropped, union(othersSet, appliedSet), kind) as KObject;
  }

  const comparison = compareObjects(trackedFields(live, 'main'), trackedFields(merged, 'main'), kind);
  const causes: StatusCause[] = [];
  others = others.map((m) => {
    const taken = intersection(m.fields, comparison.changed);
    for (const p of pathsOf(taken)) {
      const field = pathToString(p);
      causes.push({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(m)}: ${field}`, field });
    }
    // Fields removed from the object are no longer anyone's; taken fields are only lost when forced.
    const lost = force ? union(taken, comparison.removed) : comparison.removed;
    return lost.size === 0 ? m : { ...m, fields: difference(m.fields, lost) };
  });
  if (causes.length > 0 && !force) throw newApplyConflict(causes);

  const unchanged =
    previous !== undefined && equalSets(previous.fields, appliedSet) && deepEqual(withoutManagedFields(base), withoutManagedFields(merged));
  const self: FieldManager = {
    manager, operation: 'Apply', apiVersion, fields: appliedSet,
    time: unchanged ? previous.time ?? time : time,
  };
  const entries = encodeManagedFields([...others, self]);
  merged.apiVersion = apiVersion;
  merged.kind = kind;
  merged.metadata = { ...merged.metadata };
  if (entries.length > 0) merged.metadata.managedFields = entries;
  else delete merged.metadata.managedFields;
  return merged;
}

/** The object an apply starts from when nothing is stored yet: only its identity. */
function skeletonFor(applied: KObject, gvk: GroupVersionKind): KObject {
  const metadata: KObject['metadata'] = {};
  if (applied.metadata?.name !== undefined) metadata.name = applied.metadata.name;
  if (applied.metadata?.namespace !== undefined) metadata.namespace = applied.metadata.namespace;
  return { apiVersion: apiVersionOf(gvk), kind: gvk.kind, metadata };
}

function withoutManagedFields(obj: KObject): KObject {
  const metadata = { ...obj.metadata };
  delete metadata.managedFields;
  return { ...obj, metadata };
}
