/** Compares two versions of an object field by field, as ownership tracking needs it. */
import { deepEqual } from '../machinery/object.js';
import { decodePath, isListItemElement } from './field-path.js';
import { difference, type FieldSet } from './field-set.js';
import { fieldSetOf, valueAt } from './object-fields.js';

/** What a write did: fields it set to a new value or added, and fields it took away. */
export interface Comparison {
  readonly changed: FieldSet;
  readonly removed: FieldSet;
}

/**
 * Compares `before` with `after`. A leaf is changed when its value differs; a list item is changed only
 * when it is new, because editing a field inside an item changes that field, not the item.
 */
export function compareObjects(before: unknown, after: unknown, kind: string): Comparison {
  const beforeSet = fieldSetOf(before, kind);
  const afterSet = fieldSetOf(after, kind);
  const changed = new Set<string>();
  for (const encoded of afterSet) {
    if (!beforeSet.has(encoded)) {
      changed.add(encoded);
      continue;
    }
    const path = decodePath(encoded);
    if (isListItemElement(path[path.length - 1] ?? '')) continue;
    const a = valueAt(before, path, kind);
    const b = valueAt(after, path, kind);
    if (!a.found || !b.found || !deepEqual(a.value, b.value)) changed.add(encoded);
  }
  return { changed, removed: difference(beforeSet, afterSet) };
}
