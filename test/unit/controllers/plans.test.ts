// Pure plans of the garbage collector, the namespace controller and the namespace defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isOrphaned, planOwnerDeletion } from '../../../src/controllers/garbagecollector/plan.js';
import { planNamespaceDeletion } from '../../../src/controllers/namespace/namespace-controller.js';
import { desiredObjects, missingObjects } from '../../../src/controllers/namespacedefaults/desired-objects.js';
import { Refs } from '../../../src/client/resources.js';
import type { KObject } from '../../../src/api/machinery/object.js';

const owned = (uid: string, ...owners: string[]): KObject => ({
  metadata: { name: uid, uid, ownerReferences: owners.map((o) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o, uid: o })) },
});

test('a dependent is garbage only when all its owners are gone', () => {
  const present = new Set(['a']);
  const state = (uid: string) => (present.has(uid) ? 'present' as const : 'absent' as const);
  assert.equal(isOrphaned(owned('p1', 'a'), state), false);
  assert.equal(isOrphaned(owned('p2', 'b'), state), true);
  assert.equal(isOrphaned(owned('p3', 'a', 'b'), state), false);
  assert.equal(isOrphaned({ metadata: { name: 'x' } }, state), false);
});

test('foreground deletion deletes dependents, then removes its finalizer', () => {
  const owner: KObject = { metadata: { name: 'o', uid: 'o', deletionTimestamp: 't', finalizers: ['foregroundDeletion'] } };
  const dep = owned('d', 'o');
  assert.deepEqual(planOwnerDeletion(owner, [dep]), { type: 'deleteDependents', dependents: [dep] });
  const going = { ...dep, metadata: { ...dep.metadata, deletionTimestamp: 't' } };
  assert.deepEqual(planOwnerDeletion(owner, [going]), { type: 'none' });
  assert.deepEqual(planOwnerDeletion(owner, []), { type: 'removeFinalizer', finalizer: 'foregroundDeletion' });
});

test('orphan deletion releases dependents, then removes its finalizer', () => {
  const owner: KObject = { metadata: { name: 'o', uid: 'o', deletionTimestamp: 't', finalizers: ['orphan'] } };
  assert.equal(planOwnerDeletion(owner, [owned('d', 'o')]).type, 'orphanDependents');
  assert.deepEqual(planOwnerDeletion(owner, []), { type: 'removeFinalizer', finalizer: 'orphan' });
  assert.deepEqual(planOwnerDeletion({ metadata: { name: 'live' } }, []), { type: 'none' });
});

test('namespace deletion deletes what is not already going and counts what is left', () => {
  const plan = planNamespaceDeletion([
    { ref: Refs.pods, objects: [{ metadata: { name: 'p', deletionTimestamp: 't' } }] },
    { ref: Refs.configmaps, objects: [{ metadata: { name: 'c' } }] },
  ]);
  assert.deepEqual(plan.deletes, [{ ref: Refs.configmaps, name: 'c' }]);
  assert.equal(plan.remaining, 2);
  assert.deepEqual(planNamespaceDeletion([]), { deletes: [], remaining: 0 });
});

test('every active namespace gets a default ServiceAccount and the root CA ConfigMap', () => {
  const want = desiredObjects({ metadata: { name: 'team' } }, 'PEM');
  assert.deepEqual(want.map((d) => `${d.object.kind}/${d.object.metadata.namespace}/${d.object.metadata.name}`), ['ServiceAccount/team/default', 'ConfigMap/team/kube-root-ca.crt']);
  assert.deepEqual((want[1].object.data as Record<string, string>)['ca.crt'], 'PEM');
  assert.deepEqual(desiredObjects({ metadata: { name: 'x', deletionTimestamp: 't' } }, 'PEM'), []);
  assert.equal(missingObjects(want, (d) => d.object.kind === 'ServiceAccount').length, 1);
});
