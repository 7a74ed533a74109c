// Turns a Kubernetes protobuf request body into the object a JSON client would have sent.
import type { KObject } from '../machinery/object.js';
import { isStatusError, newBadRequest } from '../machinery/errors.js';
import { readEnvelope } from './envelope.js';
import { decodeMessage } from './decode-message.js';
import { rootMessageFor } from './kinds.js';

/** Decodes a 'k8s\0'-prefixed body; malformed input and kinds without a schema become 400 BadRequest. */
export function decodeProtobufObject(buf: Buffer): KObject {
  try {
    const envelope = readEnvelope(buf);
    const { apiVersion, kind } = envelope;
    if (!kind || !apiVersion) throw newBadRequest('protobuf body has no apiVersion/kind in its runtime.Unknown envelope');
    if (envelope.contentEncoding) {
      throw newBadRequest(`protobuf body for kind ${kind} uses unsupported content encoding "${envelope.contentEncoding}"`);
    }
    const message = rootMessageFor(apiVersion, kind);
    if (!message) throw newBadRequest(`protobuf decoding is not supported for kind "${kind}" in ${apiVersion}; send JSON instead`);
    const object = decodeMessage(envelope.raw, message);
    // The raw bytes never carry TypeMeta; it travels in the envelope, so it is put back first as JSON has it.
    const { metadata, ...rest } = object;
    return { apiVersion, kind, metadata: (metadata ?? {}) as KObject['metadata'], ...rest };
  } catch (err) {
    if (isStatusError(err)) throw err;
    // protobufjs signals truncated input with RangeError ("index out of range") and bad UTF-8 with Error.
    throw newBadRequest(`malformed protobuf body: ${err instanceof Error ? err.message : String(err)}`);
  }
}
