// JSON forms of the apimachinery value types whose protobuf shape differs from their JSON shape.
import { newBadRequest } from '../machinery/errors.js';
import type { WellKnownType } from './schema.js';
import { expectWireType, readInt64, readTag, readerFor, WIRE_BYTES, WIRE_VARINT, type Reader } from './wire.js';

/** Walks a small embedded message; `read` consumes the fields it knows and returns false for the rest. */
function scan(bytes: Uint8Array, read: (fieldNumber: number, wireType: number, reader: Reader) => boolean): void {
  const reader = readerFor(bytes);
  while (reader.pos < reader.len) {
    const { fieldNumber, wireType } = readTag(reader);
    if (!read(fieldNumber, wireType, reader)) reader.skipType(wireType);
  }
}

function varint(fieldNumber: number, wireType: number, type: string): true {
  expectWireType(wireType, WIRE_VARINT, `${type} field ${fieldNumber}`);
  return true;
}

function lengthDelimited(fieldNumber: number, wireType: number, type: string): true {
  expectWireType(wireType, WIRE_BYTES, `${type} field ${fieldNumber}`);
  return true;
}

/** metav1.Time is whole seconds in JSON, metav1.MicroTime microseconds; a zero time means "unset". */
function decodeTime(bytes: Uint8Array, micro: boolean): string | undefined {
  let seconds = 0;
  let nanos = 0;
  scan(bytes, (n, w, r) => {
    if (n === 1 && varint(n, w, 'Time')) seconds = readInt64(r);
    else if (n === 2 && varint(n, w, 'Time')) nanos = r.int32();
    else return false;
    return true;
  });
  // Go writes a zero Time as an empty message; its year-1 zero value is treated the same so it never leaks out.
  if ((seconds === 0 && nanos === 0) || seconds === -62135596800) return undefined;
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${iso}Z`;
}

/** Formats nanoseconds the way Go's time.Duration.String does, which is metav1.Duration's JSON form. */
export function formatDuration(nanos: number): string {
  if (nanos === 0) return '0s';
  const sign = nanos < 0 ? '-' : '';
  let n = Math.abs(nanos);
  const short = (v: number): string => String(Number(v.toFixed(9)));
  if (n < 1e3) return `${sign}${n}ns`;
  if (n < 1e6) return `${sign}${short(n / 1e3)}µs`;
  if (n < 1e9) return `${sign}${short(n / 1e6)}ms`;
  const h = Math.floor(n / 3.6e12);
  n -= h * 3.6e12;
  const m = Math.floor(n / 6e10);
  n -= m * 6e10;
  return `${sign}${h ? `${h}h${m}m` : m ? `${m}m` : ''}${short(n / 1e9)}s`;
}

function decodeDuration(bytes: Uint8Array): string {
  let nanos = 0;
  scan(bytes, (n, w, r) => (n === 1 && varint(n, w, 'Duration') ? ((nanos = readInt64(r)), true) : false));
  return formatDuration(nanos);
}

/** IntOrString {type, intVal, strVal} becomes a bare number or string, as in its JSON form. */
function decodeIntOrString(bytes: Uint8Array): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  scan(bytes, (n, w, r) => {
    if (n === 1 && varint(n, w, 'IntOrString')) type = readInt64(r);
    else if (n === 2 && varint(n, w, 'IntOrString')) intVal = r.int32();
    else if (n === 3 && lengthDelimited(n, w, 'IntOrString')) strVal = r.string();
    else return false;
    return true;
  });
  return type === 1 ? strVal : intVal;
}

/** The first length-delimited field: Quantity's canonical string, or the raw bytes of RawExtension and FieldsV1. */
function firstBytes(bytes: Uint8Array, type: string): Uint8Array {
  let out: Uint8Array = new Uint8Array();
  scan(bytes, (n, w, r) => (n === 1 && lengthDelimited(n, w, type) ? ((out = r.bytes()), true) : false));
  return out;
}

/** RawExtension and FieldsV1 carry JSON documents verbatim, so their JSON form is that document. */
function decodeEmbeddedJson(bytes: Uint8Array, type: string): unknown {
  const raw = firstBytes(bytes, type);
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8')) as unknown;
  } catch {
    throw newBadRequest(`malformed protobuf: ${type} does not hold JSON`);
  }
}

/** Decodes the embedded message of a well-known type; undefined stands for "unset" (a zero Time). */
export function decodeWellKnown(type: WellKnownType, bytes: Uint8Array): unknown {
  switch (type) {
    case 'Time':
      return decodeTime(bytes, false);
    case 'MicroTime':
      return decodeTime(bytes, true);
    case 'Duration':
      return decodeDuration(bytes);
    case 'IntOrString':
      return decodeIntOrString(bytes);
    case 'Quantity':
      return Buffer.from(firstBytes(bytes, type)).toString('utf8');
    case 'RawExtension':
    case 'FieldsV1':
      return decodeEmbeddedJson(bytes, type);
  }
}
