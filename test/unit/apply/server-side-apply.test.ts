/** Server-side apply: merging, pruning, ownership and conflicts across managers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../src/api/machinery/object.js';
import { isConflict, StatusError } from '../../../src/api/machinery/errors.js';
import { serverSideApply, updateManagedFields } from '../../../src/api/apply/index.js';

const gvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
const T1 = new Date('2026-01-01T10:00:00.123Z');
const T2 = new Date('2026-01-01T11:00:00Z');
const T3 = new Date('2026-01-01T12:00:00Z');
const at = (d: Date) => () => d;

function deployment(opts: { replicas?: number; image?: string; labels?: Record<string, string> } = {}): KObject {
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: opts.image ?? 'nginx:1.25' }] },
    },
  };
  if (opts.replicas !== undefined) spec.replicas = opts.replicas;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: opts.labels ?? { app: 'web' } },
    spec,
  };
}

/** A partial configuration, as a second applier sends it: identity plus its own fields. */
function partial(rest: Record<string, unknown>, metadata: Record<string, unknown> = {}): KObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', ...metadata }, ...rest };
}

function entry(obj: KObject, manager: string, operation = 'Apply') {
  return obj.metadata.managedFields?.find((e) => e.manager === manager && e.operation === operation);
}

function spec(obj: KObject): Record<string, unknown> {
  return obj.spec as Record<string, unknown>;
}

function containers(obj: KObject): { name: string; image?: string }[] {
  const template = spec(obj).template as { spec: { containers: { name: string; image?: string }[] } };
  return template.spec.containers;
}

function catchError(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError);
    return err;
  }
  assert.fail('expected a StatusError');
}

test('apply creates the object and records one Apply entry', () => {
  const obj = serverSideApply({ live: undefined, applied: deployment({ replicas: 2 }), manager: 'kubectl', force: false, gvk, now: at(T1) });
  assert.equal(spec(obj).replicas, 2);
  assert.equal(obj.metadata.name, 'web');
  assert.deepEqual(obj.metadata.managedFields, [{
    manager: 'kubectl',
    operation: 'Apply',
    apiVersion: 'apps/v1',
    time: '2026-01-01T10:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    },
  }]);
});

test('status and server-set metadata in the applied configuration are ignored', () => {
  const applied = deployment({ replicas: 1 });
  applied.status = { replicas: 9 };
  applied.metadata = { ...applied.metadata, resourceVersion: '7', uid: 'u', generation: 4, managedFields: [{ manager: 'evil' }] };
  const created = serverSideApply({ live: undefined, applied: deployment({ replicas: 1 }), manager: 'kubectl', force: false, gvk, now: at(T1) });
  const first = { ...created, metadata: { ...created.metadata, resourceVersion: '3', uid: 'real' } };
  const obj = serverSideApply({ live: first, applied, manager: 'kubectl', force: false, gvk, now: at(T2) });
  assert.equal(obj.status, undefined);
  assert.equal(obj.metadata.resourceVersion, '3');
  assert.equal(obj.metadata.uid, 'real');
  assert.equal(obj.metadata.generation, undefined);
  assert.deepEqual(obj.metadata.managedFields?.map((e) => e.manager), ['kubectl']);
});

test('re-applying the same manifest changes nothing, not even the timestamp', () => {
  const first = serverSideApply({ live: undefined, applied: deployment({ replicas: 2 }), manager: 'kubectl', force: false, gvk, now: at(T1) });
  const again = serverSideApply({ live: first, applied: deployment({ replicas: 2 }), manager: 'kubectl', force: false, gvk, now: at(T2) });
  assert.deepEqual(again, first);
});

test('fields the applier no longer sets are removed from the object', () => {
  const first = serverSideApply({
    live: undefined, applied: deployment({ replicas: 2, labels: { app: 'web', tier: 'front' } }), manager: 'kubectl', force: false, gvk, now: at(T1),
  });
  const next = serverSideApply({ live: first, applied: deployment(), manager: 'kubectl', force: false, gvk, now: at(T2) });
  assert.equal(spec(next).replicas, undefined);
  assert.deepEqual(next.metadata.labels, { app: 'web' });
  const fields = entry(next, 'kubectl')?.fieldsV1 as Record<string, Record<string, unknown>>;
  assert.equal(fields['f:spec']['f:replicas'], undefined);
  assert.equal(entry(next, 'kubectl')?.time, '2026-01-01T11:00:00Z');
});

test('a field dropped by one applier stays while another manager still owns it', () => {
  const a = serverSideApply({ live: undefined, applied: deployment({ labels: { app: 'web', team: 'x' } }), manager: 'a', force: false, gvk, now: at(T1) });
  // Same value: ownership is shared, no conflict.
  const b = serverSideApply({ live: a, applied: partial({}, { labels: { team: 'x' } }), manager: 'b', force: false, gvk, now: at(T2) });
  const next = serverSideApply({ live: b, applied: deployment({ labels: { app: 'web' } }), manager: 'a', force: false, gvk, now: at(T3) });
  assert.deepEqual(next.metadata.labels, { app: 'web', team: 'x' });
  assert.deepEqual(entry(next, 'b')?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:team': {} } } });
});

test('two managers own different fields and keep them across re-applies', () => {
  const a = serverSideApply({ live: undefined, applied: deployment({ replicas: 2 }), manager: 'a', force: false, gvk, now: at(T1) });
  const b = serverSideApply({ live: a, applied: partial({}, { annotations: { 'b.io/note': 'hi' } }), manager: 'b', force: false, gvk, now: at(T2) });
  const again = serverSideApply({ live: b, applied: deployment({ replicas: 3 }), manager: 'a', force: false, gvk, now: at(T3) });
  assert.equal(spec(again).replicas, 3);
  assert.deepEqual(again.metadata.annotations, { 'b.io/note': 'hi' });
  // Entries are ordered like Kubernetes orders them: oldest first among appliers.
  assert.deepEqual(again.metadata.managedFields?.map((e) => e.manager), ['b', 'a']);
  assert.deepEqual(entry(again, 'b')?.fieldsV1, { 'f:metadata': { 'f:annotations': { 'f:b.io/note': {} } } });
});

test('changing a field another applier owns is a 409 conflict; force takes it over', () => {
  const a = serverSideApply({ live: undefined, applied: deployment({ replicas: 2 }), manager: 'a', force: false, gvk, now: at(T1) });
  const err = catchError(() =>
    serverSideApply({ live: a, applied: partial({ spec: { replicas: 3 } }), manager: 'b', force: false, gvk, now: at(T2) }));
  assert.equal(err.code, 409);
  assert.ok(isConflict(err));
  assert.deepEqual(err.status.details?.causes, [
    { reason: 'FieldManagerConflict', message: 'conflict with "a": .spec.replicas', field: '.spec.replicas' },
  ]);
  assert.equal(err.status.message, 'Apply failed with 1 conflict: conflict with "a": .spec.replicas');

  const forced = serverSideApply({ live: a, applied: partial({ spec: { replicas: 3 } }), manager: 'b', force: true, gvk, now: at(T2) });
  assert.equal(spec(forced).replicas, 3);
  const aSpec = (entry(forced, 'a')?.fieldsV1 as Record<string, Record<string, unknown>>)['f:spec'];
  assert.equal(aSpec['f:replicas'], undefined);
  assert.ok(aSpec['f:template']);
  assert.deepEqual(entry(forced, 'b')?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
});

test('every conflicting field is listed', () => {
  const a = serverSideApply({ live: undefined, applied: deployment({ replicas: 2 }), manager: 'a', force: false, gvk, now: at(T1) });
  const err = catchError(() => serverSideApply({
    live: a, applied: deployment({ replicas: 5, image: 'nginx:1.27' }), manager: 'b', force: false, gvk, now: at(T2),
  }));
  assert.deepEqual(err.status.details?.causes?.map((c) => c.field), [
    '.spec.replicas',
    '.spec.template.spec.containers[name="nginx"].image',
  ]);
});

test('client-side apply then server-side apply changing replicas conflicts with the Update entry', () => {
  const manifest = deployment({ replicas: 2 });
  manifest.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' };
  const created = updateManagedFields({
    live: undefined, updated: manifest, manager: 'kubectl-client-side-apply', operation: 'Update', gvk, now: at(T1),
  });
  const err = catchError(() => serverSideApply({
    live: created, applied: deployment({ replicas: 3 }), manager: 'kubectl', force: false, gvk, now: at(T2),
  }));
  assert.deepEqual(err.status.details?.causes, [{
    reason: 'FieldManagerConflict',
    message: 'conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    field: '.spec.replicas',
  }]);
  // The same values again are shared, not conflicting.
  const shared = serverSideApply({ live: created, applied: deployment({ replicas: 2 }), manager: 'kubectl', force: false, gvk, now: at(T2) });
  assert.deepEqual(shared.metadata.managedFields?.map((e) => `${e.manager}/${e.operation}`), [
    'kubectl/Apply', 'kubectl-client-side-apply/Update',
  ]);
  const csa = entry(shared, 'kubectl-client-side-apply', 'Update')?.fieldsV1 as Record<string, Record<string, unknown>>;
  assert.deepEqual(csa['f:spec']['f:replicas'], {});
});

test('containers are merged by name across managers', () => {
  const a = serverSideApply({ live: undefined, applied: deployment(), manager: 'a', force: false, gvk, now: at(T1) });
  const sidecar = partial({ spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } });
  const b = serverSideApply({ live: a, applied: sidecar, manager: 'b', force: false, gvk, now: at(T2) });
  assert.deepEqual(containers(b), [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'sidecar', image: 'busybox' }]);

  const a2 = serverSideApply({ live: b, applied: deployment({ image: 'nginx:1.27' }), manager: 'a', force: false, gvk, now: at(T3) });
  assert.deepEqual(containers(a2), [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'sidecar', image: 'busybox' }]);
  assert.deepEqual(entry(a2, 'b')?.fieldsV1, {
    'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
  });

  // b dropping its container removes it; a's container is untouched.
  const b2 = serverSideApply({ live: a2, applied: partial({}), manager: 'b', force: false, gvk, now: at(T3) });
  assert.deepEqual(containers(b2), [{ name: 'nginx', image: 'nginx:1.27' }]);
  assert.equal(entry(b2, 'b'), undefined);
});

test('atomic lists are replaced whole by the applier', () => {
  const withArgs = (args: string[]) =>
    partial({ spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx', args }] } } } });
  const first = serverSideApply({ live: undefined, applied: withArgs(['-a', '-b']), manager: 'a', force: false, gvk, now: at(T1) });
  const next = serverSideApply({ live: first, applied: withArgs(['-c']), manager: 'a', force: false, gvk, now: at(T2) });
  assert.deepEqual((containers(next)[0] as { args?: string[] }).args, ['-c']);
});

test('kubectl scale after an apply takes replicas; re-applying the old count conflicts', () => {
  const applied = serverSideApply({ live: undefined, applied: deployment({ replicas: 2 }), manager: 'kubectl', force: false, gvk, now: at(T1) });
  const scaledObj = { ...applied, spec: { ...spec(applied), replicas: 5 } };
  const scaled = updateManagedFields({
    live: applied, updated: scaledObj, manager: 'kubectl', operation: 'Update', gvk, subresource: 'scale', now: at(T2),
  });
  const scaleEntry = entry(scaled, 'kubectl', 'Update');
  assert.deepEqual(scaleEntry, {
    manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', time: '2026-01-01T11:00:00Z',
    fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, subresource: 'scale',
  });
  const applyFields = entry(scaled, 'kubectl')?.fieldsV1 as Record<string, Record<string, unknown>>;
  assert.equal(applyFields['f:spec']['f:replicas'], undefined);

  const err = catchError(() => serverSideApply({ live: scaled, applied: deployment({ replicas: 2 }), manager: 'kubectl', force: false, gvk, now: at(T3) }));
  assert.equal(err.status.details?.causes?.[0]?.message, 'conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');

  // Leaving replicas out of the manifest keeps the scaled count, since the applier no longer owns it.
  const reapplied = serverSideApply({ live: scaled, applied: deployment(), manager: 'kubectl', force: false, gvk, now: at(T3) });
  assert.equal(spec(reapplied).replicas, 5);
});

test('an object without managedFields is owned by before-first-apply', () => {
  const live = deployment({ replicas: 1 });
  const err = catchError(() => serverSideApply({ live, applied: deployment({ replicas: 4 }), manager: 'kubectl', force: false, gvk, now: at(T1) }));
  assert.equal(err.status.details?.causes?.[0]?.message, 'conflict with "before-first-apply" using apps/v1: .spec.replicas');
});

test('inputs are not mutated', () => {
  const first = serverSideApply({ live: undefined, applied: deployment({ replicas: 2 }), manager: 'a', force: false, gvk, now: at(T1) });
  const snapshot = structuredClone(first);
  const applied = deployment({ replicas: 3 });
  const appliedSnapshot = structuredClone(applied);
  serverSideApply({ live: first, applied, manager: 'a', force: false, gvk, now: at(T2) });
  assert.deepEqual(first, snapshot);
  assert.deepEqual(applied, appliedSnapshot);
});

test('container ports merge by port and defaulted protocol; null unsets a field', () => {
  const withPorts = (ports: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
    partial({ spec: { ...extra, template: { spec: { containers: [{ name: 'nginx', image: 'nginx', ports }] } } } });
  const first = serverSideApply({
    live: undefined, applied: withPorts([{ containerPort: 80, protocol: 'TCP', name: 'http' }], { paused: true }),
    manager: 'a', force: false, gvk, now: at(T1),
  });
  // Same item without the protocol: still the TCP port, so its name is merged in, not duplicated.
  const next = serverSideApply({
    live: first, applied: withPorts([{ containerPort: 80, name: 'web' }], { paused: null }), manager: 'a', force: false, gvk, now: at(T2),
  });
  const c = containers(next)[0] as { ports?: Record<string, unknown>[] };
  // protocol is part of the port's key, so it stays with the port even though the applier stopped setting it.
  assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP', name: 'web' }]);
  assert.equal('paused' in spec(next), false);
});

test('an applier dropping a container another manager edited keeps the container and its name', () => {
  const a = serverSideApply({
    live: undefined,
    applied: partial({ spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx' }, { name: 'log', image: 'busybox', tty: true }] } } } }),
    manager: 'a', force: false, gvk, now: at(T1),
  });
  const edited = structuredClone(a);
  (containers(edited)[1] as { image?: string }).image = 'busybox:2';
  const b = updateManagedFields({ live: a, updated: edited, manager: 'editor', operation: 'Update', gvk, now: at(T2) });
  const next = serverSideApply({
    live: b, applied: partial({ spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } } }),
    manager: 'a', force: false, gvk, now: at(T3),
  });
  assert.deepEqual(containers(next), [{ name: 'nginx', image: 'nginx' }, { name: 'log', image: 'busybox:2' }]);
});
