/** Strategic merge patch, the `application/strategic-merge-patch+json` flavour kubectl sends for built-in kinds. */
import { deepCopy, isPlainObject, type GroupVersionKind } from '../machinery/object.js';
import { newBadRequest } from '../machinery/errors.js';
import { setField, type JsonMap } from './json-value.js';
import { applyMergePatch } from './merge-patch.js';
import { identityOf, normalizeElementOrder, partitionByPresence } from './strategic-order.js';
import { lookupField, rootTypeFor, type FieldPatchMeta } from './strategic-schema.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

/**
 * Applies a strategic merge patch to an object of the given kind and returns the result; neither argument is modified.
 * Lists tagged `patchStrategy: merge` merge item by item (by merge key, or as a set of primitives); other lists are
 * replaced whole; `null` deletes a field. The directives `$patch` (delete/replace, and merge as the explicit default
 * for maps), `$retainKeys`, `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>` are honoured and never
 * stored. Kinds without a compiled-in schema get JSON merge patch semantics. A malformed patch is a 400 BadRequest.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, gvk: GroupVersionKind): unknown {
  const rootType = rootTypeFor(gvk);
  if (rootType === undefined) return applyMergePatch(original, patch);
  if (!isPlainObject(patch)) throw newBadRequest('a strategic merge patch must be a JSON object');
  // Both are private copies from here on, so the merge may reuse and rearrange them freely.
  return mergeMap(isPlainObject(original) ? deepCopy(original) : {}, deepCopy(patch), rootType);
}

/** Merges `patch` into `original` (both owned by the caller and consumed) for a map of the named type. */
function mergeMap(original: JsonMap, patch: JsonMap, typeName: string | undefined): JsonMap {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    delete patch[DIRECTIVE];
    if (directive === 'replace') return cleanMap(patch);
    // The map is emptied rather than removed: the field stays, as the Kubernetes API server does it.
    if (directive === 'delete') return {};
    if (directive !== 'merge') throw newBadRequest(`unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  }
  applyRetainKeys(original, patch);
  applyElementOrders(original, patch, typeName);

  const deletions: [string, unknown][] = [];
  for (const [key, patchValue] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      // Applied after the additions so that one patch can both add to and trim the same list predictably.
      deletions.push([key, patchValue]);
    } else if (patchValue === null) {
      delete original[key];
    } else {
      const current = Object.hasOwn(original, key) ? original[key] : undefined;
      setOrDelete(original, key, mergeValue(current, patchValue, lookupField(typeName, key)));
    }
  }
  for (const [key, toDelete] of deletions) deleteFromPrimitiveList(original, key, toDelete);
  return original;
}

/** The merged value of one field, or undefined when the field should not exist afterwards. */
function mergeValue(current: unknown, patchValue: unknown, meta: FieldPatchMeta): unknown {
  if (isPlainObject(current) && isPlainObject(patchValue)) {
    return meta.strategy === 'replace' ? cleanMapValue(patchValue) : mergeMap(current, patchValue, meta.type);
  }
  if (Array.isArray(current) && Array.isArray(patchValue)) return mergeListField(current, patchValue, meta);
  // New field, or a value of another shape: the patch value wins, minus its directives and nulls.
  return clean(patchValue);
}

function mergeListField(current: unknown[], patchList: unknown[], meta: FieldPatchMeta): unknown[] {
  return meta.strategy === 'merge' ? mergeList(current, patchList, meta) : cleanList(patchList);
}

/** Merges a list tagged `patchStrategy: merge`. */
function mergeList(original: unknown[], patch: unknown[], meta: FieldPatchMeta): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const mergeKey = meta.mergeKey ?? '';
  if (elementKind(original, patch) === 'scalar') {
    // A set: union, each value once, so re-adding a finalizer that is already there changes nothing.
    const merged = original.concat(patch).filter((v, i, all) => all.indexOf(v) === i);
    const [patchItems, serverOnly] = partitionByPresence(merged, patch, '');
    return normalizeElementOrder(patchItems, serverOnly, patch, original, '');
  }
  if (mergeKey === '') throw newBadRequest(`cannot merge lists without merge key for ${meta.type ?? 'a list of objects'}`);

  let base = original;
  let plain: JsonMap[] = [];
  let replace = false;
  for (const item of patch as JsonMap[]) {
    if (!Object.hasOwn(item, DIRECTIVE)) {
      plain.push(item);
      continue;
    }
    switch (item[DIRECTIVE]) {
      case 'delete': {
        const id = requireMergeKey(item, mergeKey);
        base = base.filter((o) => identityOf(o, mergeKey) !== id);
        break;
      }
      case 'replace':
        // A `{"$patch":"replace"}` item says the rest of the patch list is the whole new list.
        replace = true;
        break;
      case 'merge':
        throw newBadRequest('merging lists cannot yet be specified in the patch');
      default:
        throw newBadRequest(`unknown patch type: ${String(item[DIRECTIVE])} in map: ${JSON.stringify(item)}`);
    }
  }
  if (replace) {
    base = plain.map(cleanMap);
    plain = [];
  }

  const merged = base.slice();
  for (const item of plain) {
    const id = requireMergeKey(item, mergeKey);
    const at = merged.findIndex((o) => isPlainObject(o) && Object.hasOwn(o, mergeKey) && o[mergeKey] === id);
    if (at >= 0) merged[at] = mergeMap(merged[at] as JsonMap, item, meta.type);
    else merged.push(cleanMap(item));
  }
  const [patchItems, serverOnly] = partitionByPresence(merged, plain, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, plain, base, mergeKey);
}

/**
 * `$retainKeys: [...]` clears every key of the original map that is not listed, before merging. It is how a client
 * switches a union (Deployment strategy, a volume's source) from one member to another without naming the old one.
 */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain)) throw newBadRequest('invalid patch format of retainKeys');
  const keep = new Set<unknown>(retain);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
    // A patch that sets a key it does not retain contradicts itself.
    if (!keep.has(key)) throw newBadRequest(`invalid patch format of retainKeys: ${key} is not in the $retainKeys list`);
  }
  for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
}

/**
 * Handles every `$setElementOrder/<list>` of this map together with its list: merges the list, orders the result,
 * and removes both from the patch so the main loop does not process the list again.
 */
function applyElementOrders(original: JsonMap, patch: JsonMap, typeName: string | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    const field = key.slice(SET_ELEMENT_ORDER.length);
    if (field === '' || !Array.isArray(order)) throw newBadRequest('invalid patch format of setElementOrder list');
    const current = listOrUndefined(original, field);
    const patchList = listOrUndefined(patch, field);
    const meta = lookupField(typeName, field);
    const mergeKey = meta.mergeKey ?? '';
    if (patchList) checkOrderCoversPatch(patchList, order, mergeKey);

    let merged: unknown[];
    if (current && patchList) merged = mergeListField(current, patchList, meta);
    else if (current) merged = current;
    else if (patchList) merged = cleanList(patchList);
    else continue;

    const [named, serverOnly] = partitionByPresence(merged, order, mergeKey);
    original[field] = normalizeElementOrder(named, serverOnly, order, current ?? [], mergeKey);
    delete patch[field];
  }
}

function listOrUndefined(map: JsonMap, field: string): unknown[] | undefined {
  if (!Object.hasOwn(map, field)) return undefined;
  const value = map[field];
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value)) throw newBadRequest(`invalid patch format of setElementOrder list: ${field} is not a list`);
  return value;
}

/** Every non-directive patch item must appear in the `$setElementOrder` list, in the same relative order. */
function checkOrderCoversPatch(patchList: readonly unknown[], order: readonly unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = patchList.filter((item) => !(isPlainObject(item) && Object.hasOwn(item, DIRECTIVE)));
  let p = 0;
  for (let s = 0; p < items.length && s < order.length; s++) {
    const left = mergeKey === '' ? items[p] : requireMergeKey(items[p], mergeKey);
    const right = mergeKey === '' ? order[s] : requireMergeKey(order[s], mergeKey);
    if (left === right) p++;
  }
  if (p < items.length) {
    throw newBadRequest(`the order in patch list: ${JSON.stringify(patchList)} doesn't match $setElementOrder list: ${JSON.stringify(order)}`);
  }
}

/** `$deleteFromPrimitiveList/<list>: [values]` removes those values from a list of primitives (kubectl apply's removed finalizers). */
function deleteFromPrimitiveList(original: JsonMap, key: string, toDelete: unknown): void {
  const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
  if (field === '') throw newBadRequest('invalid patch format of primitive list');
  if (toDelete === null) {
    delete original[field];
    return;
  }
  const current = Object.hasOwn(original, field) ? original[field] : undefined;
  if (!Array.isArray(current) || !Array.isArray(toDelete)) return;
  original[field] = current.filter((v) => !toDelete.includes(v));
}

function requireMergeKey(item: unknown, mergeKey: string): unknown {
  if (!isPlainObject(item) || !Object.hasOwn(item, mergeKey)) {
    throw newBadRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
  }
  return item[mergeKey];
}

/** Whether a merge list holds objects or primitives; both sides must agree, and nested lists are not supported. */
function elementKind(...lists: unknown[][]): 'map' | 'scalar' {
  let kind: string | undefined;
  for (const item of lists.flat()) {
    if (Array.isArray(item)) throw newBadRequest('lists of lists are not supported');
    const itemKind = isPlainObject(item) ? 'map' : typeof item;
    if (kind !== undefined && kind !== itemKind) throw newBadRequest(`list element types are not identical: ${JSON.stringify(lists)}`);
    kind = itemKind;
  }
  return kind === 'map' ? 'map' : 'scalar';
}

function setOrDelete(target: JsonMap, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else setField(target, key, value);
}

/**
 * A patch value that lands without anything to merge into: directives are dropped (a `$patch: delete` map vanishes,
 * list items carrying `$patch` are markers, not data) and nulls are dropped because there is nothing for them to delete.
 * Returns undefined when the value itself should vanish.
 */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return cleanList(value);
  if (isPlainObject(value)) return cleanMapValue(value);
  return value;
}

function cleanList(list: readonly unknown[]): unknown[] {
  return list.filter((item) => !(isPlainObject(item) && Object.hasOwn(item, DIRECTIVE))).map(clean);
}

function cleanMapValue(map: JsonMap): JsonMap | undefined {
  return map[DIRECTIVE] === 'delete' ? undefined : cleanMap(map);
}

function cleanMap(map: JsonMap): JsonMap {
  const out: JsonMap = {};
  for (const [key, value] of Object.entries(map)) {
    if (value === null || isDirectiveKey(key)) continue;
    const cleaned = clean(value);
    if (cleaned !== undefined) setField(out, key, cleaned);
  }
  return out;
}

function isDirectiveKey(key: string): boolean {
  return key === DIRECTIVE || key === RETAIN_KEYS || key.startsWith(SET_ELEMENT_ORDER) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST);
}
