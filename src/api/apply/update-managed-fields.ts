/** Field ownership for ordinary writes (create, update, patch): whoever changes a field owns it. */
import { apiVersionOf, deepCopy, deepEqual, type GroupVersionKind, type KObject } from '../machinery/object.js';
import { compareObjects } from './compare.js';
import { difference, union } from './field-set.js';
import {
  decodeManagedFields, encodeManagedFields, formatManagedFieldsTime, managerIdentity, type FieldManager,
} from './managed-fields.js';
import { trackedFields } from './tracked-fields.js';

export interface UpdateManagedFieldsInput {
  /** The stored object before the write, or undefined for a create. */
  live: KObject | undefined;
  /** The object about to be stored. */
  updated: KObject;
  /** The fieldManager of the request, or the default the API layer derived for it. */
  manager: string;
  operation: 'Update';
  /** The kind and version the request addressed; recorded as the entry's apiVersion. */
  gvk: GroupVersionKind;
  /** `status`, `scale`, ... when the write came through a subresource. */
  subresource?: string;
  /** Clock for managedFields timestamps. */
  now?: () => Date;
}

/**
 * `updated` with managedFields recording the write: the fields it changed or added become `manager`'s
 * and leave every other manager's set, removed fields leave every set, and managers left with nothing
 * are dropped. The entry's time moves only when the write changed something. Does not mutate its inputs.
 */
export function updateManagedFields(input: UpdateManagedFieldsInput): KObject {
  const { live, updated, manager, operation, gvk, subresource } = input;
  const kind = gvk.kind;
  const apiVersion = apiVersionOf(gvk);
  const scope = subresource === 'status' ? 'status' : 'main';

  const comparison = compareObjects(trackedFields(live, scope), trackedFields(updated, scope), kind);
  const selfId = managerIdentity({ manager, operation, apiVersion, subresource });
  const managers = decodeManagedFields(ownershipSource(live, updated));
  const previous = managers.find((m) => managerIdentity(m) === selfId);
  const taken = union(comparison.changed, comparison.removed);
  const others = managers
    .filter((m) => managerIdentity(m) !== selfId)
    .map((m) => ({ ...m, fields: difference(m.fields, taken) }));

  const fields = union(difference(previous?.fields ?? new Set(), comparison.removed), comparison.changed);
  const time = comparison.changed.size > 0
    ? formatManagedFieldsTime((input.now ?? (() => new Date()))())
    : previous?.time;
  const self: FieldManager = {
    manager, operation, apiVersion, fields,
    ...(subresource ? { subresource } : {}),
    ...(time ? { time } : {}),
  };

  const out = deepCopy(updated);
  const entries = encodeManagedFields([...others, self]);
  if (entries.length > 0) out.metadata.managedFields = entries;
  else delete out.metadata.managedFields;
  return out;
}

/**
 * Whose claims the write starts from. A client that sends managedFields different from the stored ones
 * is rewriting them on purpose, as Kubernetes allows; one that leaves them out keeps the stored ones.
 */
function ownershipSource(live: KObject | undefined, updated: KObject): KObject['metadata']['managedFields'] {
  const sent = updated.metadata.managedFields;
  if (sent === undefined || deepEqual(sent, live?.metadata.managedFields)) return live?.metadata.managedFields;
  return sent;
}
