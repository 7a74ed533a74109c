/** Merges an applied configuration into the live object: maps field by field, associative lists by key. */
import { deepCopy, isPlainObject } from '../machinery/object.js';
import { fieldElement, type PathElement } from './field-path.js';
import { elementTypeOf, listItemElements } from './object-fields.js';

/**
 * The live object with every field of `applied` written over it. Granular maps keep the live fields the
 * applied configuration leaves out; associative lists keep live items it leaves out, in place, merge the
 * items both hold, and append its new items; atomic lists and scalars are replaced whole; null unsets.
 */
export function mergeApplied(live: unknown, applied: unknown, kind: string): unknown {
  return mergeAt(deepCopy(live), applied, [], kind);
}

function mergeAt(live: unknown, applied: unknown, path: PathElement[], kind: string): unknown {
  const t = elementTypeOf(kind, path);
  if (isPlainObject(live) && isPlainObject(applied) && t?.type !== 'atomic') {
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      if (v === undefined) continue;
      // An explicit null unsets the field: the applier owns its absence, and null is never stored.
      if (v === null) {
        delete out[k];
        continue;
      }
      out[k] = k in live ? mergeAt(live[k], v, [...path, fieldElement(k)], kind) : deepCopy(v);
    }
    return out;
  }
  if (Array.isArray(live) && Array.isArray(applied)) {
    const liveElements = listItemElements(live, t);
    const appliedElements = listItemElements(applied, t);
    // Lists whose items cannot be matched are replaced, exactly like declared atomic lists.
    if (!liveElements || !appliedElements) return deepCopy(applied);
    const out = live.map((item, i) => {
      const j = appliedElements.indexOf(liveElements[i]);
      if (j < 0) return item;
      return t?.type === 'map' ? mergeAt(item, applied[j], [...path, liveElements[i]], kind) : item;
    });
    applied.forEach((item, j) => {
      if (!liveElements.includes(appliedElements[j])) out.push(deepCopy(item));
    });
    return out;
  }
  return deepCopy(applied);
}
