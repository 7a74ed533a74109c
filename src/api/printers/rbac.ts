/** rbac.authorization.k8s.io/v1 printers: Role and ClusterRole (CREATED AT), RoleBinding and ClusterRoleBinding. */
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import { parseTimestamp, translateTimestampSince } from './duration.js';
import { ageColumn, column, list, nameColumn, printerOf, type TablePrinter } from './table.js';

/** RFC 3339 in UTC at second precision, the form Kubernetes prints for "date" cells. */
export function createdAtCell(timestamp: string | undefined): string {
  const ms = parseTimestamp(timestamp);
  return ms === undefined ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

type AnyRole = Role | ClusterRole;

/** Roles show an absolute creation time instead of an age, unlike almost every other kind. */
export const rolePrinter: TablePrinter = printerOf<AnyRole>(
  [nameColumn(), column('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
  (role) => [role.metadata?.name ?? '', createdAtCell(role.metadata?.creationTimestamp)],
);

export const clusterRolePrinter = rolePrinter;

/** Subjects split by kind; service accounts are written `namespace/name`. */
export function subjectCells(subjects: readonly Subject[] | undefined): [users: string, groups: string, serviceAccounts: string] {
  const all = list(subjects);
  const names = (kind: string): string[] =>
    all.filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name));
  return [names('User').join(', '), names('Group').join(', '), names('ServiceAccount').join(', ')];
}

function bindingPrinter(kind: string): TablePrinter {
  return printerOf<RoleBinding | ClusterRoleBinding>(
    [
      nameColumn(),
      column('Role', 'string', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
      ageColumn(),
      column('Users', 'string', `Users in the ${kind}`, 1),
      column('Groups', 'string', `Groups in the ${kind}`, 1),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${kind}`, 1),
    ],
    (binding, now) => [
      binding.metadata?.name ?? '',
      `${binding.roleRef?.kind ?? ''}/${binding.roleRef?.name ?? ''}`,
      translateTimestampSince(binding.metadata?.creationTimestamp, now),
      ...subjectCells(binding.subjects),
    ],
  );
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');
