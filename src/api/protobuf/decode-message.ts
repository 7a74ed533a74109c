// Decodes a protobuf message into its Kubernetes JSON form, driven by the field tables in the registry.
import { isPlainObject } from '../machinery/object.js';
import { newBadRequest } from '../machinery/errors.js';
import { messageDescriptors } from './registry.js';
import type { FieldDescriptor, ScalarType, ValueType } from './schema.js';
import { decodeWellKnown } from './well-known.js';
import {
  expectWireType, readInt64, readTag, readerFor, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT, type Reader,
} from './wire.js';

function wireTypeOf(value: ValueType): number {
  if (value.kind !== 'scalar') return WIRE_BYTES;
  switch (value.scalar) {
    case 'string':
    case 'bytes':
      return WIRE_BYTES;
    case 'double':
      return WIRE_FIXED64;
    case 'float':
      return WIRE_FIXED32;
    default:
      return WIRE_VARINT;
  }
}

function readScalar(reader: Reader, scalar: ScalarType): string | number | boolean {
  switch (scalar) {
    case 'string':
      return reader.string();
    case 'bytes':
      // JSON carries []byte as base64, which is what Secret.data and ConfigMap.binaryData look like to JSON clients.
      return Buffer.from(reader.bytes()).toString('base64');
    case 'bool':
      return reader.bool();
    case 'int32':
      return reader.int32();
    case 'int64':
      return readInt64(reader);
    case 'double':
      return reader.double();
    case 'float':
      return reader.float();
  }
}

function readValue(reader: Reader, value: ValueType, wireType: number, where: string): unknown {
  expectWireType(wireType, wireTypeOf(value), where);
  switch (value.kind) {
    case 'scalar':
      return readScalar(reader, value.scalar);
    case 'wellKnown':
      return decodeWellKnown(value.name, reader.bytes());
    case 'message':
      return decodeMessage(reader.bytes(), value.name);
  }
}

/** The zero value a map entry gets when the encoder left its value out. */
function zeroOf(value: ValueType): unknown {
  if (value.kind === 'scalar') {
    if (value.scalar === 'string' || value.scalar === 'bytes') return '';
    return value.scalar === 'bool' ? false : 0;
  }
  if (value.kind === 'message') return {};
  return value.name === 'Quantity' ? '0' : undefined;
}

/** A map<string,T> entry is an embedded message {key = 1, value = 2}. */
function readMapEntry(bytes: Uint8Array, field: FieldDescriptor, where: string): [string, unknown] {
  const reader = readerFor(bytes);
  let key = '';
  let value: unknown = zeroOf(field.value);
  while (reader.pos < reader.len) {
    const { fieldNumber, wireType } = readTag(reader);
    if (fieldNumber === 1) {
      expectWireType(wireType, WIRE_BYTES, `${where} key`);
      key = reader.string();
    } else if (fieldNumber === 2) {
      value = readValue(reader, field.value, wireType, `${where} value`);
    } else {
      reader.skipType(wireType);
    }
  }
  return [key, value];
}

/** Proto2 repeated numbers may arrive packed even though Go's encoder writes them one by one. */
function readRepeated(reader: Reader, field: FieldDescriptor, wireType: number, where: string): unknown[] {
  const expected = wireTypeOf(field.value);
  if (wireType === WIRE_BYTES && expected !== WIRE_BYTES && field.value.kind === 'scalar') {
    const packed = readerFor(reader.bytes());
    const out: unknown[] = [];
    while (packed.pos < packed.len) out.push(readScalar(packed, field.value.scalar));
    return out;
  }
  return [readValue(reader, field.value, wireType, where)];
}

/**
 * Go's encoder writes every non-pointer field, so zero values of value fields are encoder noise that a JSON client
 * would have omitted (omitempty) and are dropped; pointer fields and fields without omitempty keep their zeros.
 */
function isNoise(value: unknown, field: FieldDescriptor): boolean {
  if (value === undefined) return true;
  if (field.presence !== 'omitEmpty') return false;
  if (value === '' || value === 0 || value === false) return true;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

/** Decodes `bytes` as the message named '<package>.<Message>'; unknown field numbers are skipped. */
export function decodeMessage(bytes: Uint8Array, messageName: string): Record<string, unknown> {
  const descriptor = messageDescriptors.get(messageName);
  if (!descriptor) throw newBadRequest(`no protobuf schema for message ${messageName}`);
  const reader = readerFor(bytes);
  const out: Record<string, unknown> = {};
  while (reader.pos < reader.len) {
    const { fieldNumber, wireType } = readTag(reader);
    const field = descriptor.get(fieldNumber);
    if (!field) {
      reader.skipType(wireType);
      continue;
    }
    const where = `${messageName}.${field.jsonName}`;
    if (field.map) {
      expectWireType(wireType, WIRE_BYTES, where);
      const [key, value] = readMapEntry(reader.bytes(), field, where);
      const map = isPlainObject(out[field.jsonName]) ? (out[field.jsonName] as Record<string, unknown>) : {};
      map[key] = value;
      out[field.jsonName] = map;
    } else if (field.repeated) {
      const list = Array.isArray(out[field.jsonName]) ? (out[field.jsonName] as unknown[]) : [];
      list.push(...readRepeated(reader, field, wireType, where));
      out[field.jsonName] = list;
    } else if (field.inline) {
      const embedded = readValue(reader, field.value, wireType, where);
      if (isPlainObject(embedded)) Object.assign(out, embedded);
    } else {
      // A repeated occurrence of a singular field replaces the earlier one, as protobuf specifies.
      out[field.jsonName] = readValue(reader, field.value, wireType, where);
    }
  }
  for (const field of descriptor.values()) {
    if (field.jsonName in out && !field.repeated && !field.map && isNoise(out[field.jsonName], field)) {
      delete out[field.jsonName];
    }
  }
  return out;
}
