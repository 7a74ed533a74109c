/** The core/v1 Node printer: readiness and cordon state, roles from labels, and the kubelet's system info. */
import type { Node } from 'kubernetes-types/core/v1.js';
import { translateTimestampSince } from './duration.js';
import { ageColumn, column, list, nameColumn, printerOf } from './table.js';

const NODE_ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
/** The older single-label form of a node role, still honoured by the printer. */
const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** `Ready`, `NotReady` or `Unknown`, plus `SchedulingDisabled` when the node is cordoned. */
export function nodeStatusCell(node: Node): string {
  const ready = list(node.status?.conditions).filter((c) => c.type === 'Ready').at(-1);
  const status = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

/** Roles named by `node-role.kubernetes.io/<role>` keys or a `kubernetes.io/role=<role>` label, sorted; `<none>` if none. */
export function nodeRolesCell(node: Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith(NODE_ROLE_LABEL_PREFIX)) {
      const role = key.slice(NODE_ROLE_LABEL_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === NODE_ROLE_LABEL && value) {
      roles.add(value);
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function addressOfType(node: Node, type: string): string {
  return list(node.status?.addresses).find((a) => a.type === type)?.address ?? '<none>';
}

export const nodePrinter = printerOf<Node>(
  [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
    column('External-IP', 'string', 'List of addresses reachable to the node.', 1),
    column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    column('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    column('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  (node, now) => {
    const info = node.status?.nodeInfo;
    return [
      node.metadata?.name ?? '',
      nodeStatusCell(node),
      nodeRolesCell(node),
      translateTimestampSince(node.metadata?.creationTimestamp, now),
      info?.kubeletVersion ?? '',
      addressOfType(node, 'InternalIP'),
      addressOfType(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
);
