/** networking, discovery, coordination, events, rbac, storage, policy and scheduling printers, and the NAME AGE fallback. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printerFor } from '../../../src/api/printers/index.js';
import { DAY, MIN, NOW, ago, k } from './fixtures.js';

function cells(group: string, kind: string, obj: object): unknown[] {
  return printerFor(group, kind).cells(k(obj), NOW);
}

function names(group: string, kind: string): string[] {
  return printerFor(group, kind).columns.map((c) => (c.priority > 0 ? `${c.name}*` : c.name));
}

const meta = (name: string): { name: string; creationTimestamp: string } => ({ name, creationTimestamp: ago(6 * DAY) });

test('Ingress: class, hosts, address and ports', () => {
  assert.deepEqual(names('networking.k8s.io', 'Ingress'), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
  const ing = {
    metadata: meta('web'),
    spec: {
      ingressClassName: 'skiff',
      tls: [{ hosts: ['www.example.com'], secretName: 'www-tls' }],
      rules: [{ host: 'www.example.com', http: { paths: [] } }, { host: 'api.example.com' }],
    },
    status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } },
  };
  assert.deepEqual(cells('networking.k8s.io', 'Ingress', ing), ['web', 'skiff', 'www.example.com,api.example.com', '127.0.0.1', '80, 443', '6d']);
  const bare = { metadata: meta('any'), spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } } };
  assert.deepEqual(cells('networking.k8s.io', 'Ingress', bare), ['any', '<none>', '*', '', '80', '6d']);
  const many = { metadata: meta('m'), spec: { rules: [{ host: 'a' }, {}, { host: 'b' }, { host: 'c' }, { host: 'd' }] } };
  assert.equal(cells('networking.k8s.io', 'Ingress', many)[2], 'a,b,c + 2 more...');
});

test('IngressClass: controller and parameters', () => {
  assert.deepEqual(names('networking.k8s.io', 'IngressClass'), ['Name', 'Controller', 'Parameters', 'Age']);
  assert.deepEqual(cells('networking.k8s.io', 'IngressClass', { metadata: meta('skiff'), spec: { controller: 'skiff.dev/ingress' } }), [
    'skiff',
    'skiff.dev/ingress',
    '<none>',
    '6d',
  ]);
  const withParams = { metadata: meta('lb'), spec: { controller: 'example.com/lb', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } } };
  assert.equal(cells('networking.k8s.io', 'IngressClass', withParams)[2], 'IngressParameters.k8s.example.com/external-lb');
});

test('EndpointSlice: address type, ports and endpoints, with <unset> and overflow', () => {
  assert.deepEqual(names('discovery.k8s.io', 'EndpointSlice'), ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
  const slice = {
    metadata: meta('web-abc12'),
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.244.0.5'] }, { addresses: ['10.244.1.7'] }, { addresses: ['10.244.2.2'] }, { addresses: ['10.244.3.9'] }],
  };
  assert.deepEqual(cells('discovery.k8s.io', 'EndpointSlice', slice), ['web-abc12', 'IPv4', '8080', '10.244.0.5,10.244.1.7,10.244.2.2 + 1 more...', '6d']);
  const empty = { metadata: meta('e'), addressType: 'IPv4', ports: [{}], endpoints: [] };
  assert.deepEqual(cells('discovery.k8s.io', 'EndpointSlice', empty).slice(2, 4), ['*', '<unset>']);
  assert.equal(cells('discovery.k8s.io', 'EndpointSlice', { metadata: meta('n'), addressType: 'IPv4' })[2], '<unset>');
});

test('Lease: holder identity', () => {
  assert.deepEqual(names('coordination.k8s.io', 'Lease'), ['Name', 'Holder', 'Age']);
  assert.deepEqual(cells('coordination.k8s.io', 'Lease', { metadata: meta('kube-scheduler'), spec: { holderIdentity: 'skiff-1_0a1b' } }), [
    'kube-scheduler',
    'skiff-1_0a1b',
    '6d',
  ]);
  assert.equal(cells('coordination.k8s.io', 'Lease', { metadata: meta('free'), spec: {} })[1], '');
});

test('events.k8s.io Event prints like the core Event it converts to', () => {
  const event = {
    metadata: { name: 'web.17c1', namespace: 'default' },
    regarding: { kind: 'Deployment', name: 'web', namespace: 'default' },
    reason: 'ScalingReplicaSet',
    note: 'Scaled up replica set web-7d4b9c to 3',
    type: 'Normal',
    eventTime: ago(2 * MIN),
    reportingController: 'deployment-controller',
    reportingInstance: 'skiff-controller-manager',
    action: 'Scaling',
  };
  assert.deepEqual(cells('events.k8s.io', 'Event', event), [
    '2m',
    'Normal',
    'ScalingReplicaSet',
    'deployment/web',
    '',
    'deployment-controller, skiff-controller-manager',
    'Scaled up replica set web-7d4b9c to 3',
    '2m',
    1,
    'web.17c1',
  ]);
});

test('Role and ClusterRole show CREATED AT as an RFC 3339 date', () => {
  for (const kind of ['Role', 'ClusterRole']) {
    const printer = printerFor('rbac.authorization.k8s.io', kind);
    assert.deepEqual(printer.columns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Created At', 'date']]);
    assert.deepEqual(printer.cells(k({ metadata: { name: 'reader', creationTimestamp: '2024-04-01T08:30:00Z' } }), NOW), ['reader', '2024-04-01T08:30:00Z']);
  }
});

test('RoleBinding and ClusterRoleBinding: ROLE kind/name and the wide subjects', () => {
  assert.deepEqual(names('rbac.authorization.k8s.io', 'RoleBinding'), ['Name', 'Role', 'Age', 'Users*', 'Groups*', 'ServiceAccounts*']);
  const rb = {
    metadata: meta('read-pods'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    subjects: [
      { kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'User', name: 'joe', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
    ],
  };
  assert.deepEqual(cells('rbac.authorization.k8s.io', 'RoleBinding', rb), ['read-pods', 'Role/pod-reader', '6d', 'jane, joe', '', 'ci/builder']);
  const crb = { metadata: meta('admins'), roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:masters' }] };
  assert.deepEqual(cells('rbac.authorization.k8s.io', 'ClusterRoleBinding', crb), ['admins', 'ClusterRole/cluster-admin', '6d', '', 'system:masters', '']);
});

test('StorageClass: (default) marker and defaulted policies', () => {
  assert.deepEqual(names('storage.k8s.io', 'StorageClass'), ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
  const sc = {
    metadata: { ...meta('local-path'), annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'skiff.dev/local-path',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
  assert.deepEqual(cells('storage.k8s.io', 'StorageClass', sc), ['local-path (default)', 'skiff.dev/local-path', 'Delete', 'WaitForFirstConsumer', false, '6d']);
  const plain = { metadata: meta('fast'), provisioner: 'x', reclaimPolicy: 'Retain', allowVolumeExpansion: true };
  assert.deepEqual(cells('storage.k8s.io', 'StorageClass', plain), ['fast', 'x', 'Retain', 'Immediate', true, '6d']);
});

test('PodDisruptionBudget: IntOrString bounds or N/A', () => {
  assert.deepEqual(names('policy', 'PodDisruptionBudget'), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
  assert.deepEqual(cells('policy', 'PodDisruptionBudget', { metadata: meta('web'), spec: { minAvailable: 2 }, status: { disruptionsAllowed: 1 } }), [
    'web',
    '2',
    'N/A',
    1,
    '6d',
  ]);
  assert.deepEqual(cells('policy', 'PodDisruptionBudget', { metadata: meta('db'), spec: { maxUnavailable: '25%' } }).slice(1, 4), ['N/A', '25%', 0]);
});

test('PriorityClass: value, global default and preemption policy', () => {
  assert.deepEqual(names('scheduling.k8s.io', 'PriorityClass'), ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy']);
  const pc = { metadata: meta('system-cluster-critical'), value: 2000000000, globalDefault: false, preemptionPolicy: 'PreemptLowerPriority' };
  assert.deepEqual(cells('scheduling.k8s.io', 'PriorityClass', pc), ['system-cluster-critical', 2000000000, false, '6d', 'PreemptLowerPriority']);
});

test('unknown kinds fall back to NAME AGE', () => {
  const printer = printerFor('stable.example.com', 'CronTab');
  assert.deepEqual(printer.columns.map((c) => [c.name, c.format, c.priority]), [['Name', 'name', 0], ['Age', '', 0]]);
  assert.deepEqual(printer.cells(k({ metadata: { name: 'my-crontab', creationTimestamp: ago(90 * MIN) } }), NOW), ['my-crontab', '90m']);
  // The group matters: a Deployment in some other group is not apps/v1's.
  assert.equal(printerFor('example.com', 'Deployment'), printer);
  assert.notEqual(printerFor('apps', 'Deployment'), printer);
  assert.equal(cells('', 'LimitRange', { metadata: meta('limits') })[1], '6d');
});
