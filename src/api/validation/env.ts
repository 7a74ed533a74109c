/** Container environment: env entries with value or exactly one valueFrom source, and envFrom sources. */
import { child, type Causes, index, invalid, required } from './causes.js';
import { isConfigMapKey, isDNS1123Subdomain, isEnvVarName } from './formats.js';
import { objectsOf, readArray, readObject, readString, type JsonObject } from './read.js';

const VALUE_FROM_SOURCES = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const;

function validateKeyRef(errs: Causes, ref: JsonObject, path: string): void {
  const name = readString(errs, ref, path, 'name');
  if (!name) errs.push(required(child(path, 'name')));
  else for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(child(path, 'name'), name, msg));
  const k = readString(errs, ref, path, 'key');
  if (!k) errs.push(required(child(path, 'key')));
  else for (const msg of isConfigMapKey(k)) errs.push(invalid(child(path, 'key'), k, msg));
}

function validateValueFrom(errs: Causes, from: JsonObject, path: string): void {
  const present = VALUE_FROM_SOURCES.filter((s) => from[s] !== undefined && from[s] !== null);
  if (present.length === 0) {
    errs.push(invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    return;
  }
  if (present.length > 1) {
    errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
    return;
  }
  const src = present[0]!;
  const ref = readObject(errs, from, path, src);
  if (!ref) return;
  const p = child(path, src);
  if (src === 'fieldRef') {
    if (!readString(errs, ref, p, 'fieldPath')) errs.push(required(child(p, 'fieldPath')));
  } else if (src === 'resourceFieldRef') {
    if (!readString(errs, ref, p, 'resource')) errs.push(required(child(p, 'resource')));
  } else {
    validateKeyRef(errs, ref, p);
  }
}

export function validateEnv(errs: Causes, ctr: JsonObject, path: string): void {
  const envPath = child(path, 'env');
  for (const { item, i } of objectsOf(errs, readArray(errs, ctr, path, 'env'), envPath)) {
    const p = index(envPath, i);
    const name = readString(errs, item, p, 'name');
    if (!name) errs.push(required(child(p, 'name')));
    else for (const msg of isEnvVarName(name)) errs.push(invalid(child(p, 'name'), name, msg));
    const value = readString(errs, item, p, 'value');
    const from = readObject(errs, item, p, 'valueFrom');
    if (from) {
      if (value) errs.push(invalid(child(p, 'valueFrom'), '', 'may not be specified when `value` is not empty'));
      else validateValueFrom(errs, from, child(p, 'valueFrom'));
    }
  }
  const fromPath = child(path, 'envFrom');
  for (const { item, i } of objectsOf(errs, readArray(errs, ctr, path, 'envFrom'), fromPath)) {
    const p = index(fromPath, i);
    const prefix = readString(errs, item, p, 'prefix');
    if (prefix) for (const msg of isEnvVarName(prefix)) errs.push(invalid(child(p, 'prefix'), prefix, msg));
    const cm = readObject(errs, item, p, 'configMapRef');
    const secret = readObject(errs, item, p, 'secretRef');
    if (cm && secret) errs.push(invalid(p, '', 'may not have more than one field specified at a time'));
    else if (!cm && !secret) errs.push(invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    for (const [ref, f] of [[cm, 'configMapRef'], [secret, 'secretRef']] as const) {
      if (!ref) continue;
      const name = readString(errs, ref, child(p, f), 'name');
      if (!name) errs.push(required(child(child(p, f), 'name')));
      else for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(child(child(p, f), 'name'), name, msg));
    }
  }
}
