/** Small helpers for the decoded JSON documents the patch engines work on. */

/** A decoded JSON object. */
export type JsonMap = Record<string, unknown>;

/**
 * Sets an own property even when the key is `__proto__`: a patch body is untrusted input, and plain assignment
 * of that key would swap the object's prototype instead of storing a field.
 */
export function setField(target: JsonMap, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
