// Protobuf field tables for the autoscaling/v1 messages the API decodes (numbers from autoscaling/v1 generated.proto, pointer marks from its Go types).
import type { MessageTable } from './schema.js';

export const autoscalingMessages: MessageTable = {
  ScaleSpec: {
    1: 'replicas int32',
  },
  ScaleStatus: {
    1: 'replicas int32',
    2: 'selector string',
  },
  Scale: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec ScaleSpec',
    3: 'status ScaleStatus',
  },
  CrossVersionObjectReference: {
    1: 'kind string!',
    2: 'name string!',
    3: 'apiVersion string',
  },
  HorizontalPodAutoscalerSpec: {
    1: 'scaleTargetRef CrossVersionObjectReference',
    2: 'minReplicas int32?',
    3: 'maxReplicas int32!',
    4: 'targetCPUUtilizationPercentage int32?',
  },
  HorizontalPodAutoscaler: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec HorizontalPodAutoscalerSpec',
  },
};
