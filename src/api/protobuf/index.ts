// Public entry points for reading Kubernetes protobuf request bodies.
export { isProtobufBody, PROTOBUF_CONTENT_TYPE } from './envelope.js';
export { decodeProtobufObject } from './decode.js';
export { protobufKinds } from './kinds.js';
