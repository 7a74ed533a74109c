/** Shared clock and object builders for the printer tests. */
import type { KObject } from '../../../src/api/machinery/object.js';

export const NOW = new Date('2024-05-01T12:00:00Z');

/** An RFC 3339 timestamp `ms` before NOW, at second precision as the API server stores them. */
export function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** Test objects are written as kubernetes-types shapes; this hands them to the printers as stored objects. */
export function k(obj: object): KObject {
  return obj as KObject;
}
