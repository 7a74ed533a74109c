/** JSON merge patch (RFC 7386), the `application/merge-patch+json` flavour. */
import { deepCopy, isPlainObject } from '../machinery/object.js';
import { setField, type JsonMap } from './json-value.js';

/**
 * Applies a JSON merge patch and returns the result; neither argument is modified.
 * Objects merge key by key, `null` removes a key, and anything else (lists included) replaces the target whole.
 */
export function applyMergePatch(original: unknown, patch: unknown): unknown {
  return mergeInto(deepCopy(original), patch);
}

/** Merges `patch` into `target`, which the caller owns and which may be reused for the result. */
function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepCopy(patch);
  const result: JsonMap = isPlainObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      setField(result, key, mergeInto(Object.hasOwn(result, key) ? result[key] : undefined, value));
    }
  }
  return result;
}
