// Protobuf field tables for the rbac.authorization.k8s.io/v1 messages the API decodes (numbers from rbac/v1 generated.proto, pointer marks from its Go types).
import type { MessageTable } from './schema.js';

export const rbacMessages: MessageTable = {
  PolicyRule: {
    1: 'verbs string[]',
    2: 'apiGroups string[]',
    3: 'resources string[]',
    4: 'resourceNames string[]',
    5: 'nonResourceURLs string[]',
  },
  Role: {
    1: 'metadata meta.ObjectMeta',
    2: 'rules PolicyRule[]',
  },
  Subject: {
    1: 'kind string!',
    2: 'apiGroup string',
    3: 'name string!',
    4: 'namespace string',
  },
  RoleRef: {
    1: 'apiGroup string!',
    2: 'kind string!',
    3: 'name string!',
  },
  RoleBinding: {
    1: 'metadata meta.ObjectMeta',
    2: 'subjects Subject[]',
    3: 'roleRef RoleRef',
  },
  AggregationRule: {
    1: 'clusterRoleSelectors meta.LabelSelector[]',
  },
  ClusterRole: {
    1: 'metadata meta.ObjectMeta',
    2: 'rules PolicyRule[]',
    3: 'aggregationRule AggregationRule?',
  },
  ClusterRoleBinding: {
    1: 'metadata meta.ObjectMeta',
    2: 'subjects Subject[]',
    3: 'roleRef RoleRef',
  },
};
