/** Pod tolerations and node taints: qualified keys, operator and effect enums. */
import { child, type Causes, index, invalid, notSupported, required } from './causes.js';
import { isValidLabelValue } from './formats.js';
import { validateLabelName } from './labels.js';
import { objectsOf, readArray, readInt, readString, type JsonObject } from './read.js';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export function validateTolerations(errs: Causes, spec: JsonObject, specPath: string): void {
  const path = child(specPath, 'tolerations');
  for (const { item, i } of objectsOf(errs, readArray(errs, spec, specPath, 'tolerations'), path)) {
    const p = index(path, i);
    const k = readString(errs, item, p, 'key') ?? '';
    const operator = readString(errs, item, p, 'operator') ?? '';
    const value = readString(errs, item, p, 'value') ?? '';
    const effect = readString(errs, item, p, 'effect') ?? '';
    if (k) validateLabelName(errs, k, child(p, 'key'));
    // An empty key tolerates every taint, which only makes sense with Exists.
    if (!k && operator !== 'Exists') {
      errs.push(invalid(child(p, 'operator'), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (readInt(errs, item, p, 'tolerationSeconds') !== undefined && effect !== 'NoExecute') {
      errs.push(invalid(child(p, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const msgs = isValidLabelValue(value);
      if (msgs.length) errs.push(invalid(child(p, 'operator'), value, msgs.join(';')));
    } else if (operator === 'Exists') {
      if (value) errs.push(invalid(child(p, 'operator'), item, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(child(p, 'operator'), operator, ['Equal', 'Exists']));
    }
    if (effect && !(TAINT_EFFECTS as readonly string[]).includes(effect)) errs.push(notSupported(child(p, 'effect'), effect, TAINT_EFFECTS));
  }
}

export function validateTaints(errs: Causes, spec: JsonObject, specPath: string): void {
  const path = child(specPath, 'taints');
  for (const { item, i } of objectsOf(errs, readArray(errs, spec, specPath, 'taints'), path)) {
    const p = index(path, i);
    const k = readString(errs, item, p, 'key');
    if (!k) errs.push(required(child(p, 'key')));
    else validateLabelName(errs, k, child(p, 'key'));
    const value = readString(errs, item, p, 'value');
    if (value) for (const msg of isValidLabelValue(value)) errs.push(invalid(child(p, 'value'), value, msg));
    const effect = readString(errs, item, p, 'effect');
    if (!effect) errs.push(required(child(p, 'effect')));
    else if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) errs.push(notSupported(child(p, 'effect'), effect, TAINT_EFFECTS));
  }
}
