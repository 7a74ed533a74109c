/** Field-level causes with the reasons, message bodies and field paths a Kubernetes API server uses in 422 Invalid replies. */
import type { StatusCause } from '../machinery/errors.js';
import { isPlainObject } from '../machinery/object.js';

/** Causes are collected into a list owned by the caller, in the order Kubernetes reports them. */
export type Causes = StatusCause[];

export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** Map entries are addressed as `data[tls.crt]`, the way field.Path.Key renders them. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

function withDetail(body: string, detail: string): string {
  return detail ? `${body}: ${detail}` : body;
}

/**
 * Renders a bad value the way field.Error.ErrorBody does: strings quoted, numbers and booleans bare,
 * anything else as JSON (map keys sorted, as Go's encoder does), so messages match real clusters.
 */
export function goValue(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(sortMapKeys(v));
}

function sortMapKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortMapKeys);
  if (!isPlainObject(v)) return v;
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  // Go marshals maps with sorted keys; string maps (labels, selectors) are the case users see.
  if (entries.every(([, x]) => typeof x === 'string')) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, x]) => [k, sortMapKeys(x)]));
}

export function required(field: string, detail = ''): StatusCause {
  return { reason: 'FieldValueRequired', message: withDetail('Required value', detail), field };
}

export function invalid(field: string, value: unknown, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: withDetail(`Invalid value: ${goValue(value)}`, detail), field };
}

export function notSupported(field: string, value: unknown, valid: readonly string[]): StatusCause {
  const detail = valid.length ? `supported values: ${valid.map((s) => JSON.stringify(s)).join(', ')}` : '';
  return { reason: 'FieldValueNotSupported', message: withDetail(`Unsupported value: ${goValue(value)}`, detail), field };
}

export function duplicate(field: string, value: unknown): StatusCause {
  return { reason: 'FieldValueDuplicate', message: `Duplicate value: ${goValue(value)}`, field };
}

export function forbidden(field: string, detail: string): StatusCause {
  return { reason: 'FieldValueForbidden', message: withDetail('Forbidden', detail), field };
}

export function notFound(field: string, value: unknown): StatusCause {
  return { reason: 'FieldValueNotFound', message: `Not found: ${goValue(value)}`, field };
}

export function tooLong(field: string, maxBytes: number): StatusCause {
  return { reason: 'FieldValueTooLong', message: `Too long: may not be more than ${maxBytes} bytes`, field };
}

/** JSON-schema style type names, as a structural schema would report them. */
export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

export function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function typeInvalid(field: string, value: unknown, expected: JsonType): StatusCause {
  const actual = jsonTypeOf(value);
  return {
    reason: 'FieldValueTypeInvalid',
    message: `Invalid value: ${JSON.stringify(actual)}: ${field} in body must be of type ${expected}: ${JSON.stringify(actual)}`,
    field,
  };
}

/** Kubernetes' wording for the numeric bounds that recur across every API group. */
export const MSG_NONNEGATIVE = 'must be greater than or equal to 0';
export const MSG_POSITIVE = 'must be greater than 0';
export const MSG_IMMUTABLE = 'field is immutable';

export function validateNonnegative(errs: Causes, value: number | undefined, field: string): void {
  if (value !== undefined && value < 0) errs.push(invalid(field, value, MSG_NONNEGATIVE));
}

/** An enum field: an empty value is Required, an unknown one NotSupported. */
export function validateEnum(errs: Causes, value: string | undefined, field: string, valid: readonly string[], requiredIfEmpty = true): void {
  if (value === undefined || value === '') {
    if (requiredIfEmpty) errs.push(required(field));
    return;
  }
  if (!valid.includes(value)) errs.push(notSupported(field, value, valid));
}
