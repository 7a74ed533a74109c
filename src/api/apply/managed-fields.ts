/** metadata.managedFields read into field sets per manager, and written back in Kubernetes' order. */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { fieldSetFromFieldsV1, fieldSetToFieldsV1, type FieldSet } from './field-set.js';

export type ManagedFieldsOperation = 'Apply' | 'Update';

/** One manager's claim on an object: who, through which operation and version, and which fields. */
export interface FieldManager {
  readonly manager: string;
  readonly operation: ManagedFieldsOperation;
  readonly apiVersion: string;
  readonly subresource?: string;
  readonly time?: string;
  readonly fields: FieldSet;
}

/**
 * What tells two managedFields entries apart. An applier is one entry whatever version it applied
 * through; an updater gets one entry per apiVersion, as in Kubernetes.
 */
export function managerIdentity(m: Pick<FieldManager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  const apiVersion = m.operation === 'Apply' ? '' : m.apiVersion;
  return JSON.stringify([m.manager, m.operation, apiVersion, m.subresource ?? '']);
}

export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): FieldManager[] {
  return (entries ?? []).map((e) => {
    const m: FieldManager = {
      manager: e.manager ?? '',
      operation: e.operation === 'Apply' ? 'Apply' : 'Update',
      apiVersion: e.apiVersion ?? '',
      fields: fieldSetFromFieldsV1(e.fieldsV1),
      ...(e.subresource ? { subresource: e.subresource } : {}),
      ...(e.time ? { time: e.time } : {}),
    };
    return m;
  });
}

/** Entries for the managers that still own something, sorted the way the Kubernetes field manager sorts them. */
export function encodeManagedFields(managers: readonly FieldManager[]): ManagedFieldsEntry[] {
  return managers
    .filter((m) => m.fields.size > 0)
    .slice()
    .sort(compareManagers)
    .map((m) => {
      const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
      if (m.time) e.time = m.time;
      e.fieldsType = 'FieldsV1';
      e.fieldsV1 = fieldSetToFieldsV1(m.fields);
      if (m.subresource) e.subresource = m.subresource;
      return e;
    });
}

/** Apply before Update, then oldest first, then by manager, apiVersion and subresource. */
function compareManagers(a: FieldManager, b: FieldManager): number {
  return (
    compareStrings(a.operation, b.operation) ||
    seconds(a.time) - seconds(b.time) ||
    compareStrings(a.manager, b.manager) ||
    compareStrings(a.apiVersion, b.apiVersion) ||
    compareStrings(a.subresource ?? '', b.subresource ?? '')
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function seconds(time: string | undefined): number {
  const ms = time ? Date.parse(time) : NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** metav1.Time precision: RFC 3339 in UTC, whole seconds. */
export function formatManagedFieldsTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * How a conflict message names a manager: `"kubectl"` for an applier,
 * `"kubectl-client-side-apply" using apps/v1` for an updater, with the subresource when there is one.
 */
export function describeManager(m: Pick<FieldManager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}
