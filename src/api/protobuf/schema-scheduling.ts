// Protobuf field tables for the scheduling.k8s.io/v1 messages the API decodes (numbers from scheduling/v1 generated.proto, pointer marks from its Go types).
import type { MessageTable } from './schema.js';

export const schedulingMessages: MessageTable = {
  PriorityClass: {
    1: 'metadata meta.ObjectMeta',
    2: 'value int32!',
    3: 'globalDefault bool',
    4: 'description string',
    5: 'preemptionPolicy string?',
  },
};
