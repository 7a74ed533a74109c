/** Defaulting of the cluster-level and smaller kinds, and kinds that Kubernetes leaves untouched. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, hasDefaults } from '../../../src/api/defaults/index.js';
import type { KObject } from '../../../src/api/machinery/object.js';
import * as f from './fixtures.js';

const defaulted = (obj: KObject) => applyDefaults(f.gvkOf(obj), obj);

test('Namespace gets its name label, finalizer and Active phase', () => {
  assert.deepEqual(defaulted(f.namespace()), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
});

test('Namespace name label always follows the name; a terminating namespace gets no finalizer back', () => {
  const ns = f.namespace();
  ns.metadata.labels = { 'kubernetes.io/metadata.name': 'wrong', team: 'a' };
  assert.deepEqual(defaulted(ns).metadata.labels, { 'kubernetes.io/metadata.name': 'team-a', team: 'a' });
  const terminating: KObject = {
    ...f.namespace(),
    metadata: { name: 'team-a', deletionTimestamp: '2024-01-01T00:00:00Z' },
    status: { phase: 'Terminating' },
  };
  const out = defaulted(terminating) as unknown as { spec: Record<string, unknown>; status: unknown };
  assert.equal(out.spec['finalizers'], undefined);
  assert.deepEqual(out.status, { phase: 'Terminating' });
  const unnamed: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { generateName: 'tmp-' } };
  assert.equal(defaulted(unnamed).metadata.labels, undefined);
});

test('Secret becomes Opaque unless typed', () => {
  assert.equal(defaulted(f.secret())['type'], 'Opaque');
  const tls = { ...f.secret(), type: 'kubernetes.io/tls' };
  assert.equal(defaulted(tls)['type'], 'kubernetes.io/tls');
});

test('PersistentVolume and claim defaults', () => {
  assert.deepEqual(defaulted(f.persistentVolume()), {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'pv1' },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      hostPath: { path: '/data/pv1' },
      persistentVolumeReclaimPolicy: 'Retain',
      volumeMode: 'Filesystem',
    },
    status: { phase: 'Pending' },
  });
  assert.deepEqual(defaulted(f.persistentVolumeClaim()), {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'claim', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
    status: { phase: 'Pending' },
  });
});

test('Endpoints and EndpointSlice ports default to TCP; slices also to an empty name', () => {
  assert.deepEqual(defaulted(f.endpoints())['subsets'], [{ addresses: [{ ip: '10.0.0.5' }], ports: [{ port: 5432, protocol: 'TCP' }] }]);
  assert.deepEqual(defaulted(f.endpointSlice())['ports'], [{ port: 5432, name: '', protocol: 'TCP' }]);
});

test('Node allocatable defaults to capacity', () => {
  const node: KObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: '4', pods: '110' } } };
  assert.deepEqual(defaulted(node)['status'], { capacity: { cpu: '4', pods: '110' }, allocatable: { cpu: '4', pods: '110' } });
});

test('RoleBinding subjects and roleRef get their API groups', () => {
  const out = defaulted(f.roleBinding());
  assert.deepEqual(out['subjects'], [
    { kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' },
    { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' },
    { kind: 'ServiceAccount', name: 'builder', namespace: 'default' },
  ]);
  assert.deepEqual(out['roleRef'], { kind: 'Role', name: 'reader', apiGroup: 'rbac.authorization.k8s.io' });
  const crb = { ...f.roleBinding(), kind: 'ClusterRoleBinding' };
  assert.equal((defaulted(crb)['roleRef'] as Record<string, unknown>)['apiGroup'], 'rbac.authorization.k8s.io');
});

test('StorageClass and PriorityClass defaults', () => {
  const sc = defaulted(f.storageClass());
  assert.equal(sc['reclaimPolicy'], 'Delete');
  assert.equal(sc['volumeBindingMode'], 'Immediate');
  const waiting = defaulted({ ...f.storageClass(), volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Retain' });
  assert.equal(waiting['volumeBindingMode'], 'WaitForFirstConsumer');
  assert.equal(waiting['reclaimPolicy'], 'Retain');
  assert.equal(defaulted(f.priorityClass())['preemptionPolicy'], 'PreemptLowerPriority');
  assert.equal(defaulted({ ...f.priorityClass(), preemptionPolicy: 'Never' })['preemptionPolicy'], 'Never');
});

test('NetworkPolicy gets policy types and TCP ports; IngressClass parameters are cluster scoped', () => {
  const spec = defaulted(f.networkPolicy())['spec'] as Record<string, unknown>;
  assert.deepEqual(spec['policyTypes'], ['Ingress', 'Egress']);
  assert.deepEqual(spec['ingress'], [{ ports: [{ port: 5432, protocol: 'TCP' }] }]);
  const ic: KObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'nginx' },
    spec: { controller: 'k8s.io/ingress-nginx', parameters: { kind: 'Params', name: 'p' } },
  };
  assert.deepEqual((defaulted(ic)['spec'] as Record<string, unknown>)['parameters'], { kind: 'Params', name: 'p', scope: 'Cluster' });
});

test('kinds without v1 defaults come back as equal copies', () => {
  for (const obj of [f.configMap(), f.ingress(), f.lease()]) {
    const out = defaulted(obj);
    assert.deepEqual(out, obj);
    assert.notEqual(out, obj);
    assert.equal(hasDefaults(f.gvkOf(obj)), false);
  }
  const unknownKind: KObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } };
  assert.deepEqual(defaulted(unknownKind), unknownKind);
  // Only the v1 defaulters exist: another version of a known kind is not defaulted.
  const beta: KObject = { ...f.cronJob(), apiVersion: 'batch/v1beta1' };
  assert.deepEqual(defaulted(beta), beta);
  assert.equal(hasDefaults({ group: 'apps', version: 'v1', kind: 'Deployment' }), true);
});
