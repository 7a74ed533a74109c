// Pure plans of the DaemonSet controller and the ControllerRevision history it shares with StatefulSets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import {
  newDaemonPod, nodeShouldRunDaemonPod, planDaemonSet, targetNodeOf, withDaemonTolerations,
} from '../../../src/controllers/daemonset/plan.js';
import {
  CONTROLLER_REVISION_HASH_LABEL, newRevision, orphanedRevisions, ownedRevisions, planUpdateRevision, revisionMatches, revisionsToPrune, templateOf,
} from '../../../src/controllers/history/revision.js';
import { fromLabelSelector } from '../../../src/api/machinery/selectors.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');

function ds(over: Partial<NonNullable<DaemonSet['spec']>> = {}, image = 'busybox'): DaemonSet {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', uid: 'ds-uid', generation: 2 },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      ...over,
    },
  };
}

function node(name: string, labels: Record<string, string> = {}, taints: NonNullable<Node['spec']>['taints'] = []): Node {
  return { metadata: { name, labels }, spec: { taints } };
}

let seq = 0;
function pod(nodeName: string, hash: string, opts: { ready?: boolean; phase?: string; bound?: boolean; deleting?: boolean; created?: string } = {}): Pod {
  const p = newDaemonPod(ds(), nodeName, hash);
  const ready = opts.ready ?? true;
  return {
    ...p,
    metadata: { ...p.metadata, name: `agent-${++seq}`, uid: `u${seq}`, creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z', ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:09:00Z' } : {}) },
    spec: { containers: [], ...p.spec, ...(opts.bound !== false ? { nodeName } : {}) },
    status: { phase: opts.phase ?? (ready ? 'Running' : 'Pending'), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  };
}

test('a daemon pod is pinned to its node by matchFields affinity and carries the daemon tolerations and hash', () => {
  const p = newDaemonPod(ds({ template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c' }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'x', operator: 'Exists' }] }] } } } } } }), 'n1', 'h1');
  assert.deepEqual(p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
  });
  assert.equal(targetNodeOf(p), 'n1');
  assert.equal(p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL], 'h1');
  assert.equal(p.metadata?.generateName, 'agent-');
  assert.equal(p.metadata?.ownerReferences?.[0].uid, 'ds-uid');
  const keys = (p.spec?.tolerations ?? []).map((t) => `${t.key}:${t.effect}`);
  for (const k of ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule',
    'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']) assert.ok(keys.includes(k), k);
  assert.ok(!keys.includes('node.kubernetes.io/network-unavailable:NoSchedule'));
  assert.ok(withDaemonTolerations({ spec: { containers: [], hostNetwork: true } }).some((t) => t.key === 'node.kubernetes.io/network-unavailable'));
});

test('nodes are eligible by nodeSelector, required node affinity and taints the pod does not tolerate', () => {
  const sel = ds({ template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c' }], nodeSelector: { disk: 'ssd' } } } });
  assert.deepEqual(nodeShouldRunDaemonPod(sel, node('a', { disk: 'ssd' })), { shouldRun: true, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(sel, node('b', { disk: 'hdd' })), { shouldRun: false, shouldContinueRunning: false });
  const aff = ds({ template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c' }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }] } } } } } });
  assert.equal(nodeShouldRunDaemonPod(aff, node('a', { zone: 'z1' })).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(aff, node('a', { zone: 'z2' })).shouldRun, false);
  // NoSchedule keeps new pods away but lets running ones stay; NoExecute evicts; daemon tolerations cover node trouble.
  assert.deepEqual(nodeShouldRunDaemonPod(ds(), node('c', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }])), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(ds(), node('d', {}, [{ key: 'dedicated', effect: 'NoExecute' }])), { shouldRun: false, shouldContinueRunning: false });
  assert.equal(nodeShouldRunDaemonPod(ds(), node('e', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }])).shouldRun, true);
  const tolerant = ds({ template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c' }], tolerations: [{ key: 'dedicated', operator: 'Exists' }] } } });
  assert.equal(nodeShouldRunDaemonPod(tolerant, node('f', {}, [{ key: 'dedicated', effect: 'NoExecute' }])).shouldRun, true);
});

test('the manage step creates a pod per eligible node and removes extras, misplaced, failed and orphaned-node pods', () => {
  const nodes = [node('n1'), node('n2'), node('n3', {}, [{ key: 'k', effect: 'NoExecute' }])];
  const keep = pod('n1', 'h', { created: '2026-01-01T00:00:00Z' });
  const extra = pod('n1', 'h', { created: '2026-01-01T00:01:00Z' });
  const evicted = pod('n3', 'h');
  const gone = pod('n9', 'h');
  const plan = planDaemonSet(ds(), nodes, [keep, extra, evicted, gone], 'h', NOW);
  assert.deepEqual(plan.create, ['n2']);
  assert.deepEqual(plan.delete.map((d) => d.pod.metadata?.name).sort(), [extra, evicted, gone].map((p) => p.metadata?.name).sort());
  const failed = pod('n1', 'h', { phase: 'Failed', ready: false });
  const again = planDaemonSet(ds(), [node('n1')], [failed], 'h', NOW);
  assert.deepEqual(again.delete, [{ pod: failed, failed: true }]);
  // A node whose pod is still terminating waits for it to go before getting a new one.
  assert.deepEqual(planDaemonSet(ds(), [node('n1')], [pod('n1', 'h', { deleting: true })], 'h', NOW).create, []);
});

test('status counts per eligible node: desired, current, ready, available, updated and misscheduled', () => {
  const sel = ds({ template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c' }], nodeSelector: { role: 'x' } } } });
  const nodes = [node('n1', { role: 'x' }), node('n2', { role: 'x' }), node('n3', { role: 'x' }), node('n4')];
  const pods = [pod('n1', 'new'), pod('n2', 'old', { ready: false }), pod('n4', 'new')];
  const { status } = planDaemonSet({ ...sel, spec: { ...sel.spec!, updateStrategy: { type: 'OnDelete' } } }, nodes, pods, 'new', NOW);
  assert.deepEqual(
    [status.desiredNumberScheduled, status.currentNumberScheduled, status.numberReady, status.numberAvailable, status.updatedNumberScheduled, status.numberMisscheduled, status.numberUnavailable, status.observedGeneration],
    [3, 2, 1, 1, 1, 1, 2, 2],
  );
});

test('RollingUpdate with maxUnavailable replaces old pods a few nodes at a time, unavailable old pods first', () => {
  const nodes = ['n1', 'n2', 'n3', 'n4'].map((n) => node(n));
  const pods = [pod('n1', 'old'), pod('n2', 'old'), pod('n3', 'old', { ready: false }), pod('n4', 'old')];
  const plan = planDaemonSet(ds(), nodes, pods, 'new', NOW);
  // The unready old pod goes for free, and one more within maxUnavailable 1.
  assert.deepEqual(plan.delete.map((d) => targetNodeOf(d.pod)), ['n3', 'n1']);
  assert.deepEqual(plan.create, []);
  // Once one new pod is up but not yet available, no available old pod may go.
  const mid = [pod('n1', 'new', { ready: false }), pod('n2', 'old'), pod('n3', 'old'), pod('n4', 'old')];
  assert.deepEqual(planDaemonSet(ds(), nodes, mid, 'new', NOW).delete, []);
  // OnDelete leaves old pods alone.
  assert.deepEqual(planDaemonSet(ds({ updateStrategy: { type: 'OnDelete' } }), nodes, pods, 'new', NOW).delete, []);
});

test('RollingUpdate with maxSurge starts the new pod first and deletes the old one once the new one is available', () => {
  const surge = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
  const nodes = [node('n1'), node('n2')];
  const start = planDaemonSet(surge, nodes, [pod('n1', 'old'), pod('n2', 'old')], 'new', NOW);
  assert.equal(start.create.length, 1);
  assert.deepEqual(start.delete, []);
  const waiting = planDaemonSet(surge, nodes, [pod('n1', 'old'), pod('n1', 'new', { ready: false }), pod('n2', 'old')], 'new', NOW);
  assert.deepEqual([waiting.create, waiting.delete], [[], []]);
  const old = pod('n1', 'old');
  const done = planDaemonSet(surge, nodes, [old, pod('n1', 'new'), pod('n2', 'old')], 'new', NOW);
  assert.deepEqual(done.delete.map((d) => d.pod), [old]);
  assert.deepEqual(done.create, ['n2']);
});

const owner = (image: string, collisionCount?: number) => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default', uid: 'ds-uid' },
  template: ds({}, image).spec?.template, collisionCount,
});

test('a revision stores a replace patch of the template, is named by its hash and labelled for the selector', () => {
  const rev = newRevision(owner('a'), 1);
  assert.deepEqual((rev.data as { spec: { template: Record<string, unknown> } }).spec.template['$patch'], 'replace');
  assert.deepEqual(templateOf(rev), owner('a').template);
  const hash = rev.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
  assert.equal(rev.metadata?.name, `agent-${hash}`);
  assert.equal(rev.metadata?.labels?.['app'], 'agent');
  assert.equal(rev.metadata?.ownerReferences?.[0].controller, true);
  assert.equal(newRevision(owner('a'), 1).metadata?.name, rev.metadata?.name, 'stable');
  assert.notEqual(newRevision(owner('b'), 1).metadata?.name, rev.metadata?.name);
  assert.notEqual(newRevision(owner('a', 1), 1).metadata?.name, rev.metadata?.name, 'a collision changes the hash');
  // Go clients send creationTimestamp: null inside the template; it means absent.
  const withNull = { ...owner('a'), template: { ...owner('a').template, metadata: { ...owner('a').template?.metadata, creationTimestamp: null } } };
  assert.ok(revisionMatches(rev, withNull.template as never));
});

test('the update revision is made new, found as the newest, or renumbered on rollback; pruning keeps what is live', () => {
  const r1 = newRevision(owner('a'), 1);
  const r2 = newRevision(owner('b'), 2);
  assert.equal(planUpdateRevision(owner('c'), [r1, r2]).type, 'create');
  assert.equal((planUpdateRevision(owner('c'), [r1, r2]).update as ControllerRevision).revision, 3);
  assert.deepEqual(planUpdateRevision(owner('b'), [r1, r2]), { type: 'none', update: r2 });
  assert.deepEqual(planUpdateRevision(owner('a'), [r2, r1]), { type: 'renumber', update: r1, revision: 3 });
  const revs = [1, 2, 3, 4].map((n) => newRevision(owner(`i${n}`), n));
  const live = new Set([revs[3].metadata?.name ?? '', revs[0].metadata?.name ?? '']);
  assert.deepEqual(revisionsToPrune(revs, live, 1), [revs[1]]);
  assert.deepEqual(revisionsToPrune(revs, live, 0), [revs[1], revs[2]]);
  assert.deepEqual(revisionsToPrune(revs, live, 10), []);
});

test('orphaned revisions the selector matches are the ones to adopt', () => {
  const mine = newRevision(owner('a'), 1);
  const orphan = { ...newRevision(owner('b'), 2), metadata: { ...newRevision(owner('b'), 2).metadata, ownerReferences: [] } };
  const foreign = { ...orphan, metadata: { ...orphan.metadata, name: 'other', labels: { app: 'other' } } };
  assert.deepEqual(orphanedRevisions(fromLabelSelector({ matchLabels: { app: 'agent' } }), [mine, orphan, foreign]), [orphan]);
  assert.deepEqual(orphanedRevisions([], [orphan]), []);
  assert.deepEqual(ownedRevisions('ds-uid', [orphan, mine]), [mine]);
});
