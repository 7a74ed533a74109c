// OpenAPI for the API server: the v3 index and documents, the v2 document, and the unknown-field check behind fieldValidation.
export { openAPIV3Document, openAPIV3Hash, openAPIV3Index } from './v3.js';
export { openAPIV2Document, openAPIV2Protobuf } from './v2.js';
export { V2_PROTOBUF_CONTENT_TYPE } from './v2-protobuf.js';
export { pruneUnknownFields, unknownFields } from './unknown-fields.js';
export { hashOf } from './hash.js';
export { definitionNameFor } from './definitions.js';
export type { OpenAPIResource, JSONSchema } from './schema.js';
