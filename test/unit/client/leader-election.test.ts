import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideElection, LeaderElector, microTime } from '../../../src/client/leader-election.js';
import { KubeClient } from '../../../src/client/rest-client.js';
import { Refs } from '../../../src/client/resources.js';
import { startApi, TOKEN, type ApiFixture } from '../api/fixture.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('decideElection', () => {
  it('takes a free Lease, renews its own, waits for someone else\'s to expire', () => {
    const first = decideElection(undefined, 'a', 15, T0);
    assert.equal(first.take, true);
    assert.equal(first.spec?.leaseTransitions, 0);
    assert.equal(first.spec?.acquireTime, microTime(T0));
    const held = first.spec;
    assert.deepEqual(decideElection(held, 'b', 15, T0 + 14_999), { take: false });
    const renewed = decideElection(held, 'a', 15, T0 + 5000);
    assert.equal(renewed.spec?.acquireTime, microTime(T0));
    assert.equal(renewed.spec?.renewTime, microTime(T0 + 5000));
    const taken = decideElection(held, 'b', 15, T0 + 15_000);
    assert.equal(taken.spec?.holderIdentity, 'b');
    assert.equal(taken.spec?.leaseTransitions, 1);
  });

  it('a released Lease (empty holder) is free at once', () => {
    assert.equal(decideElection({ holderIdentity: '', renewTime: microTime(T0), leaseDurationSeconds: 15 }, 'b', 15, T0 + 1).take, true);
  });
});

describe('LeaderElector against an API server', () => {
  let api: ApiFixture;
  let client: KubeClient;
  before(async () => {
    api = await startApi();
    client = new KubeClient({ server: await api.listen(), token: TOKEN });
  });
  after(async () => {
    client.close();
    await api.close();
  });

  it('two candidates racing for one Lease: exactly one wins', async () => {
    const mk = (id: string): LeaderElector => new LeaderElector({ client, namespace: 'kube-system', name: 'race', identity: id, onStartedLeading: () => undefined, onStoppedLeading: () => undefined });
    const results = await Promise.all([mk('a'), mk('b'), mk('c')].map((e) => e.tryAcquireOrRenew()));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('only one acts; the other takes over after release or expiry, with leaseTransitions counted', async () => {
    let clock = Date.now();
    const acting: string[] = [];
    const mk = (id: string): LeaderElector => new LeaderElector({
      client, namespace: 'kube-system', name: 'skiff-controller-manager', identity: id, retryPeriodMs: 50, now: () => clock,
      onStartedLeading: () => acting.push(id), onStoppedLeading: () => acting.splice(acting.indexOf(id), 1),
    });
    const a = mk('a');
    const b = mk('b');
    await a.start();
    await b.start();
    assert.deepEqual(acting, ['a']);
    assert.equal(a.isLeader, true);
    assert.equal(b.isLeader, false);
    const lease = await client.get(Refs.leases, 'kube-system', 'skiff-controller-manager');
    assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, 'a');
    assert.equal((lease.spec as { leaseDurationSeconds: number }).leaseDurationSeconds, 15);
    // Rounds go on; b never acts while a renews.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(acting, ['a']);
    await a.stop();
    assert.deepEqual(acting, []);
    const deadline = Date.now() + 5000;
    while (!b.isLeader && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(acting, ['b']);
    // b stops renewing (as a killed process would); c takes over only once the Lease has expired.
    const c = mk('c');
    await b.stop().catch(() => undefined);
    const held = await client.get(Refs.leases, 'kube-system', 'skiff-controller-manager');
    await client.update(Refs.leases, { ...held, spec: { ...(held.spec as object), holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: microTime(clock) } });
    assert.equal(await c.tryAcquireOrRenew(), false);
    clock += 15_001;
    assert.equal(await c.tryAcquireOrRenew(), true);
    const after = (await client.get(Refs.leases, 'kube-system', 'skiff-controller-manager')).spec as { holderIdentity: string; leaseTransitions: number };
    assert.equal(after.holderIdentity, 'c');
    assert.equal(after.leaseTransitions, 2);
    await c.stop();
  });
});
