// Protobuf field tables for the batch/v1 messages the API decodes (numbers from batch/v1 generated.proto, pointer marks from its Go types).
import type { MessageTable } from './schema.js';

export const batchMessages: MessageTable = {
  PodFailurePolicyOnExitCodesRequirement: {
    1: 'containerName string?',
    2: 'operator string!',
    3: 'values int32[]',
  },
  PodFailurePolicyOnPodConditionsPattern: {
    1: 'type string!',
    2: 'status string!',
  },
  PodFailurePolicyRule: {
    1: 'action string!',
    2: 'onExitCodes PodFailurePolicyOnExitCodesRequirement?',
    3: 'onPodConditions PodFailurePolicyOnPodConditionsPattern[]',
  },
  PodFailurePolicy: {
    1: 'rules PodFailurePolicyRule[]',
  },
  SuccessPolicyRule: {
    1: 'succeededIndexes string?',
    2: 'succeededCount int32?',
  },
  SuccessPolicy: {
    1: 'rules SuccessPolicyRule[]',
  },
  JobSpec: {
    1: 'parallelism int32?',
    2: 'completions int32?',
    3: 'activeDeadlineSeconds int64?',
    4: 'selector meta.LabelSelector?',
    5: 'manualSelector bool?',
    6: 'template core.PodTemplateSpec',
    7: 'backoffLimit int32?',
    8: 'ttlSecondsAfterFinished int32?',
    9: 'completionMode string?',
    10: 'suspend bool?',
    11: 'podFailurePolicy PodFailurePolicy?',
    12: 'backoffLimitPerIndex int32?',
    13: 'maxFailedIndexes int32?',
    14: 'podReplacementPolicy string?',
    15: 'managedBy string?',
    16: 'successPolicy SuccessPolicy?',
  },
  Job: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec JobSpec',
  },
  JobTemplateSpec: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec JobSpec',
  },
  CronJobSpec: {
    1: 'schedule string!',
    2: 'startingDeadlineSeconds int64?',
    3: 'concurrencyPolicy string',
    4: 'suspend bool?',
    5: 'jobTemplate JobTemplateSpec',
    6: 'successfulJobsHistoryLimit int32?',
    7: 'failedJobsHistoryLimit int32?',
    8: 'timeZone string?',
  },
  CronJob: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec CronJobSpec',
  },
};
