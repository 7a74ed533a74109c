// The Kubernetes protobuf envelope: the 'k8s\0' magic prefix followed by a runtime.Unknown message.
import { newBadRequest } from '../machinery/errors.js';
import { expectWireType, readTag, readerFor, WIRE_BYTES } from './wire.js';

/** The media type kubectl's typed clients put on protobuf request bodies. */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** The four bytes every Kubernetes protobuf body starts with. */
export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** runtime.Unknown: the object's type and its encoded bytes. */
export interface UnknownEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

export function isProtobufBody(buf: Buffer): boolean {
  return buf.length >= PROTOBUF_MAGIC.length && buf.subarray(0, PROTOBUF_MAGIC.length).equals(PROTOBUF_MAGIC);
}

function readTypeMeta(bytes: Uint8Array): { apiVersion: string; kind: string } {
  const reader = readerFor(bytes);
  let apiVersion = '';
  let kind = '';
  while (reader.pos < reader.len) {
    const { fieldNumber, wireType } = readTag(reader);
    if (fieldNumber === 1 || fieldNumber === 2) {
      expectWireType(wireType, WIRE_BYTES, 'TypeMeta');
      if (fieldNumber === 1) apiVersion = reader.string();
      else kind = reader.string();
    } else {
      reader.skipType(wireType);
    }
  }
  return { apiVersion, kind };
}

/** Splits a protobuf body into its type and raw object bytes; throws BadRequest when it is not one. */
export function readEnvelope(buf: Buffer): UnknownEnvelope {
  if (!isProtobufBody(buf)) throw newBadRequest('protobuf body does not start with the k8s\\0 prefix');
  const reader = readerFor(buf.subarray(PROTOBUF_MAGIC.length));
  const envelope: UnknownEnvelope = { apiVersion: '', kind: '', raw: new Uint8Array(), contentEncoding: '', contentType: '' };
  while (reader.pos < reader.len) {
    const { fieldNumber, wireType } = readTag(reader);
    if (fieldNumber >= 1 && fieldNumber <= 4) expectWireType(wireType, WIRE_BYTES, `runtime.Unknown field ${fieldNumber}`);
    switch (fieldNumber) {
      case 1:
        Object.assign(envelope, readTypeMeta(reader.bytes()));
        break;
      case 2:
        envelope.raw = reader.bytes();
        break;
      case 3:
        envelope.contentEncoding = reader.string();
        break;
      case 4:
        envelope.contentType = reader.string();
        break;
      default:
        reader.skipType(wireType);
    }
  }
  return envelope;
}
