// The compiled protobuf descriptors of every message the API decodes, keyed by '<package>.<Message>'.
import { compileTables, type MessageDescriptor } from './schema.js';
import { metaMessages } from './schema-meta.js';
import { coreMessages } from './schema-core.js';
import { appsMessages } from './schema-apps.js';
import { batchMessages } from './schema-batch.js';
import { networkingMessages } from './schema-networking.js';
import { rbacMessages } from './schema-rbac.js';
import { policyMessages } from './schema-policy.js';
import { schedulingMessages } from './schema-scheduling.js';
import { authorizationMessages } from './schema-authorization.js';
import { authenticationMessages } from './schema-authentication.js';
import { autoscalingMessages } from './schema-autoscaling.js';

export const messageDescriptors: ReadonlyMap<string, MessageDescriptor> = compileTables({
  meta: metaMessages,
  core: coreMessages,
  apps: appsMessages,
  batch: batchMessages,
  networking: networkingMessages,
  rbac: rbacMessages,
  policy: policyMessages,
  scheduling: schedulingMessages,
  authorization: authorizationMessages,
  authentication: authenticationMessages,
  autoscaling: autoscalingMessages,
});
