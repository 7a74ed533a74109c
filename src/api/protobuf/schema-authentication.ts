// Protobuf field tables for the authentication.k8s.io/v1 messages the API decodes (numbers from authentication/v1 generated.proto, pointer marks from its Go types).
import type { MessageTable } from './schema.js';

export const authenticationMessages: MessageTable = {
  BoundObjectReference: {
    1: 'kind string',
    2: 'apiVersion string',
    3: 'name string',
    4: 'uid string',
  },
  TokenRequestSpec: {
    1: 'audiences string[]',
    3: 'boundObjectRef BoundObjectReference?',
    4: 'expirationSeconds int64?',
  },
  TokenRequestStatus: {
    1: 'token string',
    2: 'expirationTimestamp Time',
  },
  TokenRequest: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec TokenRequestSpec',
    3: 'status TokenRequestStatus',
  },
};
