/** Pod templates embedded in workloads, and the selector-to-template-labels check every controller kind needs. */
import { child, type Causes, forbidden, invalid, notSupported, required } from './causes.js';
import { isEmptySelector, type LabelSelector, selectorMatches, validateLabels } from './labels.js';
import { validateAnnotations } from './object-meta.js';
import { validatePodSpec } from './pod-spec.js';
import { asObject, readObject, readStringMap, type JsonObject } from './read.js';

export interface TemplateInfo {
  template: JsonObject;
  labels: Record<string, string>;
  spec: JsonObject | undefined;
}

/**
 * Kubernetes reports template label errors at `<path>.labels`, not `<path>.metadata.labels`;
 * the same path is kept so messages match.
 */
export function validatePodTemplateSpec(
  errs: Causes, parent: JsonObject | undefined, parentPath: string, name = 'template', extraVolumes: readonly string[] = [],
): TemplateInfo | undefined {
  const path = child(parentPath, name);
  const template = readObject(errs, parent, parentPath, name);
  if (!template) {
    errs.push(required(path));
    return undefined;
  }
  const meta = readObject(errs, template, path, 'metadata');
  const labels = readStringMap(errs, meta, child(path, 'metadata'), 'labels');
  validateLabels(errs, labels, child(path, 'labels'));
  validateAnnotations(errs, readStringMap(errs, meta, child(path, 'metadata'), 'annotations'), child(path, 'annotations'));
  validatePodSpec(errs, template['spec'], child(path, 'spec'), extraVolumes);
  return { template, labels, spec: asObject(template['spec']) };
}

export function validateSelectorMatchesTemplate(errs: Causes, selector: LabelSelector | undefined, info: TemplateInfo | undefined, templatePath: string): void {
  if (!selector || !info || isEmptySelector(selector)) return;
  // A selector that cannot be built is reported on its own; comparing it would only add noise.
  if (selector.matchExpressions.some((r) => !['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(r.operator))) return;
  if (!selectorMatches(selector, info.labels)) {
    errs.push(invalid(child(templatePath, 'metadata.labels'), info.labels, '`selector` does not match template `labels`'));
  }
}

/** Long-running controllers (Deployment, ReplicaSet, DaemonSet, StatefulSet) restart their pods forever. */
export function validateAlwaysRestart(errs: Causes, info: TemplateInfo | undefined, templatePath: string, kindForMessage: string): void {
  if (!info?.spec) return;
  const policy = info.spec['restartPolicy'];
  if (typeof policy === 'string' && policy !== 'Always') {
    errs.push(notSupported(child(templatePath, 'spec.restartPolicy'), policy, ['Always']));
  }
  const ads = info.spec['activeDeadlineSeconds'];
  if (ads !== undefined && ads !== null) {
    errs.push(forbidden(child(templatePath, 'spec.activeDeadlineSeconds'), `activeDeadlineSeconds in ${kindForMessage} is not Supported`));
  }
}
