// Pure plan of the StatefulSet controller: identity, ordered and parallel management, claims, retention, rolling updates and status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import {
  claimOwners, newStatefulSetPod, ordinalOf, planStatefulSet, type PlanRevision, type StatefulSetAction,
} from '../../../src/controllers/statefulset/plan.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const R1: PlanRevision = { name: 'web-r1', template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } } };
const R2: PlanRevision = { name: 'web-r2', template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v2' }] } } };

function sts(over: Partial<NonNullable<StatefulSet['spec']>> = {}, status?: StatefulSet['status']): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'set-uid', generation: 3 },
    spec: {
      replicas: 3, serviceName: 'web', podManagementPolicy: 'OrderedReady', selector: { matchLabels: { app: 'web' } },
      template: R1.template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      ...over,
    },
    ...(status ? { status } : {}),
  };
}

function member(set: StatefulSet, ordinal: number, rev = R1, opts: { ready?: boolean; phase?: string; deleting?: boolean } = {}): Pod {
  const p = newStatefulSetPod(set, rev, ordinal);
  const ready = opts.ready ?? true;
  return {
    ...p,
    metadata: { ...p.metadata, uid: `pod-${ordinal}-${rev.name}`, ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:09:00Z' } : {}) },
    status: { phase: opts.phase ?? (ready ? 'Running' : 'Pending'), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  };
}

function claims(set: StatefulSet, ...ordinals: number[]): Map<string, PersistentVolumeClaim> {
  return new Map(ordinals.map((o) => [`data-web-${o}`, { metadata: { name: `data-web-${o}`, uid: `c${o}` } }]));
}

const summary = (actions: StatefulSetAction[]): string[] => actions.map((a) => {
  switch (a.type) {
    case 'createPod': return `create ${a.pod.metadata?.name ?? ''}${a.claims.length ? ` +${a.claims.map((c) => c.metadata?.name).join(',')}` : ''}`;
    case 'createClaims': return `claims ${a.claims.map((c) => c.metadata?.name).join(',')}`;
    case 'deletePod': return `delete ${a.pod.metadata?.name ?? ''}`;
    case 'setClaimOwners': return `owners ${a.claim.metadata?.name ?? ''} ${a.ownerReferences.map((r) => r.kind).join(',')}`;
  }
});

test('a member pod has a stable name, identity labels, hostname, subdomain and its own claim', () => {
  const p = newStatefulSetPod(sts(), R1, 2);
  assert.equal(p.metadata?.name, 'web-2');
  assert.equal(p.spec?.hostname, 'web-2');
  assert.equal(p.spec?.subdomain, 'web');
  assert.deepEqual(p.metadata?.labels, { app: 'web', 'controller-revision-hash': 'web-r1', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2' });
  assert.deepEqual(p.spec?.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-2' } }]);
  assert.equal(p.metadata?.ownerReferences?.[0].kind, 'StatefulSet');
  assert.equal(ordinalOf(sts(), p), 2);
  assert.equal(ordinalOf(sts(), { metadata: { name: 'web-02' } }), undefined);
  assert.equal(ordinalOf(sts(), { metadata: { name: 'webx-1' } }), undefined);
});

test('OrderedReady creates one pod at a time, each after its predecessors are Running and Ready', () => {
  const set = sts();
  assert.deepEqual(summary(planStatefulSet(set, [], new Map(), R1, R1, NOW).actions), ['create web-0 +data-web-0']);
  const notReady = member(set, 0, R1, { ready: false });
  assert.deepEqual(summary(planStatefulSet(set, [notReady], claims(set, 0), R1, R1, NOW).actions), []);
  assert.deepEqual(summary(planStatefulSet(set, [member(set, 0)], claims(set, 0), R1, R1, NOW).actions), ['create web-1 +data-web-1']);
  // A deleted member comes back under its name and reuses the claim that is still there.
  assert.deepEqual(summary(planStatefulSet(set, [member(set, 0), member(set, 2)], claims(set, 0, 1, 2), R1, R1, NOW).actions), ['create web-1']);
});

test('Parallel creates every missing pod at once and does not wait on readiness', () => {
  const set = sts({ podManagementPolicy: 'Parallel' });
  assert.deepEqual(summary(planStatefulSet(set, [member(set, 1, R1, { ready: false })], claims(set, 1), R1, R1, NOW).actions), ['create web-0 +data-web-0', 'create web-2 +data-web-2']);
});

test('scale-down removes the highest ordinal first, one at a time, after the rest are ready', () => {
  const set = sts({ replicas: 1 });
  const pods = [member(set, 0), member(set, 1), member(set, 2)];
  assert.deepEqual(summary(planStatefulSet(set, pods, claims(set, 0, 1, 2), R1, R1, NOW).actions), ['delete web-2']);
  const terminating = [member(set, 0), member(set, 1), member(set, 2, R1, { deleting: true })];
  assert.deepEqual(summary(planStatefulSet(set, terminating, claims(set, 0, 1, 2), R1, R1, NOW).actions), []);
  const parallel = sts({ replicas: 1, podManagementPolicy: 'Parallel' });
  assert.deepEqual(summary(planStatefulSet(parallel, pods, claims(set, 0, 1, 2), R1, R1, NOW).actions), ['delete web-2', 'delete web-1']);
});

test('a rolling update deletes the highest-ordinal pod not at the update revision, waits for health, and honours the partition', () => {
  const set = sts({ template: R2.template });
  const old = [member(set, 0), member(set, 1), member(set, 2)];
  assert.deepEqual(summary(planStatefulSet(set, old, claims(set, 0, 1, 2), R1, R2, NOW).actions), ['delete web-2']);
  const mid = [member(set, 0), member(set, 1), member(set, 2, R2)];
  assert.deepEqual(summary(planStatefulSet(set, mid, claims(set, 0, 1, 2), R1, R2, NOW).actions), ['delete web-1']);
  const unhealthy = [member(set, 0), member(set, 1), member(set, 2, R2, { ready: false })];
  assert.deepEqual(summary(planStatefulSet(set, unhealthy, claims(set, 0, 1, 2), R1, R2, NOW).actions), []);
  const partitioned = sts({ template: R2.template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
  const atPartition = [member(set, 0), member(set, 1), member(set, 2, R2)];
  assert.deepEqual(summary(planStatefulSet(partitioned, atPartition, claims(set, 0, 1, 2), R1, R2, NOW).actions), []);
  // Below the partition a missing pod comes back at the current revision, above it at the update revision.
  const recreated = planStatefulSet(partitioned, [member(set, 1), member(set, 2, R2)], claims(set, 0, 1, 2), R1, R2, NOW).actions[0];
  assert.equal(recreated.type === 'createPod' && recreated.pod.metadata?.labels?.['controller-revision-hash'], 'web-r1');
  const onDelete = sts({ template: R2.template, updateStrategy: { type: 'OnDelete' } });
  assert.deepEqual(summary(planStatefulSet(onDelete, old, claims(set, 0, 1, 2), R1, R2, NOW).actions), []);
});

test('failed members are deleted to be made again; claims missing under a pending pod are made again', () => {
  const set = sts();
  const failed = member(set, 0, R1, { phase: 'Failed', ready: false });
  assert.deepEqual(planStatefulSet(set, [failed], claims(set, 0), R1, R1, NOW).actions, [{ type: 'deletePod', pod: failed, failed: true }]);
  const pending = member(set, 0, R1, { ready: false });
  assert.deepEqual(summary(planStatefulSet(set, [pending], new Map(), R1, R1, NOW).actions), ['claims data-web-0']);
});

test('retention: claims follow the set when whenDeleted is Delete and the condemned pod when whenScaled is Delete', () => {
  const both = sts({ replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
  const claim: PersistentVolumeClaim = { metadata: { name: 'data-web-1', ownerReferences: [{ apiVersion: 'x/v1', kind: 'Other', name: 'o', uid: 'o' }] } };
  const pod = member(both, 1);
  assert.deepEqual(claimOwners(both, claim, pod, true).map((r) => r.kind), ['Other', 'StatefulSet', 'Pod']);
  assert.deepEqual(claimOwners(both, claim, pod, false).map((r) => r.kind), ['Other', 'StatefulSet']);
  assert.deepEqual(claimOwners(sts(), claim, pod, true).map((r) => r.kind), ['Other']);
  const plan = planStatefulSet(both, [member(both, 0), pod], claims(both, 0, 1), R1, R1, NOW);
  // The pod reference goes on before the pod goes, so the claim follows it.
  assert.deepEqual(summary(plan.actions), ['owners data-web-0 StatefulSet', 'owners data-web-1 StatefulSet,Pod', 'delete web-1']);
});

test('status counts replicas by readiness and revision, and a finished rolling update makes the update revision current', () => {
  const set = sts({ template: R2.template }, { replicas: 3, currentRevision: 'web-r1' });
  const mid = planStatefulSet(set, [member(set, 0), member(set, 1, R1, { ready: false }), member(set, 2, R2)], claims(set, 0, 1, 2), R1, R2, NOW).status;
  assert.deepEqual(
    [mid.replicas, mid.readyReplicas, mid.availableReplicas, mid.currentReplicas, mid.updatedReplicas, mid.currentRevision, mid.updateRevision, mid.observedGeneration],
    [3, 2, 2, 2, 1, 'web-r1', 'web-r2', 3],
  );
  const done = planStatefulSet(set, [0, 1, 2].map((o) => member(set, o, R2)), claims(set, 0, 1, 2), R1, R2, NOW).status;
  assert.deepEqual([done.currentReplicas, done.updatedReplicas, done.currentRevision], [3, 3, 'web-r2']);
  const onDelete = sts({ updateStrategy: { type: 'OnDelete' } });
  assert.equal(planStatefulSet(onDelete, [0, 1, 2].map((o) => member(set, o, R2)), claims(set, 0, 1, 2), R1, R2, NOW).status.currentRevision, 'web-r1');
});
