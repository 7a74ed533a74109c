import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { desiredTaints, planNodeHealth, planTaintEviction, podStatusNotReady, sameTaints } from '../../../src/controllers/nodelifecycle/plan.js';
import { addDefaultTolerations } from '../../../src/api/registry/default-tolerations.js';
import type { KObject } from '../../../src/api/machinery/object.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function node(ready: string, extra: Partial<NonNullable<Node['spec']>> = {}): Node {
  return {
    metadata: { name: 'n1' }, spec: extra,
    status: { conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({ type, status: 'False', reason: 'x' })).concat([{ type: 'Ready', status: ready, reason: 'KubeletReady' }]) },
  };
}

describe('node health', () => {
  it('stays as it is within the grace period', () => {
    assert.equal(planNodeHealth(node('True'), T0, T0 + 40_000, 40_000), undefined);
  });

  it('turns every condition Unknown with NodeStatusUnknown after it', () => {
    const conds = planNodeHealth(node('True'), T0, T0 + 40_001, 40_000);
    assert.ok(conds);
    assert.equal(conds.length, 4);
    for (const c of conds) {
      assert.equal(c.status, 'Unknown');
      assert.equal(c.reason, 'NodeStatusUnknown');
      assert.equal(c.message, 'Kubelet stopped posting node status.');
    }
    // Already Unknown: nothing more to write.
    const unknown = { ...node('True'), status: { conditions: conds } };
    assert.equal(planNodeHealth(unknown, T0, T0 + 90_000, 40_000), undefined);
  });
});

describe('node taints', () => {
  it('unreachable NoSchedule and NoExecute for Unknown, not-ready for False, none for True', () => {
    const unk = desiredTaints(node('Unknown'), T0);
    assert.deepEqual(unk.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
    assert.equal(unk[1].timeAdded, '2026-01-01T00:00:00Z');
    assert.deepEqual(desiredTaints(node('False'), T0).map((t) => t.key), ['node.kubernetes.io/not-ready', 'node.kubernetes.io/not-ready']);
    assert.deepEqual(desiredTaints(node('True'), T0), []);
  });

  it('removes its own taints when the node recovers and keeps others; unschedulable follows spec.unschedulable', () => {
    const n = node('True', { unschedulable: true, taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: 'x' }] });
    const t = desiredTaints(n, T0);
    assert.deepEqual(t.map((x) => x.key), ['dedicated', 'node.kubernetes.io/unschedulable']);
    assert.ok(sameTaints(t, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'dedicated', value: 'x', effect: 'NoSchedule' }]));
  });

  it('keeps timeAdded of a taint that is already there', () => {
    const n = node('Unknown', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00Z' }] });
    assert.equal(desiredTaints(n, T0).find((t) => t.effect === 'NoExecute')?.timeAdded, '2025-01-01T00:00:00Z');
  });
});

describe('taint-based eviction', () => {
  const taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' };
  const pod = (tolerations: NonNullable<Pod['spec']>['tolerations']): Pod => ({ metadata: { name: 'p' }, spec: { containers: [], tolerations } });

  it('evicts at once without a toleration', () => {
    assert.deepEqual(planTaintEviction(pod([]), [taint], T0), { action: 'evict' });
  });

  it('waits out tolerationSeconds from the time the taint was added', () => {
    const p = pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]);
    assert.deepEqual(planTaintEviction(p, [taint], T0 + 100_000), { action: 'wait', ms: 200_000 });
    assert.deepEqual(planTaintEviction(p, [taint], T0 + 300_000), { action: 'evict' });
  });

  it('keeps pods that tolerate forever, and ignores NoSchedule taints', () => {
    assert.deepEqual(planTaintEviction(pod([{ operator: 'Exists' }]), [taint], T0 + 1e9), { action: 'keep' });
    assert.deepEqual(planTaintEviction(pod([]), [{ key: 'x', effect: 'NoSchedule' }], T0), { action: 'keep' });
  });

  it('default tolerations give 300 s (or the configured value) unless the pod has its own', () => {
    const p = addDefaultTolerations({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } } as KObject, 300) as Pod;
    assert.deepEqual(p.spec?.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const own = addDefaultTolerations({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [], tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] } } as KObject, 60) as Pod;
    assert.deepEqual(own.spec?.tolerations?.map((t) => `${t.key}=${t.tolerationSeconds}`), ['node.kubernetes.io/unreachable=5', 'node.kubernetes.io/not-ready=60']);
  });

  it('marks pods not Ready once', () => {
    const p: Pod = { metadata: { name: 'p' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    const s = podStatusNotReady(p, T0);
    assert.equal(s?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    assert.equal(podStatusNotReady({ ...p, status: s }, T0), undefined);
  });
});
