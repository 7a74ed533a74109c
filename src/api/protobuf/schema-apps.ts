// Protobuf field tables for the apps/v1 messages the API decodes (numbers from apps/v1 generated.proto, pointer marks from its Go types).
import type { MessageTable } from './schema.js';

export const appsMessages: MessageTable = {
  RollingUpdateDeployment: {
    1: 'maxUnavailable IntOrString?',
    2: 'maxSurge IntOrString?',
  },
  DeploymentStrategy: {
    1: 'type string',
    2: 'rollingUpdate RollingUpdateDeployment?',
  },
  DeploymentSpec: {
    1: 'replicas int32?',
    2: 'selector meta.LabelSelector?',
    3: 'template core.PodTemplateSpec',
    4: 'strategy DeploymentStrategy',
    5: 'minReadySeconds int32',
    6: 'revisionHistoryLimit int32?',
    7: 'paused bool',
    9: 'progressDeadlineSeconds int32?',
  },
  Deployment: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec DeploymentSpec',
  },
};
