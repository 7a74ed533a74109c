/** managedFields for ordinary writes: whoever changes a field owns it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../src/api/machinery/object.js';
import { updateManagedFields } from '../../../src/api/apply/index.js';

const gvk = { group: '', version: 'v1', kind: 'Pod' };
const T1 = new Date('2026-02-01T08:00:00Z');
const T2 = new Date('2026-02-01T09:00:00Z');
const at = (d: Date) => () => d;

function pod(image: string, extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', labels: { app: 'web' }, resourceVersion: '1', uid: 'u1' },
    spec: { containers: [{ name: 'app', image }], ...extra },
  };
}

function withImage(obj: KObject, image: string): KObject {
  return { ...obj, spec: { containers: [{ name: 'app', image }] } };
}

test('create gives the creator every field it set', () => {
  const created = updateManagedFields({ live: undefined, updated: pod('nginx'), manager: 'kubectl-create', operation: 'Update', gvk, now: at(T1) });
  assert.deepEqual(created.metadata.managedFields, [{
    manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2026-02-01T08:00:00Z', fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
    },
  }]);
  assert.equal(created.metadata.resourceVersion, '1');
});

test('an update moves the changed fields to its manager and leaves the rest', () => {
  const created = updateManagedFields({ live: undefined, updated: pod('nginx'), manager: 'creator', operation: 'Update', gvk, now: at(T1) });
  const edited = updateManagedFields({ live: created, updated: withImage(created, 'nginx:2'), manager: 'kubectl-set', operation: 'Update', gvk, now: at(T2) });
  const byManager = Object.fromEntries((edited.metadata.managedFields ?? []).map((e) => [e.manager, e.fieldsV1]));
  assert.deepEqual(byManager['kubectl-set'], { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } });
  assert.deepEqual(byManager.creator, {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:name': {} } } },
  });
});

test('a write that changes nothing adds no entry and keeps timestamps', () => {
  const created = updateManagedFields({ live: undefined, updated: pod('nginx'), manager: 'creator', operation: 'Update', gvk, now: at(T1) });
  const same = updateManagedFields({ live: created, updated: structuredClone(created), manager: 'other', operation: 'Update', gvk, now: at(T2) });
  assert.deepEqual(same.metadata.managedFields, created.metadata.managedFields);
});

test('a manager left with no fields is dropped; removed fields leave every set', () => {
  const created = updateManagedFields({ live: undefined, updated: pod('nginx'), manager: 'creator', operation: 'Update', gvk, now: at(T1) });
  const labelled = updateManagedFields({
    live: created, updated: { ...created, metadata: { ...created.metadata, labels: { app: 'web', tier: 'x' } } },
    manager: 'labeller', operation: 'Update', gvk, now: at(T2),
  });
  const unlabelled = updateManagedFields({
    live: labelled, updated: { ...labelled, metadata: { ...labelled.metadata, labels: { app: 'web' } } },
    manager: 'creator', operation: 'Update', gvk, now: at(T2),
  });
  assert.deepEqual(unlabelled.metadata.managedFields?.map((e) => e.manager), ['creator']);
});

test('one entry per manager, operation, apiVersion and subresource', () => {
  const created = updateManagedFields({ live: undefined, updated: pod('nginx'), manager: 'kubelet', operation: 'Update', gvk, now: at(T1) });
  const withStatus = { ...created, status: { phase: 'Running' } };
  const out = updateManagedFields({ live: created, updated: withStatus, manager: 'kubelet', operation: 'Update', gvk, subresource: 'status', now: at(T2) });
  const entries = out.metadata.managedFields ?? [];
  assert.equal(entries.length, 2);
  const statusEntry = entries.find((e) => e.subresource === 'status');
  assert.deepEqual(statusEntry?.fieldsV1, { 'f:status': { 'f:phase': {} } });
  assert.equal(statusEntry?.time, '2026-02-01T09:00:00Z');
  // The main-resource entry never claims status, and is untouched by the status write.
  assert.deepEqual(entries.find((e) => !e.subresource), created.metadata.managedFields?.[0]);
});

test('status written through the main resource is not tracked', () => {
  const out = updateManagedFields({
    live: undefined, updated: { ...pod('nginx'), status: { phase: 'Pending' } }, manager: 'm', operation: 'Update', gvk, now: at(T1),
  });
  assert.equal((out.metadata.managedFields?.[0]?.fieldsV1 as Record<string, unknown>)['f:status'], undefined);
});
