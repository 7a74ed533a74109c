/** Strategic merge patch per kind: the schema table reaches every tagged list through its type graph. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../../src/api/patch/index.js';
import { PATCH_META, rootTypeFor } from '../../../src/api/patch/strategic-schema.js';

type Json = Record<string, unknown>;
const gvk = (group: string, version: string, kind: string) => ({ group, version, kind });

function at(obj: unknown, ...path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], obj);
}

const KINDS = [
  gvk('', 'v1', 'Namespace'), gvk('', 'v1', 'Pod'), gvk('', 'v1', 'Service'), gvk('', 'v1', 'Endpoints'),
  gvk('', 'v1', 'ConfigMap'), gvk('', 'v1', 'Secret'), gvk('', 'v1', 'Node'), gvk('', 'v1', 'Event'),
  gvk('', 'v1', 'ServiceAccount'), gvk('', 'v1', 'PersistentVolumeClaim'), gvk('', 'v1', 'PersistentVolume'),
  gvk('apps', 'v1', 'Deployment'), gvk('apps', 'v1', 'ReplicaSet'), gvk('apps', 'v1', 'DaemonSet'),
  gvk('apps', 'v1', 'StatefulSet'), gvk('apps', 'v1', 'ControllerRevision'),
  gvk('batch', 'v1', 'Job'), gvk('batch', 'v1', 'CronJob'),
  gvk('networking.k8s.io', 'v1', 'Ingress'), gvk('networking.k8s.io', 'v1', 'IngressClass'),
  gvk('discovery.k8s.io', 'v1', 'EndpointSlice'), gvk('coordination.k8s.io', 'v1', 'Lease'),
  gvk('rbac.authorization.k8s.io', 'v1', 'Role'), gvk('rbac.authorization.k8s.io', 'v1', 'RoleBinding'),
  gvk('rbac.authorization.k8s.io', 'v1', 'ClusterRole'), gvk('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding'),
  gvk('policy', 'v1', 'PodDisruptionBudget'), gvk('autoscaling', 'v1', 'Scale'),
];

test('every served kind has a schema, and every type the graph names exists', () => {
  for (const k of KINDS) {
    const root = rootTypeFor(k);
    assert.ok(root !== undefined && Object.hasOwn(PATCH_META, root), `${k.group}/${k.kind}`);
  }
  for (const [typeName, fields] of Object.entries(PATCH_META)) {
    for (const [field, meta] of Object.entries(fields)) {
      if (meta.type !== undefined) assert.ok(Object.hasOwn(PATCH_META, meta.type), `${typeName}.${field} -> ${meta.type}`);
      if (meta.mergeKey !== undefined) assert.equal(meta.strategy, 'merge', `${typeName}.${field}`);
    }
  }
  assert.equal(rootTypeFor(gvk('example.com', 'v1', 'Widget')), undefined);
  assert.equal(rootTypeFor(gvk('', 'v1', 'toString')), undefined);
});

test('ObjectMeta in every kind: ownerReferences merge by uid, finalizers as a set', () => {
  const original = {
    metadata: { name: 'x', ownerReferences: [{ uid: 'u1', name: 'a', kind: 'ReplicaSet' }], finalizers: ['f1'] },
  };
  const patch = { metadata: { ownerReferences: [{ uid: 'u1', controller: true }, { uid: 'u2', name: 'b' }], finalizers: ['f2', 'f1'] } };
  for (const k of KINDS) {
    const result = applyStrategicMergePatch(original, patch, k);
    // Every item is named by the patch, so the patch order wins.
    assert.deepEqual(at(result, 'metadata', 'ownerReferences'), [{ uid: 'u1', name: 'a', kind: 'ReplicaSet', controller: true }, { uid: 'u2', name: 'b' }], k.kind);
    assert.deepEqual(at(result, 'metadata', 'finalizers'), ['f2', 'f1'], k.kind);
  }
});

const podSpec = (): Json => ({
  containers: [{ name: 'c', image: 'c:1', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }], volumeMounts: [{ name: 'v', mountPath: '/v' }], volumeDevices: [{ name: 'd', devicePath: '/dev/x' }] }],
  initContainers: [{ name: 'i', image: 'i:1' }],
  volumes: [{ name: 'v', emptyDir: {} }],
  imagePullSecrets: [{ name: 'reg' }],
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['a'] }],
  tolerations: [{ key: 't1', operator: 'Exists' }],
});

const podSpecPatch = {
  containers: [{ name: 'c', ports: [{ containerPort: 80, name: 'http' }], env: [{ name: 'B', value: '2' }], volumeMounts: [{ mountPath: '/v', readOnly: true }], volumeDevices: [{ devicePath: '/dev/x', name: 'd2' }] }],
  initContainers: [{ name: 'i', image: 'i:2' }],
  volumes: [{ name: 'w', emptyDir: {} }],
  imagePullSecrets: [{ name: 'reg2' }],
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['b'] }],
  tolerations: [{ key: 't2', operator: 'Exists' }],
};

function assertPodSpecMerged(spec: unknown, label: string): void {
  const c = at(spec, 'containers', 0);
  assert.equal(at(c, 'image'), 'c:1', label);
  assert.deepEqual(at(c, 'ports'), [{ containerPort: 80, name: 'http' }], label);
  assert.deepEqual(at(c, 'env'), [{ name: 'B', value: '2' }, { name: 'A', value: '1' }], label);
  assert.deepEqual(at(c, 'volumeMounts'), [{ name: 'v', mountPath: '/v', readOnly: true }], label);
  assert.deepEqual(at(c, 'volumeDevices'), [{ name: 'd2', devicePath: '/dev/x' }], label);
  assert.deepEqual(at(spec, 'initContainers'), [{ name: 'i', image: 'i:2' }], label);
  assert.deepEqual(at(spec, 'volumes'), [{ name: 'w', emptyDir: {} }, { name: 'v', emptyDir: {} }], label);
  assert.deepEqual(at(spec, 'imagePullSecrets'), [{ name: 'reg2' }, { name: 'reg' }], label);
  assert.deepEqual(at(spec, 'hostAliases'), [{ ip: '10.0.0.1', hostnames: ['b'] }], label);
  assert.deepEqual(at(spec, 'tolerations'), [{ key: 't2', operator: 'Exists' }], `${label}: tolerations have no strategy`);
}

test('PodSpec lists merge by their keys in a Pod and in every pod template', () => {
  const pod = applyStrategicMergePatch({ spec: podSpec() }, { spec: podSpecPatch }, gvk('', 'v1', 'Pod'));
  assertPodSpecMerged(at(pod, 'spec'), 'Pod');
  for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet']) {
    const r = applyStrategicMergePatch({ spec: { template: { spec: podSpec() } } }, { spec: { template: { spec: podSpecPatch } } }, gvk('apps', 'v1', kind));
    assertPodSpecMerged(at(r, 'spec', 'template', 'spec'), kind);
  }
  const job = applyStrategicMergePatch({ spec: { template: { spec: podSpec() } } }, { spec: { template: { spec: podSpecPatch } } }, gvk('batch', 'v1', 'Job'));
  assertPodSpecMerged(at(job, 'spec', 'template', 'spec'), 'Job');
  const cron = applyStrategicMergePatch(
    { spec: { schedule: '* * * * *', jobTemplate: { metadata: { labels: { a: 'b' } }, spec: { template: { spec: podSpec() } } } } },
    { spec: { jobTemplate: { spec: { template: { spec: podSpecPatch } } } } },
    gvk('batch', 'v1', 'CronJob'),
  );
  assertPodSpecMerged(at(cron, 'spec', 'jobTemplate', 'spec', 'template', 'spec'), 'CronJob');
  assert.deepEqual(at(cron, 'spec', 'jobTemplate', 'metadata'), { labels: { a: 'b' } });
});

test('status conditions merge by type', () => {
  const original = { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'Scheduled', status: 'True' }] } };
  const patch = { status: { conditions: [{ type: 'Ready', status: 'True' }] } };
  for (const k of [gvk('', 'v1', 'Pod'), gvk('', 'v1', 'Node'), gvk('', 'v1', 'Namespace'), gvk('', 'v1', 'PersistentVolumeClaim'), gvk('', 'v1', 'Service'),
    gvk('apps', 'v1', 'Deployment'), gvk('apps', 'v1', 'StatefulSet'), gvk('batch', 'v1', 'Job'), gvk('policy', 'v1', 'PodDisruptionBudget')]) {
    const result = applyStrategicMergePatch(original, patch, k);
    assert.deepEqual(at(result, 'status', 'conditions'), [{ type: 'Ready', status: 'True' }, { type: 'Scheduled', status: 'True' }], k.kind);
  }
});

test('Service spec.ports merge by port', () => {
  const original = { spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }, { port: 443, targetPort: 8443 }] } };
  const result = applyStrategicMergePatch(original, { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443, $patch: 'delete' }] } }, gvk('', 'v1', 'Service'));
  assert.deepEqual(at(result, 'spec', 'ports'), [{ port: 80, targetPort: 9090, protocol: 'TCP' }]);
});

test('Service: the captured kubectl apply patch (rename, reorder, delete a port)', () => {
  const live = { spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }, { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }] } };
  const patch = {
    spec: {
      '$setElementOrder/ports': [{ port: 9090 }, { port: 80 }],
      ports: [{ name: 'metrics', port: 9090 }, { port: 80, targetPort: 8081 }, { $patch: 'delete', port: 443 }],
      selector: { app: 'web2' },
    },
  };
  const result = applyStrategicMergePatch(live, patch, gvk('', 'v1', 'Service'));
  assert.deepEqual(at(result, 'spec'), {
    selector: { app: 'web2' },
    ports: [{ name: 'metrics', port: 9090 }, { name: 'http', port: 80, targetPort: 8081, protocol: 'TCP' }],
  });
});

test('Node podCIDRs merge as a set and addresses by type; ServiceAccount secrets by name', () => {
  const node = applyStrategicMergePatch(
    { spec: { podCIDRs: ['10.0.0.0/24'] }, status: { addresses: [{ type: 'InternalIP', address: '1.1.1.1' }] } },
    { spec: { podCIDRs: ['fd00::/64'] }, status: { addresses: [{ type: 'Hostname', address: 'n1' }] } },
    gvk('', 'v1', 'Node'),
  );
  assert.deepEqual(at(node, 'spec', 'podCIDRs'), ['fd00::/64', '10.0.0.0/24']);
  assert.deepEqual(at(node, 'status', 'addresses'), [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '1.1.1.1' }]);
  const sa = applyStrategicMergePatch({ secrets: [{ name: 's1' }] }, { secrets: [{ name: 's2' }] }, gvk('', 'v1', 'ServiceAccount'));
  assert.deepEqual(at(sa, 'secrets'), [{ name: 's2' }, { name: 's1' }]);
});

test('atomic lists are replaced: Endpoints subsets, EndpointSlice endpoints, RBAC rules, Ingress rules', () => {
  const cases: [ReturnType<typeof gvk>, string][] = [
    [gvk('', 'v1', 'Endpoints'), 'subsets'],
    [gvk('discovery.k8s.io', 'v1', 'EndpointSlice'), 'endpoints'],
    [gvk('rbac.authorization.k8s.io', 'v1', 'ClusterRole'), 'rules'],
    [gvk('rbac.authorization.k8s.io', 'v1', 'RoleBinding'), 'subjects'],
  ];
  for (const [k, field] of cases) {
    const result = applyStrategicMergePatch({ [field]: [{ name: 'a' }, { name: 'b' }] }, { [field]: [{ name: 'a', x: 1 }] }, k);
    assert.deepEqual(at(result, field), [{ name: 'a', x: 1 }], k.kind);
  }
  const ing = applyStrategicMergePatch({ spec: { rules: [{ host: 'a' }, { host: 'b' }] } }, { spec: { rules: [{ host: 'c' }] } }, gvk('networking.k8s.io', 'v1', 'Ingress'));
  assert.deepEqual(at(ing, 'spec', 'rules'), [{ host: 'c' }]);
});

test('maps of data merge key by key (ConfigMap data, Secret stringData)', () => {
  const cm = applyStrategicMergePatch({ data: { a: '1', b: '2' } }, { data: { b: null, c: '3' } }, gvk('', 'v1', 'ConfigMap'));
  assert.deepEqual(at(cm, 'data'), { a: '1', c: '3' });
});

test('PodDisruptionBudget spec.selector is patched with the replace strategy', () => {
  const result = applyStrategicMergePatch(
    { spec: { minAvailable: 1, selector: { matchLabels: { app: 'a', tier: 'x' } } } },
    { spec: { selector: { matchLabels: { app: 'b' } } } },
    gvk('policy', 'v1', 'PodDisruptionBudget'),
  );
  assert.deepEqual(at(result, 'spec'), { minAvailable: 1, selector: { matchLabels: { app: 'b' } } });
  const deploy = applyStrategicMergePatch(
    { spec: { selector: { matchLabels: { app: 'a', tier: 'x' } } } },
    { spec: { selector: { matchLabels: { app: 'b' } } } },
    gvk('apps', 'v1', 'Deployment'),
  );
  assert.deepEqual(at(deploy, 'spec', 'selector'), { matchLabels: { app: 'b', tier: 'x' } }, 'other selectors merge as maps');
});

test('Scale: spec.replicas', () => {
  const scale = applyStrategicMergePatch({ metadata: { name: 'web' }, spec: { replicas: 1 } }, { spec: { replicas: 3 } }, gvk('autoscaling', 'v1', 'Scale'));
  assert.deepEqual(scale, { metadata: { name: 'web' }, spec: { replicas: 3 } });
});

test('unknown kinds fall back to JSON merge patch: lists are replaced', () => {
  const widget = gvk('example.com', 'v1', 'Widget');
  const result = applyStrategicMergePatch(
    { metadata: { finalizers: ['a'] }, spec: { items: [{ name: 'a' }], keep: true } },
    { metadata: { finalizers: ['b'] }, spec: { items: [{ name: 'b' }], keep: null } },
    widget,
  );
  assert.deepEqual(result, { metadata: { finalizers: ['b'] }, spec: { items: [{ name: 'b' }] } });
});
