/** Defaults shared by every pod spec, whether in a Pod or in a workload's pod template. */
import { defaultContainer } from './container.js';
import { child, ensureChild, items, setIfNil, setIfZero, type JsonObject } from './fields.js';
import { defaultVolume } from './volume.js';

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/**
 * Fills a pod spec. Only fields Kubernetes defaults on every PodSpec belong here: fields that
 * only a Pod gets (enableServiceLinks, requests from limits) would change every workload's
 * template hash and roll its pods, so they live in pod.ts.
 */
export function defaultPodSpec(spec: JsonObject): void {
  setIfZero(spec, 'dnsPolicy', 'ClusterFirst');
  setIfZero(spec, 'restartPolicy', 'Always');
  ensureChild(spec, 'securityContext');
  setIfNil(spec, 'terminationGracePeriodSeconds', DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
  setIfZero(spec, 'schedulerName', DEFAULT_SCHEDULER_NAME);
  syncServiceAccountFields(spec);
  for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const container of items(spec, key)) defaultContainer(container);
  }
  for (const volume of items(spec, 'volumes')) defaultVolume(volume);
}

/**
 * The v1 API still carries the deprecated `serviceAccount` next to `serviceAccountName`; the API
 * server reads the old one when the new one is empty and always writes both back out.
 */
function syncServiceAccountFields(spec: JsonObject): void {
  const name = spec['serviceAccountName'];
  const deprecated = spec['serviceAccount'];
  if ((name === undefined || name === null || name === '') && typeof deprecated === 'string' && deprecated !== '') {
    spec['serviceAccountName'] = deprecated;
  } else if (typeof name === 'string' && name !== '') {
    spec['serviceAccount'] = name;
  }
}

/** Fills the pod spec inside a pod template (`spec.template` of workloads). */
export function defaultPodTemplate(template: JsonObject | undefined): void {
  if (!template) return;
  const spec = child(template, 'spec');
  if (spec) defaultPodSpec(spec);
}
