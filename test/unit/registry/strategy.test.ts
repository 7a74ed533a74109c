// Create/update/delete strategies: identity, status separation, generation, graceful deletion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../../src/api/registry/resources.js';
import { decideDeletion, prepareForCreate, prepareForUpdate, readyToDelete } from '../../../src/api/registry/strategy.js';
import type { KObject } from '../../../src/api/machinery/object.js';

const def = (kind: string) => {
  const d = RESOURCES.find((r) => r.kind === kind && (r.group === '' || kind !== 'Event'));
  if (!d) throw new Error(kind);
  return d;
};
const now = new Date('2026-01-01T00:00:00Z');

test('create assigns identity, drops client status and server fields, names from generateName', () => {
  const input: KObject = { metadata: { generateName: 'web-', uid: 'client', resourceVersion: '5' }, spec: { replicas: 1 }, status: { replicas: 9 } };
  const out = prepareForCreate(def('Deployment'), input, now);
  assert.match(out.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
  assert.notEqual(out.metadata.uid, 'client');
  assert.equal(out.metadata.resourceVersion, undefined);
  assert.equal(out.metadata.creationTimestamp, '2026-01-01T00:00:00Z');
  assert.equal(out.metadata.generation, 1);
  assert.equal(out.status, undefined);
  assert.equal(input.metadata.uid, 'client', 'input is not mutated');
});

test('update keeps status on the main resource and bumps generation only on spec change', () => {
  const old: KObject = { metadata: { name: 'w', namespace: 'd', uid: 'u', generation: 3, creationTimestamp: 'c' }, spec: { replicas: 1 }, status: { replicas: 1 } };
  const relabel = prepareForUpdate(def('Deployment'), { metadata: { name: 'w', labels: { a: 'b' } }, spec: { replicas: 1 }, status: { replicas: 7 } }, old, 'main');
  assert.equal(relabel.metadata.generation, 3);
  assert.deepEqual(relabel.status, { replicas: 1 });
  assert.equal(relabel.metadata.uid, 'u');
  const rescale = prepareForUpdate(def('Deployment'), { metadata: { name: 'w' }, spec: { replicas: 2 } }, old, 'main');
  assert.equal(rescale.metadata.generation, 4);
});

test('status update changes only status', () => {
  const old: KObject = { metadata: { name: 'w', uid: 'u', generation: 1 }, spec: { replicas: 1 }, status: { replicas: 0 } };
  const out = prepareForUpdate(def('Deployment'), { metadata: { name: 'w' }, spec: { replicas: 5 }, status: { replicas: 1 } }, old, 'status');
  assert.deepEqual(out.spec, { replicas: 1 });
  assert.deepEqual(out.status, { replicas: 1 });
  assert.equal(out.metadata.generation, 1);
});

test('deletion: plain objects go at once; finalizers and foreground keep them', () => {
  const cm: KObject = { metadata: { name: 'c' } };
  assert.deepEqual(decideDeletion(def('ConfigMap'), cm, {}, now), { action: 'delete' });
  const fin = decideDeletion(def('ConfigMap'), { metadata: { name: 'c', finalizers: ['x'] } }, {}, now);
  assert.equal(fin.action, 'update');
  const fg = decideDeletion(def('Deployment'), { metadata: { name: 'd' } }, { propagationPolicy: 'Foreground' }, now);
  assert.ok(fg.action === 'update' && fg.object.metadata.finalizers?.includes('foregroundDeletion'));
  const or = decideDeletion(def('Deployment'), { metadata: { name: 'd' } }, { propagationPolicy: 'Orphan' }, now);
  assert.ok(or.action === 'update' && or.object.metadata.finalizers?.includes('orphan'));
});

test('deletion: bound pods terminate gracefully, unbound or forced ones go at once', () => {
  const bound: KObject = { metadata: { name: 'p' }, spec: { nodeName: 'n1', terminationGracePeriodSeconds: 30 }, status: { phase: 'Running' } };
  const d = decideDeletion(def('Pod'), bound, {}, now);
  assert.ok(d.action === 'update');
  assert.equal(d.object.metadata.deletionGracePeriodSeconds, 30);
  assert.equal(d.object.metadata.deletionTimestamp, '2026-01-01T00:00:30Z');
  assert.deepEqual(decideDeletion(def('Pod'), bound, { gracePeriodSeconds: 0 }, now), { action: 'delete' });
  assert.deepEqual(decideDeletion(def('Pod'), { metadata: { name: 'p' }, spec: {} }, {}, now), { action: 'delete' });
});

test('namespaces always pass through Terminating and wait for spec.finalizers', () => {
  const ns: KObject = { metadata: { name: 'x' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
  const d = decideDeletion(def('Namespace'), ns, {}, now);
  assert.ok(d.action === 'update');
  assert.deepEqual(d.object.status, { phase: 'Terminating' });
  assert.equal(readyToDelete(def('Namespace'), d.object), false);
  assert.equal(readyToDelete(def('Namespace'), { ...d.object, spec: {} }), true);
});
