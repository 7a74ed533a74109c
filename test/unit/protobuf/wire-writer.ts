// Tiny protobuf encoder for tests: builds fields and Kubernetes envelopes byte by byte.
import protobuf from 'protobufjs/minimal.js';

export type Field = Uint8Array;

function tagged(fieldNumber: number, wireType: number, write: (w: protobuf.Writer) => void): Field {
  const writer = protobuf.Writer.create();
  writer.uint32((fieldNumber << 3) | wireType);
  write(writer);
  return writer.finish();
}

export function str(fieldNumber: number, value: string): Field {
  return tagged(fieldNumber, 2, (w) => w.string(value));
}

export function bytes(fieldNumber: number, value: Uint8Array): Field {
  return tagged(fieldNumber, 2, (w) => w.bytes(value));
}

export function varint(fieldNumber: number, value: number): Field {
  return tagged(fieldNumber, 0, (w) => w.int64(value));
}

export function fixed64(fieldNumber: number, value: number): Field {
  return tagged(fieldNumber, 1, (w) => w.double(value));
}

/** An embedded message made of the given fields. */
export function msg(fieldNumber: number, ...fields: Field[]): Field {
  return bytes(fieldNumber, Buffer.concat(fields));
}

/** One map<string,string> entry. */
export function entry(fieldNumber: number, key: string, value: string): Field {
  return msg(fieldNumber, str(1, key), str(2, value));
}

/** A complete request body: the k8s\0 prefix and a runtime.Unknown holding the object. */
export function envelope(apiVersion: string, kind: string, ...objectFields: Field[]): Buffer {
  const unknown = Buffer.concat([msg(1, str(1, apiVersion), str(2, kind)), bytes(2, Buffer.concat(objectFields))]);
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
}
