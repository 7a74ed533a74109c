/** Reading objects through field paths: the field set an object sets, and the value at a path. */
import { isPlainObject } from '../machinery/object.js';
import {
  fieldElement, isFieldElement, keyElement, schemaPathOf, valueElement, encodePath,
  type FieldPath, type PathElement,
} from './field-path.js';
import type { FieldSet } from './field-set.js';
import { elementTypeAt, type ElementType } from './list-schema.js';

/**
 * The path element of every item of a list, or undefined when the list has to be handled as one atomic
 * value: it is not declared associative, or its items cannot be told apart (missing keys, duplicates).
 */
export function listItemElements(list: readonly unknown[], t: ElementType | undefined): PathElement[] | undefined {
  let elements: PathElement[];
  if (t?.type === 'set') {
    if (!list.every((v) => v === null || typeof v !== 'object')) return undefined;
    elements = list.map(valueElement);
  } else if (t?.type === 'map') {
    const out: PathElement[] = [];
    for (const item of list) {
      if (!isPlainObject(item)) return undefined;
      const keys: Record<string, unknown> = {};
      for (const k of t.keys) {
        const v = item[k] ?? t.defaults?.[k];
        if (v !== undefined) keys[k] = v;
      }
      if (Object.keys(keys).length === 0) return undefined;
      out.push(keyElement(keys));
    }
    elements = out;
  } else {
    return undefined;
  }
  return new Set(elements).size === elements.length ? elements : undefined;
}

/** The merge type of the list or struct found at `path`. */
export function elementTypeOf(kind: string, path: FieldPath): ElementType | undefined {
  return elementTypeAt(kind, schemaPathOf(path));
}

/**
 * The set of leaf fields `obj` sets, as Kubernetes computes it for an applied configuration:
 * scalars, nulls, empty maps and atomic values are members; so is every item of an associative
 * or set list. Plain structs are not members themselves, only what they hold.
 */
export function fieldSetOf(obj: unknown, kind: string): FieldSet {
  const out = new Set<string>();
  const walk = (value: unknown, path: PathElement[]): void => {
    if (Array.isArray(value)) {
      const t = elementTypeOf(kind, path);
      const elements = listItemElements(value, t);
      if (!elements) {
        if (path.length > 0) out.add(encodePath(path));
        return;
      }
      value.forEach((item, i) => {
        const itemPath = [...path, elements[i]];
        out.add(encodePath(itemPath));
        if (t?.type === 'map') walk(item, itemPath);
      });
      return;
    }
    if (isPlainObject(value)) {
      if (elementTypeOf(kind, path)?.type === 'atomic') {
        out.add(encodePath(path));
        return;
      }
      const entries = Object.entries(value).filter(([, v]) => v !== undefined);
      if (entries.length === 0 && path.length > 0) out.add(encodePath(path));
      for (const [k, v] of entries) walk(v, [...path, fieldElement(k)]);
      return;
    }
    // The root is never a member: a document that is not an object sets no fields.
    if (path.length > 0) out.add(encodePath(path));
  };
  walk(obj, []);
  return out;
}

/** Where one path element lands inside a container: a key of an object or an index of an array. */
export type Location = { readonly key: string } | { readonly index: number };

/** Finds `element` inside `container`, which sits at `containerPath`; undefined when it is absent. */
export function locate(container: unknown, containerPath: FieldPath, element: PathElement, kind: string): Location | undefined {
  if (isFieldElement(element)) {
    const key = element.slice(2);
    return isPlainObject(container) && container[key] !== undefined ? { key } : undefined;
  }
  if (!Array.isArray(container)) return undefined;
  const elements = listItemElements(container, elementTypeOf(kind, containerPath));
  const index = elements?.indexOf(element) ?? -1;
  return index >= 0 ? { index } : undefined;
}

export function valueAtLocation(container: unknown, loc: Location): unknown {
  if ('key' in loc) return isPlainObject(container) ? container[loc.key] : undefined;
  return Array.isArray(container) ? container[loc.index] : undefined;
}

/** The value at `path`, or `{ found: false }` when some step of it does not exist. */
export function valueAt(obj: unknown, path: FieldPath, kind: string): { found: true; value: unknown } | { found: false } {
  let current = obj;
  for (let i = 0; i < path.length; i++) {
    const loc = locate(current, path.slice(0, i), path[i], kind);
    if (!loc) return { found: false };
    current = valueAtLocation(current, loc);
  }
  return { found: true, value: current };
}
