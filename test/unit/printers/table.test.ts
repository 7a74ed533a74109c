/** toTable's wire shape, and invariants that every printer must keep. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printerFor, toTable } from '../../../src/api/printers/index.js';
import { DAY, NOW, ago, k } from './fixtures.js';

const KINDS: [group: string, kind: string][] = [
  ['', 'Namespace'], ['', 'Pod'], ['', 'Service'], ['', 'Endpoints'], ['', 'ConfigMap'], ['', 'Secret'], ['', 'Node'],
  ['', 'Event'], ['', 'ServiceAccount'], ['', 'PersistentVolumeClaim'], ['', 'PersistentVolume'],
  ['apps', 'Deployment'], ['apps', 'ReplicaSet'], ['apps', 'DaemonSet'], ['apps', 'StatefulSet'], ['apps', 'ControllerRevision'],
  ['batch', 'Job'], ['batch', 'CronJob'],
  ['networking.k8s.io', 'Ingress'], ['networking.k8s.io', 'IngressClass'], ['discovery.k8s.io', 'EndpointSlice'],
  ['coordination.k8s.io', 'Lease'], ['events.k8s.io', 'Event'],
  ['rbac.authorization.k8s.io', 'Role'], ['rbac.authorization.k8s.io', 'ClusterRole'],
  ['rbac.authorization.k8s.io', 'RoleBinding'], ['rbac.authorization.k8s.io', 'ClusterRoleBinding'],
  ['storage.k8s.io', 'StorageClass'], ['policy', 'PodDisruptionBudget'], ['scheduling.k8s.io', 'PriorityClass'],
];

test('every printer has its own columns, one name column, and one cell per column even for a bare object', () => {
  const fallback = printerFor('example.com', 'Nothing');
  for (const [group, kind] of KINDS) {
    const printer = printerFor(group, kind);
    const label = `${group}/${kind}`;
    assert.notEqual(printer, fallback, label);
    assert.equal(printer.columns.filter((c) => c.format === 'name').length, 1, label);
    const cells = printer.cells(k({ metadata: { name: 'x', creationTimestamp: ago(DAY) } }), NOW);
    assert.equal(cells.length, printer.columns.length, label);
    // Events are the one kind whose table does not lead with the name.
    if (kind !== 'Event') {
      assert.equal(printer.columns[0].name, 'Name', label);
      assert.equal(cells[0], 'x', label);
    }
    for (const c of printer.columns) assert.ok(c.priority === 0 || c.priority === 1, label);
  }
});

const pod = {
  metadata: {
    name: 'web-1',
    namespace: 'default',
    uid: '7f1c',
    resourceVersion: '118',
    labels: { app: 'web' },
    creationTimestamp: ago(DAY),
  },
  spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
  status: { phase: 'Pending' },
};

test('toTable with Metadata: PartialObjectMetadata rows carrying the full metadata', () => {
  const table = toTable(printerFor('', 'Pod'), [k(pod)], NOW, {
    includeObject: 'Metadata',
    resourceVersion: '120',
    continue: 'eyJydiI6MTIwfQ',
    apiVersionOfObjects: 'v1',
    kind: 'Pod',
  });
  assert.deepEqual(JSON.parse(JSON.stringify(table)), {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: '120', continue: 'eyJydiI6MTIwfQ' },
    columnDefinitions: printerFor('', 'Pod').columns,
    rows: [
      {
        cells: ['web-1', '0/1', 'Pending', '0', '24h', '<none>', '<none>', '<none>', '<none>'],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata },
      },
    ],
  });
});

test('toTable with Object stamps kind and apiVersion; with None there is no object; no continue when absent', () => {
  const opts = { resourceVersion: '7', apiVersionOfObjects: 'v1', kind: 'Pod' } as const;
  const full = toTable(printerFor('', 'Pod'), [k(pod)], NOW, { ...opts, includeObject: 'Object' }) as {
    metadata: Record<string, unknown>;
    rows: { object?: Record<string, unknown> }[];
  };
  assert.deepEqual(full.metadata, { resourceVersion: '7' });
  assert.deepEqual(full.rows[0].object, { ...pod, apiVersion: 'v1', kind: 'Pod' });

  const none = toTable(printerFor('', 'Pod'), [k(pod)], NOW, { ...opts, includeObject: 'None' }) as { rows: object[] };
  assert.equal('object' in none.rows[0], false);

  const empty = toTable(printerFor('', 'Pod'), [], NOW, { ...opts, includeObject: 'Metadata' }) as { rows: object[] };
  assert.deepEqual(empty.rows, []);
});

test('column definitions carry every field kubectl reads', () => {
  for (const c of printerFor('apps', 'Deployment').columns) {
    assert.deepEqual(Object.keys(c).sort(), ['description', 'format', 'name', 'priority', 'type']);
    assert.equal(typeof c.description, 'string');
  }
});
