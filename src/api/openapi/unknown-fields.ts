// Finds the fields of an object that its kind's schema does not declare, for fieldValidation=Strict and Warn.
import type { GroupVersionKind } from '../machinery/object.js';
import { isPlainObject } from '../machinery/object.js';
import { definitionNameFor, definitions, resolve } from './definitions.js';
import type { JSONSchema } from './schema.js';

/**
 * Paths such as `.spec.replicasx` or `.spec.template.spec.containers[0].imagex`, in document order. Map values
 * appear as `.data[key]`. Kinds without a schema (custom resources) report nothing: there is nothing to compare with.
 */
export function unknownFields(gvk: GroupVersionKind, obj: unknown): string[] {
  const name = definitionNameFor(gvk);
  if (name === undefined) return [];
  const out: string[] = [];
  walk(definitions()[name], obj, '', out, 0);
  return out;
}

/** Deletes those fields in place: decoding into Kubernetes' typed structs drops them, so they are never stored. */
export function pruneUnknownFields(gvk: GroupVersionKind, obj: unknown): void {
  const name = definitionNameFor(gvk);
  if (name !== undefined) walk(definitions()[name], obj, '', [], 0, true);
}

/** Deep enough for any real manifest; guards against self-referencing schemas fed with cyclic-looking data. */
const MAX_DEPTH = 64;

function walk(schema: JSONSchema | undefined, value: unknown, path: string, out: string[], depth: number, prune = false): void {
  const s = schema && flatten(schema);
  if (!s || depth > MAX_DEPTH || s['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value)) {
    if (s.items) value.forEach((v, i) => walk(s.items, v, `${path}[${i}]`, out, depth + 1, prune));
    return;
  }
  if (!isPlainObject(value)) return;
  if (s.properties) {
    for (const [key, v] of Object.entries(value)) {
      const field = s.properties[key];
      if (field === undefined) {
        out.push(`${path}.${key}`);
        if (prune) delete value[key];
      } else walk(field, v, `${path}.${key}`, out, depth + 1, prune);
    }
  } else if (typeof s.additionalProperties === 'object') {
    for (const [key, v] of Object.entries(value)) walk(s.additionalProperties, v, `${path}[${key}]`, out, depth + 1, prune);
  }
}

/** A field schema that wraps its `$ref` in a one-element `allOf` (to keep a description) stands for the referent. */
function flatten(schema: JSONSchema): JSONSchema | undefined {
  let s: JSONSchema | undefined = schema;
  for (let i = 0; s && i < 8; i++) {
    if (s.$ref) s = resolve(s);
    else if (s.allOf?.length === 1 && !s.properties) s = { ...s.allOf[0], 'x-kubernetes-preserve-unknown-fields': s['x-kubernetes-preserve-unknown-fields'] };
    else return s;
  }
  return s;
}
