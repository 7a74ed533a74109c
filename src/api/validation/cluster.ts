/** Cluster-level core kinds with little to check: Namespace, Node and ServiceAccount. */
import type { KObject } from '../machinery/object.js';
import { type Causes, index, invalid, required } from './causes.js';
import { isQualifiedName, isValidCIDR } from './formats.js';
import { validateTaints } from './tolerations.js';
import { asObject, objectsOf, readArray, readString, stringsOf } from './read.js';

export function validateNamespace(errs: Causes, obj: KObject): void {
  const spec = asObject(obj['spec']);
  stringsOf(errs, readArray(errs, spec, 'spec', 'finalizers'), 'spec.finalizers').forEach((f, i) => {
    // "kubernetes" is the built-in finalizer; any other must be domain-qualified.
    if (f === 'kubernetes') return;
    const msgs = isQualifiedName(f);
    if (msgs.length) for (const msg of msgs) errs.push(invalid(index('spec.finalizers', i), f, msg));
    else if (!f.includes('/')) errs.push(invalid(index('spec.finalizers', i), f, 'name is neither a standard finalizer name nor is it fully qualified'));
  });
}

export function validateNode(errs: Causes, obj: KObject): void {
  const spec = asObject(obj['spec']) ?? {};
  validateTaints(errs, spec, 'spec');
  const cidr = readString(errs, spec, 'spec', 'podCIDR');
  if (cidr) for (const msg of isValidCIDR(cidr)) errs.push(invalid('spec.podCIDR', cidr, msg));
  stringsOf(errs, readArray(errs, spec, 'spec', 'podCIDRs'), 'spec.podCIDRs').forEach((c, i) => {
    for (const msg of isValidCIDR(c)) errs.push(invalid(index('spec.podCIDRs', i), c, msg));
  });
}

export function validateServiceAccount(errs: Causes, obj: KObject): void {
  for (const f of ['secrets', 'imagePullSecrets']) {
    for (const { item, i } of objectsOf(errs, readArray(errs, obj, '', f), f)) {
      if (f === 'imagePullSecrets' && !readString(errs, item, index(f, i), 'name')) errs.push(required(`${index(f, i)}.name`));
    }
  }
}
