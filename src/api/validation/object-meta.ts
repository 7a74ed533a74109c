/** ObjectMeta checks shared by every kind: name, generateName, namespace, labels, annotations, owner references. */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { child, type Causes, forbidden, index, invalid, MSG_IMMUTABLE, required, tooLong } from './causes.js';
import { isDNS1123Label, isQualifiedName } from './formats.js';
import { validateLabels } from './labels.js';
import { nameMessages } from './names.js';
import { asObject, objectsOf, readArray, readString, readStringMap } from './read.js';

/** Kubernetes' TotalAnnotationSizeLimitB: keys plus values across all annotations. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateAnnotations(errs: Causes, annotations: Record<string, string>, path: string): void {
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    // Kubernetes lower-cases the key first: annotation keys are case-insensitive for this check.
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, msg));
    total += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
}

function validateOwnerReferences(errs: Causes, meta: Record<string, unknown>, path: string): void {
  const refs = objectsOf(errs, readArray(errs, meta, path, 'ownerReferences'), child(path, 'ownerReferences'));
  let controllers = 0;
  for (const { item, i } of refs) {
    const p = index(child(path, 'ownerReferences'), i);
    for (const f of ['apiVersion', 'kind', 'name', 'uid']) {
      if (!readString(errs, item, p, f)) errs.push(required(child(p, f), ''));
    }
    if (item['controller'] === true) controllers++;
  }
  if (controllers > 1) {
    errs.push(invalid(child(path, 'ownerReferences'), refs.map(({ item }) => item), 'Only one reference can have Controller set to true'));
  }
}

/** Name rules are per kind (see names.ts); `generateName` is checked as a prefix of such a name. */
export function validateObjectMeta(
  errs: Causes, kind: string, metaValue: unknown, namespaced: boolean, path = 'metadata', nameRequired = true,
): void {
  const meta = asObject(metaValue) ?? {};
  const name = readString(errs, meta, path, 'name');
  const generateName = readString(errs, meta, path, 'generateName');
  if (generateName) {
    for (const msg of nameMessages(kind, generateName, true)) errs.push(invalid(child(path, 'generateName'), generateName, msg));
  }
  if (!name) {
    if (!generateName && nameRequired) errs.push(required(child(path, 'name'), 'name or generateName is required'));
  } else {
    for (const msg of nameMessages(kind, name, false)) errs.push(invalid(child(path, 'name'), name, msg));
  }
  const ns = readString(errs, meta, path, 'namespace');
  if (namespaced && ns) {
    for (const msg of isDNS1123Label(ns)) errs.push(invalid(child(path, 'namespace'), ns, msg));
  }
  validateLabels(errs, readStringMap(errs, meta, path, 'labels'), child(path, 'labels'));
  validateAnnotations(errs, readStringMap(errs, meta, path, 'annotations'), child(path, 'annotations'));
  validateOwnerReferences(errs, meta, path);
}

/** Identity fields never change once an object exists. */
export function validateObjectMetaUpdate(errs: Causes, meta: ObjectMeta, old: ObjectMeta, path = 'metadata'): void {
  for (const f of ['name', 'namespace', 'uid'] as const) {
    const now = meta[f];
    const was = old[f];
    if (now && was && now !== was) errs.push(invalid(child(path, f), now, MSG_IMMUTABLE));
  }
  // Once an object is being deleted its finalizers can only be removed, or it might never go.
  if (old.deletionTimestamp) {
    const added = (meta.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
    if (added.length) errs.push(forbidden(child(path, 'finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`));
  }
}
