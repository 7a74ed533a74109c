/** Defaults for rbac.authorization.k8s.io/v1 bindings: the API group of role references and subjects. */
import { ensureChild, items, setIfZero, type JsonObject } from './fields.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * Fills a RoleBinding or ClusterRoleBinding. Users and groups are RBAC concepts, while service
 * accounts are core objects, hence the different API groups of their subjects.
 */
export function defaultBinding(binding: JsonObject): void {
  const roleRef = ensureChild(binding, 'roleRef');
  if (roleRef) setIfZero(roleRef, 'apiGroup', RBAC_GROUP);
  for (const subject of items(binding, 'subjects')) {
    // A service account subject keeps the core group, which is the empty string already.
    if (subject['kind'] === 'User' || subject['kind'] === 'Group') setIfZero(subject, 'apiGroup', RBAC_GROUP);
  }
}
