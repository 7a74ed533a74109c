/** Defaults for batch/v1 Job and CronJob. */
import { isPlainObject } from '../machinery/object.js';
import { child, ensureChild, isEmpty, isNil, items, setIfNil, setIfZero, type JsonObject } from './fields.js';
import { defaultPodTemplate } from './pod-spec.js';

/** Pod failures a Job tolerates before it is marked failed. */
export const DEFAULT_BACKOFF_LIMIT = 6;
/** With a per-index limit, the global limit is effectively off (Go's MaxInt32). */
export const UNLIMITED_BACKOFF = 2147483647;

/** Fills a Job. */
export function defaultJob(job: JsonObject): void {
  const spec = ensureChild(job, 'spec');
  if (!spec) return;
  // A Job that says nothing about parallelism runs exactly one pod to completion.
  if (isNil(spec['completions']) && isNil(spec['parallelism'])) {
    spec['completions'] = 1;
    spec['parallelism'] = 1;
  }
  setIfNil(spec, 'parallelism', 1);
  setIfNil(spec, 'backoffLimit', isNil(spec['backoffLimitPerIndex']) ? DEFAULT_BACKOFF_LIMIT : UNLIMITED_BACKOFF);
  setIfNil(spec, 'completionMode', 'NonIndexed');
  setIfNil(spec, 'suspend', false);
  // Pods that are still terminating are only replaced when no failure policy needs to see them fail.
  setIfNil(spec, 'podReplacementPolicy', isNil(spec['podFailurePolicy']) ? 'TerminatingOrFailed' : 'Failed');
  setIfNil(spec, 'manualSelector', false);
  defaultPodFailurePolicy(spec);
  copyTemplateLabels(job, spec);
  defaultPodTemplate(child(spec, 'template'));
}

/** A rule matching a pod condition without a status means the condition is True. */
function defaultPodFailurePolicy(spec: JsonObject): void {
  const policy = child(spec, 'podFailurePolicy');
  if (!policy) return;
  for (const rule of items(policy, 'rules')) {
    for (const pattern of items(rule, 'onPodConditions')) setIfZero(pattern, 'status', 'True');
  }
}

/** An unlabelled Job takes its pod template's labels, so `kubectl get jobs -l` finds it. */
function copyTemplateLabels(job: JsonObject, spec: JsonObject): void {
  const templateLabels = child(child(spec, 'template') ?? {}, 'metadata')?.['labels'];
  if (!isPlainObject(templateLabels)) return;
  const metadata = ensureChild(job, 'metadata');
  if (metadata && isEmpty(metadata['labels'])) metadata['labels'] = { ...templateLabels };
}

/**
 * Fills a CronJob. Its job template gets only pod spec defaults: Kubernetes does not apply Job
 * defaults to a template, so they appear on each Job when it is created.
 */
export function defaultCronJob(cronJob: JsonObject): void {
  const spec = ensureChild(cronJob, 'spec');
  if (!spec) return;
  setIfZero(spec, 'concurrencyPolicy', 'Allow');
  setIfNil(spec, 'suspend', false);
  setIfNil(spec, 'successfulJobsHistoryLimit', 3);
  setIfNil(spec, 'failedJobsHistoryLimit', 1);
  const jobSpec = child(child(spec, 'jobTemplate') ?? {}, 'spec');
  if (jobSpec) {
    defaultPodFailurePolicy(jobSpec);
    defaultPodTemplate(child(jobSpec, 'template'));
  }
}
