// Protobuf field tables for the policy/v1 messages the API decodes (numbers from policy/v1 generated.proto, pointer marks from its Go types).
import type { MessageTable } from './schema.js';

export const policyMessages: MessageTable = {
  PodDisruptionBudgetSpec: {
    1: 'minAvailable IntOrString?',
    2: 'selector meta.LabelSelector',
    3: 'maxUnavailable IntOrString?',
    4: 'unhealthyPodEvictionPolicy string?',
  },
  PodDisruptionBudget: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec PodDisruptionBudgetSpec',
  },
};
