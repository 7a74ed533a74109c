/** rbac.authorization.k8s.io/v1: policy rules of Roles and ClusterRoles, and subjects and roleRefs of bindings. */
import type { KObject } from '../machinery/object.js';
import { deepEqual } from '../machinery/object.js';
import { child, type Causes, index, invalid, notSupported, required } from './causes.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidPathSegmentName } from './formats.js';
import { validateSelectorObject } from './labels.js';
import { objectsOf, readArray, readObject, readString, stringsOf } from './read.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function validateRole(errs: Causes, obj: KObject, namespaced: boolean): void {
  for (const { item, i } of objectsOf(errs, readArray(errs, obj, '', 'rules'), 'rules')) {
    const p = index('rules', i);
    if (stringsOf(errs, readArray(errs, item, p, 'verbs'), child(p, 'verbs')).length === 0) {
      errs.push(required(child(p, 'verbs'), 'verbs must contain at least one value'));
    }
    const urls = stringsOf(errs, readArray(errs, item, p, 'nonResourceURLs'), child(p, 'nonResourceURLs'));
    const groups = stringsOf(errs, readArray(errs, item, p, 'apiGroups'), child(p, 'apiGroups'));
    const resources = stringsOf(errs, readArray(errs, item, p, 'resources'), child(p, 'resources'));
    if (urls.length) {
      if (namespaced) errs.push(invalid(child(p, 'nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
      if (groups.length || resources.length) {
        errs.push(invalid(child(p, 'nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      continue;
    }
    if (groups.length === 0) errs.push(required(child(p, 'apiGroups'), 'resource rules must supply at least one api group'));
    if (resources.length === 0) errs.push(required(child(p, 'resources'), 'resource rules must supply at least one resource'));
  }
  // An aggregated ClusterRole gets its rules from the roles its selectors pick.
  const aggregation = readObject(errs, obj, '', 'aggregationRule');
  if (aggregation) {
    const selectors = readArray(errs, aggregation, 'aggregationRule', 'clusterRoleSelectors');
    if (selectors.length === 0) errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    for (const { item, i } of objectsOf(errs, selectors, 'aggregationRule.clusterRoleSelectors')) {
      validateSelectorObject(errs, item, index('aggregationRule.clusterRoleSelectors', i));
    }
  }
}

export function validateBinding(errs: Causes, obj: KObject, namespaced: boolean): void {
  const ref = readObject(errs, obj, '', 'roleRef');
  const apiGroup = readString(errs, ref, 'roleRef', 'apiGroup') ?? '';
  if (apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kind = readString(errs, ref, 'roleRef', 'kind') ?? '';
  const kinds = namespaced ? ['ClusterRole', 'Role'] : ['ClusterRole'];
  if (!kinds.includes(kind)) errs.push(notSupported('roleRef.kind', kind, kinds));
  const name = readString(errs, ref, 'roleRef', 'name');
  if (!name) errs.push(required('roleRef.name'));
  else for (const msg of isValidPathSegmentName(name)) errs.push(invalid('roleRef.name', name, msg));
  for (const { item, i } of objectsOf(errs, readArray(errs, obj, '', 'subjects'), 'subjects')) {
    const p = index('subjects', i);
    const sname = readString(errs, item, p, 'name');
    if (!sname) errs.push(required(child(p, 'name')));
    const skind = readString(errs, item, p, 'kind') ?? '';
    const sgroup = readString(errs, item, p, 'apiGroup') ?? '';
    switch (skind) {
      case 'ServiceAccount':
        if (sname) for (const msg of isDNS1123Subdomain(sname)) errs.push(invalid(child(p, 'name'), sname, msg));
        if (sgroup !== '') errs.push(notSupported(child(p, 'apiGroup'), sgroup, ['']));
        {
          const ns = readString(errs, item, p, 'namespace');
          if (!ns && !namespaced) errs.push(required(child(p, 'namespace')));
          else if (ns) for (const msg of isDNS1123Label(ns)) errs.push(invalid(child(p, 'namespace'), ns, msg));
        }
        break;
      case 'User':
      case 'Group':
        if (sgroup !== RBAC_GROUP) errs.push(notSupported(child(p, 'apiGroup'), sgroup, [RBAC_GROUP]));
        break;
      default:
        errs.push(notSupported(child(p, 'kind'), skind, ['ServiceAccount', 'User', 'Group']));
    }
  }
}

export function validateBindingUpdate(errs: Causes, obj: KObject, old: KObject): void {
  if (!deepEqual(obj['roleRef'], old['roleRef'])) errs.push(invalid('roleRef', obj['roleRef'], 'cannot change roleRef'));
}
