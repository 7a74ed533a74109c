/**
 * The admission chain every write passes: defaults, field validation against the schema
 * (Strict / Warn / Ignore), kind validation, and warnings for fields skiff stores but does not act on.
 */
import { newBadRequest, newInvalid } from '../machinery/errors.js';
import type { KObject } from '../machinery/object.js';
import { applyDefaults } from '../defaults/index.js';
import { pruneUnknownFields, unknownFields } from '../openapi/index.js';
import { validateObject } from '../validation/index.js';
import type { ResourceDefinition } from './resources.js';
import { unsupportedFieldWarnings } from './unsupported-fields.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(v: unknown): FieldValidation {
  if (v === undefined || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw newBadRequest(`fieldValidation must be one of "Ignore", "Warn" or "Strict", got "${String(v)}"`);
}

export interface AdmitOptions {
  fieldValidation: FieldValidation;
  /** Fields the decoder found twice in the body. */
  duplicateFields?: string[];
  /** Whether the body came from the client as a whole object (create/update) rather than a patch result. */
  checkUnknownFields: boolean;
}

export interface Admitted {
  object: KObject;
  warnings: string[];
}

/** Unknown-field and duplicate-field findings, raised or returned as warnings per fieldValidation. */
export function checkFields(def: ResourceDefinition, obj: KObject, opts: AdmitOptions): string[] {
  if (opts.fieldValidation === 'Ignore') return [];
  const problems: string[] = [];
  for (const d of opts.duplicateFields ?? []) problems.push(`duplicate field "${d}"`);
  if (opts.checkUnknownFields) {
    for (const f of unknownFields(def, obj)) problems.push(`unknown field "${f.replace(/^\./, '')}"`);
  }
  if (!problems.length) return [];
  if (opts.fieldValidation === 'Strict') {
    throw newBadRequest(`strict decoding error: ${problems.join(', ')}`);
  }
  return problems;
}

/** Defaults then validates; `old` is the stored object on update. */
/** A copy without null-valued object fields, at any depth (list items are kept). */
export function dropNulls<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => dropNulls(x)) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== null) out[k] = dropNulls(x);
    return out as T;
  }
  return v;
}

export function admit(def: ResourceDefinition, input: KObject, old: KObject | undefined, opts: AdmitOptions): Admitted {
  const warnings = checkFields(def, input, opts);
  // Warn and Ignore accept unknown fields but, like Kubernetes, do not keep them.
  pruneUnknownFields(def, input);
  // JSON nulls decode to "unset" in Kubernetes (kubectl sends `creationTimestamp: null` in templates).
  const object = applyDefaults(def, dropNulls(input));
  const causes = validateObject(def, object, old);
  if (causes.length) throw newInvalid(def, object.metadata.name ?? object.metadata.generateName ?? '', causes);
  // Judged on the request as sent: a field the defaulters filled in (a Pod's preemptionPolicy) was not asked for.
  warnings.push(...unsupportedFieldWarnings(def, input, old));
  return { object, warnings };
}
