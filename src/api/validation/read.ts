/** Typed reads of untrusted JSON objects: each read records a FieldValueTypeInvalid cause when the type is wrong. */
import { isPlainObject } from '../machinery/object.js';
import { child, type Causes, typeInvalid } from './causes.js';

export type JsonObject = Record<string, unknown>;

export function asObject(v: unknown): JsonObject | undefined {
  return isPlainObject(v) ? v : undefined;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

export function readString(errs: Causes, o: JsonObject | undefined, path: string, name: string): string | undefined {
  const v = o?.[name];
  if (!present(v)) return undefined;
  if (typeof v === 'string') return v;
  errs.push(typeInvalid(child(path, name), v, 'string'));
  return undefined;
}

export function readInt(errs: Causes, o: JsonObject | undefined, path: string, name: string): number | undefined {
  const v = o?.[name];
  if (!present(v)) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  errs.push(typeInvalid(child(path, name), v, 'integer'));
  return undefined;
}

export function readBool(errs: Causes, o: JsonObject | undefined, path: string, name: string): boolean | undefined {
  const v = o?.[name];
  if (!present(v)) return undefined;
  if (typeof v === 'boolean') return v;
  errs.push(typeInvalid(child(path, name), v, 'boolean'));
  return undefined;
}

export function readObject(errs: Causes, o: JsonObject | undefined, path: string, name: string): JsonObject | undefined {
  const v = o?.[name];
  if (!present(v)) return undefined;
  if (isPlainObject(v)) return v;
  errs.push(typeInvalid(child(path, name), v, 'object'));
  return undefined;
}

/** Absent and null both read as an empty list, as Go decodes them into a nil slice. */
export function readArray(errs: Causes, o: JsonObject | undefined, path: string, name: string): unknown[] {
  const v = o?.[name];
  if (!present(v)) return [];
  if (Array.isArray(v)) return v;
  errs.push(typeInvalid(child(path, name), v, 'array'));
  return [];
}

/** A map[string]string such as labels, annotations, nodeSelector or ConfigMap data. */
export function readStringMap(errs: Causes, o: JsonObject | undefined, path: string, name: string): Record<string, string> {
  const v = readObject(errs, o, path, name);
  const out: Record<string, string> = {};
  if (!v) return out;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') out[k] = x;
    else if (present(x)) errs.push(typeInvalid(`${child(path, name)}.${k}`, x, 'string'));
  }
  return out;
}

/** Value of an int-or-string field (ports, maxSurge, minAvailable). */
export function readIntOrString(errs: Causes, o: JsonObject | undefined, path: string, name: string): number | string | undefined {
  const v = o?.[name];
  if (!present(v)) return undefined;
  if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return v;
  errs.push(typeInvalid(child(path, name), v, 'string'));
  return undefined;
}

/** Objects inside a list; a non-object element is reported and skipped. */
export function objectsOf(errs: Causes, list: unknown[], path: string): Array<{ item: JsonObject; i: number }> {
  const out: Array<{ item: JsonObject; i: number }> = [];
  list.forEach((x, i) => {
    if (isPlainObject(x)) out.push({ item: x, i });
    else errs.push(typeInvalid(`${path}[${i}]`, x, 'object'));
  });
  return out;
}

/** Strings inside a list; a non-string element is reported and skipped. */
export function stringsOf(errs: Causes, list: unknown[], path: string): string[] {
  const out: string[] = [];
  list.forEach((x, i) => {
    if (typeof x === 'string') out.push(x);
    else errs.push(typeInvalid(`${path}[${i}]`, x, 'string'));
  });
  return out;
}

/** A second look at a field already read (and type-checked) elsewhere: no cause is recorded. */
export function intOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/** A metadata string field of an object whose metadata has not been type-checked yet. */
export function metaString(obj: { metadata?: unknown }, name: string): string {
  const meta = asObject(obj.metadata);
  const v = meta?.[name];
  return typeof v === 'string' ? v : '';
}
