/** Label maps and label selectors: syntax checks and matching a selector against a set of labels. */
import { child, type Causes, index, invalid, notSupported, required, forbidden } from './causes.js';
import { isQualifiedName, isValidLabelValue } from './formats.js';
import { objectsOf, readArray, readObject, readString, readStringMap, stringsOf, type JsonObject } from './read.js';

export function validateLabelName(errs: Causes, name: string, path: string): void {
  for (const msg of isQualifiedName(name)) errs.push(invalid(path, name, msg));
}

/** Errors point at the map itself (`metadata.labels`), as in Kubernetes, not at the offending key. */
export function validateLabels(errs: Causes, labels: Record<string, string>, path: string): void {
  for (const [k, v] of Object.entries(labels)) {
    validateLabelName(errs, k, path);
    for (const msg of isValidLabelValue(v)) errs.push(invalid(path, v, msg));
  }
}

export interface SelectorRequirement {
  key: string;
  operator: string;
  values: string[];
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: SelectorRequirement[];
}

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** Reads and checks a metav1.LabelSelector; returns undefined when absent. */
export function validateLabelSelector(errs: Causes, parent: JsonObject | undefined, parentPath: string, name = 'selector'): LabelSelector | undefined {
  const sel = readObject(errs, parent, parentPath, name);
  return sel ? validateSelectorObject(errs, sel, child(parentPath, name)) : undefined;
}

export function validateSelectorObject(errs: Causes, sel: JsonObject, path: string): LabelSelector {
  const matchLabels = readStringMap(errs, sel, path, 'matchLabels');
  validateLabels(errs, matchLabels, child(path, 'matchLabels'));
  const exprPath = child(path, 'matchExpressions');
  const matchExpressions: SelectorRequirement[] = [];
  for (const { item, i } of objectsOf(errs, readArray(errs, sel, path, 'matchExpressions'), exprPath)) {
    const p = index(exprPath, i);
    const k = readString(errs, item, p, 'key') ?? '';
    const operator = readString(errs, item, p, 'operator') ?? '';
    const values = stringsOf(errs, readArray(errs, item, p, 'values'), child(p, 'values'));
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) errs.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) errs.push(forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(notSupported(child(p, 'operator'), operator, SELECTOR_OPERATORS));
    }
    validateLabelName(errs, k, child(p, 'key'));
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(v)) errs.push(invalid(index(child(p, 'values'), j), v, msg));
    });
    matchExpressions.push({ key: k, operator, values });
  }
  return { matchLabels, matchExpressions };
}

export function isEmptySelector(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels).length === 0 && sel.matchExpressions.length === 0;
}

/** An empty selector matches everything, as labels.SelectorFromSet does. */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  for (const r of sel.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const val = labels[r.key];
    switch (r.operator) {
      case 'In':
        if (!has || !r.values.includes(val ?? '')) return false;
        break;
      case 'NotIn':
        if (has && r.values.includes(val ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
