import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startApi, type ApiFixture } from './fixture.js';

describe('pods/eviction with PodDisruptionBudgets', () => {
  let api: ApiFixture;
  before(async () => {
    api = await startApi();
  });
  after(async () => {
    await api.close();
  });

  const podPath = '/api/v1/namespaces/default/pods';
  const pdbPath = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';
  const evict = (name: string, body: object = {}) => api.post(`${podPath}/${name}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...body });

  async function readyPod(name: string): Promise<void> {
    await api.post(podPath, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'x' }] } }).expect(201);
    const cur = (await api.get(`${podPath}/${name}`).expect(200)).body as { status: object };
    await api.put(`${podPath}/${name}/status`, { ...cur, status: { ...cur.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }).expect(200);
  }

  async function setBudgetStatus(allowed: number): Promise<void> {
    const cur = (await api.get(`${pdbPath}/db`).expect(200)).body as { metadata: { generation: number } };
    await api.put(`${pdbPath}/db/status`, { ...cur, status: { observedGeneration: cur.metadata.generation, disruptionsAllowed: allowed, currentHealthy: 2, desiredHealthy: 2 - allowed, expectedPods: 2 } }).expect(200);
  }

  it('refuses with 429 and the budget as the cause while no disruption is allowed, then allows and uses one up', async () => {
    await readyPod('db-0');
    await readyPod('db-1');
    await api.post(pdbPath, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'db' } } } }).expect(201);
    // Not yet processed by the controller: refused.
    const unprocessed = await evict('db-0').expect(429);
    assert.match(unprocessed.body.details.causes[0].message, /is still being processed/);
    await setBudgetStatus(0);
    const refused = await evict('db-0').expect(429);
    assert.equal(refused.body.reason, 'TooManyRequests');
    assert.equal(refused.body.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(refused.body.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget db needs 2 healthy pods and has 2 currently' }]);
    await api.get(`${podPath}/db-0`).expect(200);

    await setBudgetStatus(1);
    await evict('db-0').expect(201);
    await api.get(`${podPath}/db-0`).expect(404);
    const budget = (await api.get(`${pdbPath}/db`).expect(200)).body as { status: { disruptionsAllowed: number; disruptedPods: Record<string, string> } };
    assert.equal(budget.status.disruptionsAllowed, 0);
    assert.deepEqual(Object.keys(budget.status.disruptedPods), ['db-0']);
    // The one allowed disruption is spent: the next eviction is refused.
    await evict('db-1').expect(429);
  });

  it('evicts pods no budget covers, and 404s for a missing pod', async () => {
    await api.post(podPath, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'free' }, spec: { containers: [{ name: 'c', image: 'x' }] } }).expect(201);
    await evict('free').expect(201);
    await evict('nope').expect(404);
  });
});
