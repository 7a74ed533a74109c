import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { budgetCounts, budgetStatus } from '../../../src/controllers/disruption/plan.js';
import { budgetsFor, evictionVerdict } from '../../../src/api/registry/eviction.js';

function pod(name: string, ready: boolean, extra: { deleting?: boolean; owner?: string } = {}): Pod {
  return {
    metadata: {
      name, namespace: 'default', labels: { app: 'web' }, ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
      ...(extra.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: extra.owner, uid: extra.owner, controller: true }] } : {}),
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function pdb(spec: Partial<NonNullable<PodDisruptionBudget['spec']>>, generation = 1): PodDisruptionBudget {
  return { metadata: { name: 'b', namespace: 'default', generation }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } };
}

const noScale = (): undefined => undefined;

describe('PodDisruptionBudget math', () => {
  it('minAvailable as a number: expected = selected pods, allowed = healthy - min', () => {
    const pods = [pod('a', true), pod('b', true), pod('c', false), pod('d', true, { deleting: true })];
    assert.deepEqual(budgetCounts(pdb({ minAvailable: 1 }), pods, noScale), { expectedPods: 3, desiredHealthy: 1, currentHealthy: 2, disruptionsAllowed: 1 });
    assert.equal(budgetCounts(pdb({ minAvailable: 3 }), pods, noScale).disruptionsAllowed, 0);
  });

  it('maxUnavailable and percentages use the controller scale, rounding up', () => {
    const pods = [pod('a', true, { owner: 'rs' }), pod('b', true, { owner: 'rs' })];
    const scale = (): number => 4;
    assert.deepEqual(budgetCounts(pdb({ maxUnavailable: 1 }), pods, scale), { expectedPods: 4, desiredHealthy: 3, currentHealthy: 2, disruptionsAllowed: 0 });
    assert.deepEqual(budgetCounts(pdb({ minAvailable: '25%' }), pods, scale), { expectedPods: 4, desiredHealthy: 1, currentHealthy: 2, disruptionsAllowed: 1 });
    assert.equal(budgetCounts(pdb({ maxUnavailable: '50%' }), pods, scale).disruptionsAllowed, 0);
  });

  it('status: counts, DisruptionAllowed condition and observedGeneration; a granted eviction counts as unhealthy', () => {
    const pods = [pod('a', true), pod('b', true)];
    const st = budgetStatus({ ...pdb({ minAvailable: 1 }, 3), status: { disruptedPods: { a: '2026-01-01T00:00:00Z' }, currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 } }, pods, noScale, Date.parse('2026-01-01T00:00:30Z'));
    assert.equal(st.observedGeneration, 3);
    assert.equal(st.currentHealthy, 1);
    assert.equal(st.disruptionsAllowed, 0);
    assert.equal(st.conditions?.[0].reason, 'InsufficientPods');
    const later = budgetStatus(pdb({ minAvailable: 1 }), pods, noScale, Date.parse('2026-01-01T00:05:00Z'));
    assert.equal(later.disruptionsAllowed, 1);
    assert.equal(later.conditions?.[0].status, 'True');
    assert.equal(later.conditions?.[0].reason, 'SufficientPods');
  });

  it('a null selector selects nothing', () => {
    assert.equal(budgetsFor(pod('a', true), [{ metadata: { name: 'x', namespace: 'default' }, spec: {} }]).length, 0);
    assert.equal(budgetsFor(pod('a', true), [pdb({})]).length, 1);
  });
});

describe('eviction verdict', () => {
  const withStatus = (allowed: number, healthy: number, desired: number, observed = 1): PodDisruptionBudget => ({
    ...pdb({ minAvailable: desired }), status: { observedGeneration: observed, disruptionsAllowed: allowed, currentHealthy: healthy, desiredHealthy: desired, expectedPods: healthy },
  });

  it('refuses with the budget named when no disruption is allowed', () => {
    assert.deepEqual(evictionVerdict(withStatus(0, 2, 2), pod('a', true)), {
      allow: false, message: "Cannot evict pod as it would violate the pod's disruption budget.", cause: 'The disruption budget b needs 2 healthy pods and has 2 currently',
    });
  });

  it('allows and uses up one disruption otherwise', () => {
    assert.deepEqual(evictionVerdict(withStatus(1, 3, 2), pod('a', true)), { allow: true, decrement: true });
  });

  it('refuses while the controller has not seen the budget generation', () => {
    const v = evictionVerdict(withStatus(5, 5, 0, 0), pod('a', true));
    assert.equal(v.allow, false);
  });

  it('an unready pod may go when the budget is met, without using a disruption', () => {
    assert.deepEqual(evictionVerdict(withStatus(0, 2, 2), pod('a', false)), { allow: true, decrement: false });
  });
});
