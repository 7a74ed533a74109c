/** Printers for the core/v1 kinds other than Pod. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Node, Service } from 'kubernetes-types/core/v1.js';
import { printerFor } from '../../../src/api/printers/index.js';
import { DAY, HOUR, MIN, NOW, ago, k } from './fixtures.js';

function cells(kind: string, obj: object, group = ''): unknown[] {
  return printerFor(group, kind).cells(k(obj), NOW);
}

function names(kind: string, group = ''): string[] {
  return printerFor(group, kind).columns.map((c) => (c.priority > 0 ? `${c.name}*` : c.name));
}

const meta = (name: string, age = 3 * HOUR): { name: string; namespace: string; creationTimestamp: string } => ({
  name,
  namespace: 'default',
  creationTimestamp: ago(age),
});

test('Namespace: NAME STATUS AGE', () => {
  assert.deepEqual(names('Namespace'), ['Name', 'Status', 'Age']);
  assert.deepEqual(cells('Namespace', { metadata: { name: 'kube-system', creationTimestamp: ago(45 * DAY) }, status: { phase: 'Active' } }), [
    'kube-system',
    'Active',
    '45d',
  ]);
});

test('Service: ClusterIP with ports and selector', () => {
  assert.deepEqual(names('Service'), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector*']);
  const svc: Service = {
    metadata: meta('web'),
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.12.34',
      clusterIPs: ['10.96.12.34'],
      selector: { tier: 'frontend', app: 'web' },
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
    },
  };
  assert.deepEqual(cells('Service', svc), ['web', 'ClusterIP', '10.96.12.34', '<none>', '80/TCP,53/UDP', '3h', 'app=web,tier=frontend']);
});

test('Service: NodePort shows port:nodePort, headless shows None, no ports or selector shows <none>', () => {
  const nodePort: Service = {
    metadata: meta('web-np'),
    spec: { type: 'NodePort', clusterIPs: ['10.96.0.50'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }], externalIPs: ['192.0.2.7'] },
  };
  assert.deepEqual(cells('Service', nodePort).slice(1, 5), ['NodePort', '10.96.0.50', '192.0.2.7', '80:30080/TCP']);
  const headless: Service = { metadata: meta('db'), spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] } };
  assert.deepEqual(cells('Service', headless), ['db', 'ClusterIP', 'None', '<none>', '<none>', '3h', '<none>']);
});

test('Service: LoadBalancer is <pending> until it has ingress, then lists it before external IPs', () => {
  const lb: Service = {
    metadata: meta('public'),
    spec: { type: 'LoadBalancer', clusterIPs: ['10.96.1.1'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] },
  };
  assert.deepEqual(cells('Service', lb).slice(1, 5), ['LoadBalancer', '10.96.1.1', '<pending>', '443:31443/TCP']);
  const ready: Service = {
    ...lb,
    spec: { ...lb.spec, externalIPs: ['198.51.100.9'] },
    status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }, { hostname: 'lb.example.com' }, { ip: '203.0.113.10' }] } },
  };
  assert.equal(cells('Service', ready)[3], '203.0.113.10,lb.example.com,198.51.100.9');
});

test('Service: ExternalName shows the external name', () => {
  const ext: Service = { metadata: meta('search'), spec: { type: 'ExternalName', externalName: 'search.example.com' } };
  assert.deepEqual(cells('Service', ext).slice(1, 5), ['ExternalName', '<none>', 'search.example.com', '<none>']);
});

test('Endpoints: ip:port pairs, at most three then a count, <none> without subsets', () => {
  assert.deepEqual(names('Endpoints'), ['Name', 'Endpoints', 'Age']);
  const ep: Endpoints = {
    metadata: meta('web'),
    subsets: [
      {
        addresses: [{ ip: '10.244.0.5' }, { ip: '10.244.1.7' }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ],
  };
  assert.deepEqual(cells('Endpoints', ep), ['web', '10.244.0.5:8080,10.244.1.7:8080', '3h']);
  const many: Endpoints = {
    metadata: meta('web'),
    subsets: [
      {
        addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: 'fd00::3' }],
        ports: [{ port: 80 }, { port: 443 }],
      },
    ],
  };
  assert.equal(cells('Endpoints', many)[1], '10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 3 more...');
  const headless: Endpoints = { metadata: meta('db'), subsets: [{ addresses: [{ ip: '10.0.0.9' }] }] };
  assert.equal(cells('Endpoints', headless)[1], '10.0.0.9');
  assert.equal(cells('Endpoints', { metadata: meta('none') })[1], '<none>');
});

test('ConfigMap counts data and binaryData keys; Secret shows type and data count', () => {
  assert.deepEqual(names('ConfigMap'), ['Name', 'Data', 'Age']);
  assert.deepEqual(cells('ConfigMap', { metadata: meta('cfg', 20 * MIN), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }), ['cfg', 3, '20m']);
  assert.deepEqual(cells('ConfigMap', { metadata: meta('empty', 20 * MIN) }), ['empty', 0, '20m']);
  assert.deepEqual(names('Secret'), ['Name', 'Type', 'Data', 'Age']);
  assert.deepEqual(cells('Secret', { metadata: meta('tls', 5 * DAY), type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==', 'tls.key': 'eQ==' } }), [
    'tls',
    'kubernetes.io/tls',
    2,
    '5d',
  ]);
});

test('ServiceAccount: SECRETS is the number of referenced secrets', () => {
  assert.deepEqual(names('ServiceAccount'), ['Name', 'Secrets', 'Age']);
  assert.deepEqual(cells('ServiceAccount', { metadata: meta('default', 10 * DAY) }), ['default', 0, '10d']);
  assert.deepEqual(cells('ServiceAccount', { metadata: meta('builder', 10 * DAY), secrets: [{ name: 'builder-token' }] }), ['builder', 1, '10d']);
});

function node(labels: Record<string, string>, ready: string | undefined, unschedulable = false): Node {
  return {
    metadata: { name: 'skiff-1', labels, creationTimestamp: ago(20 * DAY) },
    spec: { unschedulable },
    status: {
      conditions: ready === undefined ? [] : [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: ready }],
      addresses: [
        { type: 'Hostname', address: 'skiff-1' },
        { type: 'InternalIP', address: '172.18.0.2' },
      ],
      nodeInfo: {
        kubeletVersion: 'v1.32.5',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        kernelVersion: '6.8.0-45-generic',
        containerRuntimeVersion: 'docker://27.3.1',
        architecture: 'amd64',
        bootID: '',
        kubeProxyVersion: '',
        machineID: '',
        operatingSystem: 'linux',
        systemUUID: '',
      },
    },
  };
}

test('Node: status, roles, version and the wide system info', () => {
  assert.deepEqual(names('Node'), [
    'Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP*', 'External-IP*', 'OS-Image*', 'Kernel-Version*', 'Container-Runtime*',
  ]);
  assert.deepEqual(cells('Node', node({ 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/os': 'linux' }, 'True')), [
    'skiff-1',
    'Ready',
    'control-plane',
    '20d',
    'v1.32.5',
    '172.18.0.2',
    '<none>',
    'Debian GNU/Linux 12 (bookworm)',
    '6.8.0-45-generic',
    'docker://27.3.1',
  ]);
});

test('Node: NotReady, Unknown, cordoned, and role variants', () => {
  assert.deepEqual(cells('Node', node({}, 'False')).slice(1, 3), ['NotReady', '<none>']);
  assert.deepEqual(cells('Node', node({}, undefined)).slice(1, 3), ['Unknown', '<none>']);
  assert.equal(cells('Node', node({}, 'True', true))[1], 'Ready,SchedulingDisabled');
  const roles = { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'ingress' };
  assert.equal(cells('Node', node(roles, 'True'))[2], 'control-plane,ingress,worker');
  assert.deepEqual(cells('Node', { metadata: { name: 'bare' } }).slice(7), ['<unknown>', '<unknown>', '<unknown>']);
});

test('PersistentVolume: capacity, modes in fixed order, claim and class', () => {
  assert.deepEqual(names('PersistentVolume'), [
    'Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode*',
  ]);
  const pv = {
    metadata: { name: 'pv-data', creationTimestamp: ago(2 * HOUR) },
    spec: {
      capacity: { storage: '10Gi' },
      accessModes: ['ReadWriteMany', 'ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: 'local-path',
      claimRef: { namespace: 'default', name: 'data' },
      volumeMode: 'Filesystem',
      hostPath: { path: '/srv/data' },
    },
    status: { phase: 'Bound' },
  };
  assert.deepEqual(cells('PersistentVolume', pv), ['pv-data', '10Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/data', 'local-path', '<unset>', '', '120m', 'Filesystem']);
  const deleting = { ...pv, metadata: { ...pv.metadata, deletionTimestamp: ago(1000) } };
  assert.equal(cells('PersistentVolume', deleting)[4], 'Terminating');
});

test('PersistentVolumeClaim: capacity and modes only once bound; the beta class annotation wins', () => {
  assert.deepEqual(names('PersistentVolumeClaim'), ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode*']);
  const pending = {
    metadata: meta('data'),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard' },
    status: { phase: 'Pending' },
  };
  assert.deepEqual(cells('PersistentVolumeClaim', pending), ['data', 'Pending', '', '', '', 'standard', '<unset>', '3h', '<unset>']);
  const bound = {
    metadata: { ...meta('data'), annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' } },
    spec: { ...pending.spec, volumeName: 'pv-data', volumeMode: 'Filesystem' },
    status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'] },
  };
  assert.deepEqual(cells('PersistentVolumeClaim', bound), ['data', 'Bound', 'pv-data', '1Gi', 'RWO,RWOP', 'legacy', '<unset>', '3h', 'Filesystem']);
});

test('core Event: LAST SEEN TYPE REASON OBJECT MESSAGE, name last and wide', () => {
  const printer = printerFor('', 'Event');
  assert.deepEqual(names('Event'), ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject*', 'Source*', 'Message', 'First Seen*', 'Count*', 'Name*']);
  assert.equal(printer.columns[9].format, 'name');
  const event = {
    metadata: { name: 'web-7d4b9c.17c1a', namespace: 'default', creationTimestamp: ago(10 * MIN) },
    involvedObject: { kind: 'Pod', name: 'web-7d4b9c', namespace: 'default', fieldPath: 'spec.containers{nginx}' },
    reason: 'BackOff',
    message: 'Back-off restarting failed container nginx in pod web-7d4b9c_default(1234)\n',
    type: 'Warning',
    source: { component: 'kubelet', host: 'skiff-1' },
    firstTimestamp: ago(10 * MIN),
    lastTimestamp: ago(30 * 1000),
    count: 7,
  };
  assert.deepEqual(cells('Event', event), [
    '30s',
    'Warning',
    'BackOff',
    'pod/web-7d4b9c',
    'spec.containers{nginx}',
    'kubelet, skiff-1',
    'Back-off restarting failed container nginx in pod web-7d4b9c_default(1234)',
    '10m',
    7,
    'web-7d4b9c.17c1a',
  ]);
});

test('core Event written the new way: eventTime, series and reporting controller', () => {
  const single = {
    metadata: { name: 'e1' },
    involvedObject: { kind: 'Node', name: '' },
    reason: 'Starting',
    type: 'Normal',
    eventTime: ago(4 * MIN),
    reportingComponent: 'kubelet',
  };
  assert.deepEqual(cells('Event', single), ['4m', 'Normal', 'Starting', 'node', '', 'kubelet', '', '4m', 1, 'e1']);
  const series = { ...single, series: { count: 5, lastObservedTime: ago(20 * 1000) } };
  const c = cells('Event', series);
  assert.equal(c[0], '20s');
  assert.equal(c[8], 5);
});
