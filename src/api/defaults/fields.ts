/** Small accessors that fill in fields of untyped JSON objects without ever throwing on malformed input. */
import { isPlainObject } from '../machinery/object.js';

/** A JSON object as decoded from a request body; defaulters treat every field as untrusted. */
export type JsonObject = Record<string, unknown>;

/**
 * The object stored under `key`, or undefined when it is absent or not an object.
 * Malformed shapes are left for validation to report, so defaulting simply skips them.
 */
export function child(parent: JsonObject, key: string): JsonObject | undefined {
  const v = parent[key];
  return isPlainObject(v) ? v : undefined;
}

/**
 * The object stored under `key`, created empty when the field is nil, as Go defaulters allocate
 * a nil pointer struct before filling it. Returns undefined when the field holds a non-object.
 */
export function ensureChild(parent: JsonObject, key: string): JsonObject | undefined {
  if (isNil(parent[key])) parent[key] = {};
  return child(parent, key);
}

/** The object elements of the array stored under `key`; anything else yields no elements. */
export function items(parent: JsonObject, key: string): JsonObject[] {
  const v = parent[key];
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

/** JSON null decodes to a nil pointer in Go, so it counts as unset just like an absent field. */
export function isNil(v: unknown): boolean {
  return v === undefined || v === null;
}

/** Fills a pointer-typed field: only nil counts as unset, so an explicit 0, false or "" is kept. */
export function setIfNil(parent: JsonObject, key: string, value: unknown): void {
  if (isNil(parent[key])) parent[key] = value;
}

/**
 * Fills a value-typed field: Go cannot tell "" or 0 from "not given" for non-pointer fields,
 * so Kubernetes defaults those zero values too.
 */
export function setIfZero(parent: JsonObject, key: string, value: unknown): void {
  const v = parent[key];
  if (isNil(v) || v === '' || v === 0) parent[key] = value;
}

/** True when the field is nil or an empty map or list, the cases Go's len() treats as empty. */
export function isEmpty(v: unknown): boolean {
  if (isNil(v)) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) return Object.keys(v).length === 0;
  return false;
}
