// Protobuf field tables for the authorization.k8s.io/v1 messages the API decodes (numbers from authorization/v1 generated.proto, pointer marks from its Go types).
import type { MessageTable } from './schema.js';

export const authorizationMessages: MessageTable = {
  FieldSelectorAttributes: {
    1: 'rawSelector string',
    2: 'requirements meta.FieldSelectorRequirement[]',
  },
  LabelSelectorAttributes: {
    1: 'rawSelector string',
    2: 'requirements meta.LabelSelectorRequirement[]',
  },
  ResourceAttributes: {
    1: 'namespace string',
    2: 'verb string',
    3: 'group string',
    4: 'version string',
    5: 'resource string',
    6: 'subresource string',
    7: 'name string',
    8: 'fieldSelector FieldSelectorAttributes?',
    9: 'labelSelector LabelSelectorAttributes?',
  },
  NonResourceAttributes: {
    1: 'path string',
    2: 'verb string',
  },
  SelfSubjectAccessReviewSpec: {
    1: 'resourceAttributes ResourceAttributes?',
    2: 'nonResourceAttributes NonResourceAttributes?',
  },
  SubjectAccessReviewStatus: {
    1: 'allowed bool',
    2: 'reason string',
    3: 'evaluationError string',
    4: 'denied bool',
  },
  SelfSubjectAccessReview: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec SelfSubjectAccessReviewSpec',
    3: 'status SubjectAccessReviewStatus',
  },
  SelfSubjectRulesReviewSpec: {
    1: 'namespace string',
  },
  ResourceRule: {
    1: 'verbs string[]',
    2: 'apiGroups string[]',
    3: 'resources string[]',
    4: 'resourceNames string[]',
  },
  NonResourceRule: {
    1: 'verbs string[]',
    2: 'nonResourceURLs string[]',
  },
  SubjectRulesReviewStatus: {
    1: 'resourceRules ResourceRule[]',
    2: 'nonResourceRules NonResourceRule[]',
    3: 'incomplete bool',
    4: 'evaluationError string',
  },
  SelfSubjectRulesReview: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec SelfSubjectRulesReviewSpec',
    3: 'status SubjectRulesReviewStatus',
  },
};
