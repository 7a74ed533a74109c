/** The selector and pod labels the API server generates for a new Job once its uid is known. */
import { deepCopy, isPlainObject, type KObject } from '../machinery/object.js';
import { ensureChild, isEmpty, type JsonObject } from './fields.js';

/** Label names written on a Job's pods: the legacy unprefixed ones and their batch.kubernetes.io forms. */
export const JOB_NAME_LABELS = ['job-name', 'batch.kubernetes.io/job-name'] as const;
export const CONTROLLER_UID_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'] as const;
/** The one label the generated selector matches: the uid alone is unique. */
export const JOB_SELECTOR_LABEL = 'batch.kubernetes.io/controller-uid';

/**
 * Returns a copy of `job` with a generated selector, unless the user manages the selector
 * (`spec.manualSelector: true`). Call it on create after assigning `metadata.uid`; a Job without
 * a uid is returned unchanged because there is nothing unique to select on yet. Labels the user
 * already put on the template are kept, so a conflicting value is left for validation to reject.
 */
export function defaultJobSelector(job: KObject): KObject {
  const out = deepCopy(job);
  const uid = out.metadata?.uid;
  const name = out.metadata?.name ?? '';
  const spec = isPlainObject(out['spec']) ? out['spec'] : undefined;
  if (!spec || spec['manualSelector'] === true || !uid) return out;

  const template = ensureChild(spec, 'template');
  const templateMetadata = template ? ensureChild(template, 'metadata') : undefined;
  const templateLabels = templateMetadata ? ensureChild(templateMetadata, 'labels') : undefined;
  if (!templateLabels) return out;
  for (const label of JOB_NAME_LABELS) addLabel(templateLabels, label, name);
  for (const label of CONTROLLER_UID_LABELS) addLabel(templateLabels, label, uid);

  const selector = ensureChild(spec, 'selector');
  const matchLabels = selector ? ensureChild(selector, 'matchLabels') : undefined;
  if (matchLabels) addLabel(matchLabels, JOB_SELECTOR_LABEL, uid);

  // Kubernetes re-runs defaulting when it reads the Job back, so an unlabelled Job ends up with
  // its template's labels, generated ones included; doing it here keeps the first response equal.
  if (isEmpty(out.metadata.labels)) out.metadata.labels = stringMap(templateLabels);
  return out;
}

function addLabel(labels: JsonObject, key: string, value: string): void {
  if (!(key in labels)) labels[key] = value;
}

function stringMap(labels: JsonObject): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') result[k] = v;
  return result;
}

