/** Pure decisions of the local volume provisioner: class resolution, the provisioned volume, binding steps and reclaim. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../src/api/machinery/object.js';
import {
  PROVISIONER, classForClaim, defaultClass, desiredVolume, planClaim, planVolume, standardStorageClass, type ClaimStep,
} from '../../../src/controllers/volume/plan.js';

const UID = '0b9e5a1c-1111-2222-3333-444455556666';
const PV = `pvc-${UID}`;

function claim(spec: Record<string, unknown> = {}, extra: Partial<KObject> = {}): KObject {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'apps', uid: UID, resourceVersion: '7' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, volumeMode: 'Filesystem', ...spec },
    status: { phase: 'Pending' },
    ...extra,
  };
}

const sc = (name: string, provisioner: string, more: Record<string, unknown> = {}, annotations?: Record<string, string>, created = '2026-01-01T00:00:00Z'): KObject => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name, creationTimestamp: created, ...(annotations ? { annotations } : {}) }, provisioner, ...more,
});

const standard = { ...standardStorageClass(), metadata: { ...standardStorageClass().metadata, creationTimestamp: '2026-01-01T00:00:00Z' } };
const types = (steps: ClaimStep[]): string[] => steps.map((s) => s.type);

test('the standard class is the default, deletes its volumes and binds at once', () => {
  const s = standardStorageClass();
  assert.equal(s.metadata.name, 'standard');
  assert.equal(s.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
  assert.equal(s['provisioner'], PROVISIONER);
  assert.equal(s['reclaimPolicy'], 'Delete');
  assert.equal(s['volumeBindingMode'], 'Immediate');
});

test('claims without a class get the default class; "" and foreign classes are not provisioned', () => {
  const foreign = sc('fast', 'example.com/ssd');
  const retain = sc('keep', PROVISIONER, { reclaimPolicy: 'Retain' });
  assert.equal(classForClaim(claim(), [standard, foreign])?.metadata.name, 'standard');
  assert.equal(classForClaim(claim({ storageClassName: null }), [standard])?.metadata.name, 'standard');
  assert.equal(classForClaim(claim({ storageClassName: '' }), [standard]), undefined);
  assert.equal(classForClaim(claim({ storageClassName: 'fast' }), [standard, foreign]), undefined);
  assert.equal(classForClaim(claim({ storageClassName: 'keep' }), [standard, retain])?.metadata.name, 'keep');
  assert.equal(classForClaim(claim({ storageClassName: 'missing' }), [standard]), undefined);
  // `standard` is served even before its object shows up in the cache.
  assert.equal(classForClaim(claim({ storageClassName: 'standard' }), [])?.metadata.name, 'standard');
  // No default class at all: an unset class waits.
  assert.equal(classForClaim(claim(), [foreign]), undefined);
  // A foreign default class takes unset claims away from this provisioner.
  const foreignDefault = sc('fast', 'example.com/ssd', {}, { 'storageclass.kubernetes.io/is-default-class': 'true' }, '2026-02-01T00:00:00Z');
  assert.equal(defaultClass([standard, foreignDefault])?.metadata.name, 'fast');
  assert.equal(classForClaim(claim(), [standard, foreignDefault]), undefined);
});

test('the provisioned volume carries the claim size, modes, class policy, CSI handle and a claimRef with uid', () => {
  const pv = desiredVolume(claim({ accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] }), sc('keep', PROVISIONER, { reclaimPolicy: 'Retain', mountOptions: ['noatime'] }), 'dev');
  assert.equal(pv.metadata.name, PV);
  assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], PROVISIONER);
  assert.deepEqual(pv.spec, {
    capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], persistentVolumeReclaimPolicy: 'Retain',
    storageClassName: 'keep', volumeMode: 'Filesystem', mountOptions: ['noatime'],
    csi: { driver: PROVISIONER, volumeHandle: `skiff-dev-${PV}` },
    claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'apps', name: 'data', uid: UID, resourceVersion: '7' },
  });
});

test('a new pending claim is provisioned, then volume and claim are bound and annotated', () => {
  const steps = planClaim(claim(), [standard], undefined, 'dev');
  assert.deepEqual(types(steps), ['createVolume', 'event', 'volumeBound', 'bindClaim', 'claimBound']);
  assert.deepEqual(steps[1], { type: 'event', reason: 'ProvisioningSucceeded', message: `Successfully provisioned volume ${PV}` });
  const bind = steps[3] as Extract<ClaimStep, { type: 'bindClaim' }>;
  assert.equal(bind.volumeName, PV);
  assert.equal(bind.storageClassName, 'standard');
  assert.equal(bind.annotations['pv.kubernetes.io/bind-completed'], 'yes');
  assert.equal(bind.annotations['volume.kubernetes.io/storage-provisioner'], PROVISIONER);
  assert.deepEqual(steps[4], { type: 'claimBound', status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } } });
  // A claim that named its class keeps it untouched.
  const named = planClaim(claim({ storageClassName: 'standard' }), [standard], undefined, 'dev');
  assert.equal((named.find((s) => s.type === 'bindClaim') as Extract<ClaimStep, { type: 'bindClaim' }>).storageClassName, undefined);
});

test('replaying the plan finishes an interrupted binding and does nothing once bound', () => {
  const c = claim();
  const pv = { ...desiredVolume(c, standard, 'dev'), status: { phase: 'Pending' } };
  assert.deepEqual(types(planClaim(c, [standard], pv, 'dev')), ['volumeBound', 'bindClaim', 'claimBound']);
  const boundPv = { ...pv, status: { phase: 'Bound' } };
  const annotations = {
    'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes',
    'volume.kubernetes.io/storage-provisioner': PROVISIONER, 'volume.beta.kubernetes.io/storage-provisioner': PROVISIONER,
  };
  const bound = claim({ volumeName: PV, storageClassName: 'standard' }, { status: { phase: 'Bound' } });
  bound.metadata.annotations = annotations;
  assert.deepEqual(planClaim(bound, [standard], boundPv, 'dev'), []);
  const specOnly = claim({ volumeName: PV, storageClassName: 'standard' });
  specOnly.metadata.annotations = annotations;
  assert.deepEqual(types(planClaim(specOnly, [standard], boundPv, 'dev')), ['claimBound']);
});

test('claims that are not this provisioner\'s to bind are left alone', () => {
  assert.deepEqual(planClaim(claim({ volumeName: 'static-pv' }), [standard], undefined, 'dev'), []);
  assert.deepEqual(planClaim(claim({ storageClassName: '' }), [standard], undefined, 'dev'), []);
  assert.deepEqual(planClaim(claim({}, { status: { phase: 'Lost' } }), [standard], undefined, 'dev'), []);
  const deleting = claim();
  deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  assert.deepEqual(planClaim(deleting, [standard], undefined, 'dev'), []);
  // A volume of that name that belongs to another claim uid is never taken over.
  const other = desiredVolume({ ...claim(), metadata: { ...claim().metadata, uid: 'someone-else' } }, standard, 'dev');
  other.metadata.name = PV;
  assert.deepEqual(planClaim(claim(), [standard], other, 'dev'), []);
});

test('a volume whose claim is gone is deleted (Delete) or released (Retain); a live claim keeps it', () => {
  const pv = { ...desiredVolume(claim(), standard, 'dev'), status: { phase: 'Bound' } };
  assert.deepEqual(planVolume(pv, UID), { type: 'none' });
  assert.deepEqual(planVolume(pv, undefined), { type: 'delete' });
  // Same name, new claim: the old binding is over.
  assert.deepEqual(planVolume(pv, 'a-new-uid'), { type: 'delete' });
  const kept = { ...desiredVolume(claim(), sc('keep', PROVISIONER, { reclaimPolicy: 'Retain' }), 'dev'), status: { phase: 'Bound' } };
  assert.deepEqual(planVolume(kept, undefined), { type: 'release' });
  assert.deepEqual(planVolume({ ...kept, status: { phase: 'Released' } }, undefined), { type: 'none' });
  // A volume someone else made is never deleted here, whatever its policy.
  const manual: KObject = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'manual' }, spec: { persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'apps', name: 'data', uid: UID } }, status: { phase: 'Bound' } };
  assert.deepEqual(planVolume(manual, undefined), { type: 'release' });
  // Not bound to any claim uid yet: nothing to reclaim.
  assert.deepEqual(planVolume({ ...manual, spec: { claimRef: { namespace: 'apps', name: 'data' } } }, undefined), { type: 'none' });
});
