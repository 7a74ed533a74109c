// Low-level protobuf wire reading on top of protobufjs: readers, 64-bit integers and wire-type checks.
import protobuf from 'protobufjs/minimal.js';
import { newBadRequest } from '../machinery/errors.js';

export type Reader = protobuf.Reader;

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export function readerFor(bytes: Uint8Array): Reader {
  return protobuf.Reader.create(bytes);
}

/** An int64 as a JS number; Kubernetes int64 fields (seconds, generations, byte counts) stay well inside 2^53. */
export function readInt64(reader: Reader): number {
  const long = reader.int64();
  return long.high * 0x1_0000_0000 + (long.low >>> 0);
}

/** Reads the next tag, refusing field number 0, which no valid encoder writes. */
export function readTag(reader: Reader): { fieldNumber: number; wireType: number } {
  const tag = reader.uint32();
  const fieldNumber = tag >>> 3;
  if (fieldNumber === 0) throw newBadRequest('malformed protobuf: field number 0');
  return { fieldNumber, wireType: tag & 7 };
}

export function expectWireType(actual: number, expected: number, where: string): void {
  if (actual !== expected) throw newBadRequest(`malformed protobuf: ${where} has wire type ${actual}, expected ${expected}`);
}
