import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { fitErrorMessage, schedule } from '../../../src/scheduler/schedule.js';
import type { NodeInfo } from '../../../src/scheduler/plugins.js';

function node(name: string, extra: { labels?: Record<string, string>; ready?: string; unschedulable?: boolean; taints?: Node['spec'] extends infer S ? S extends { taints?: infer T } ? T : never : never; cpu?: string } = {}): Node {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...extra.labels } },
    spec: { unschedulable: extra.unschedulable, taints: extra.taints },
    status: { allocatable: { cpu: extra.cpu ?? '2', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: extra.ready ?? 'True' }] },
  };
}

let seq = 0;
function pod(spec: Pod['spec'] = { containers: [{ name: 'c', image: 'x' }] }, labels: Record<string, string> = {}, owner?: string): Pod {
  seq++;
  return {
    metadata: { name: `p${seq}`, namespace: 'default', uid: `u${seq}`, labels, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: owner, controller: true }] } : {}) },
    spec,
  };
}

const info = (n: Node, pods: Pod[] = []): NodeInfo => ({ node: n, pods });

describe('scheduler filters', () => {
  it('skips nodes that are not ready, cordoned or tainted, with Kubernetes reasons', () => {
    const r = schedule(pod(), [
      info(node('a', { ready: 'Unknown' })), info(node('b', { unschedulable: true })),
      info(node('c', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })),
    ]);
    assert.equal(r.node, undefined);
    assert.equal(r.message,
      '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) were unschedulable. '
      + 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
  });

  it('a toleration lets the pod onto a tainted node; the unschedulable toleration onto a cordoned one', () => {
    const tainted = node('c', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    assert.equal(schedule(pod({ containers: [], tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }), [info(tainted)]).node, 'c');
    const cordoned = node('b', { unschedulable: true });
    assert.equal(schedule(pod({ containers: [], tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), [info(cordoned)]).node, 'b');
  });

  it('fits requests against allocatable minus what is requested', () => {
    const big = (cpu: string): Pod => pod({ containers: [{ name: 'c', image: 'x', resources: { requests: { cpu } } }] });
    const a = node('a', { cpu: '1' });
    assert.equal(schedule(big('600m'), [info(a, [big('500m')])]).message?.startsWith('0/1 nodes are available: 1 Insufficient cpu.'), true);
    assert.equal(schedule(big('500m'), [info(a, [big('500m')])]).node, 'a');
    assert.match(schedule(big('600m'), [info(a, [big('500m')])]).message ?? '', /preemption: 0\/1 nodes are available: 1 No preemption victims found for incoming pod\.$/);
  });

  it('nodeSelector, required node affinity with matchExpressions and matchFields', () => {
    const nodes = [info(node('a', { labels: { disk: 'ssd' } })), info(node('b', { labels: { disk: 'hdd', gen: '5' } }))];
    assert.equal(schedule(pod({ containers: [], nodeSelector: { disk: 'hdd' } }), nodes).node, 'b');
    const aff = (terms: object[]): Pod => pod({ containers: [], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } as Pod['spec']);
    assert.equal(schedule(aff([{ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }]), nodes).node, 'b');
    assert.equal(schedule(aff([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }]), nodes).node, 'a');
    assert.equal(schedule(aff([{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['nvme'] }] }]), nodes).message?.startsWith("0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."), true);
  });

  it('hostPort conflicts', () => {
    const hp = (): Pod => pod({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }] });
    const r = schedule(hp(), [info(node('a'), [hp()]), info(node('b'))]);
    assert.equal(r.node, 'b');
  });

  it('required pod anti-affinity by hostname: one pod per node, the fourth waits', () => {
    const spec = (): Pod['spec'] => ({
      containers: [], affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } }] } },
    });
    const nodes = [info(node('a')), info(node('b')), info(node('c'))];
    for (let i = 0; i < 3; i++) {
      const p = pod(spec(), { app: 'web' });
      const r = schedule(p, nodes);
      assert.ok(r.node);
      nodes.find((n) => n.node.metadata?.name === r.node)?.pods.push(p);
    }
    assert.deepEqual(nodes.map((n) => n.pods.length), [1, 1, 1]);
    const r = schedule(pod(spec(), { app: 'web' }), nodes);
    assert.equal(r.message, "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
    // The rule also holds the other way: an existing pod's anti-affinity keeps a matching newcomer away.
    const plain = schedule(pod({ containers: [] }, { app: 'web' }), [info(node('a'), [nodes[0].pods[0]])]);
    assert.match(plain.message ?? '', /1 node\(s\) didn't satisfy existing pods anti-affinity rules/);
  });
});

describe('scheduler scores', () => {
  it('spreads pods of one owner across nodes', () => {
    const nodes = [info(node('a')), info(node('b')), info(node('c'))];
    for (let i = 0; i < 6; i++) {
      const p = pod(undefined, {}, 'rs1');
      const r = schedule(p, nodes);
      nodes.find((n) => n.node.metadata?.name === r.node)?.pods.push(p);
    }
    assert.deepEqual(nodes.map((n) => n.pods.length), [2, 2, 2]);
  });

  it('prefers nodes matching preferred node affinity', () => {
    const p = pod({ containers: [], affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] } }] } } });
    assert.equal(schedule(p, [info(node('a', { labels: { zone: 'z1' } })), info(node('b', { labels: { zone: 'z2' } }))]).node, 'b');
  });

  it('prefers the less allocated node', () => {
    const req = (): Pod => pod({ containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '1' } } }] });
    assert.equal(schedule(req(), [info(node('a'), [req()]), info(node('b'))]).node, 'b');
  });

  it('formats the message for no nodes at all', () => {
    assert.equal(fitErrorMessage(0, []), '0/0 nodes are available. preemption: 0/0 nodes are available: no nodes available to schedule pods.');
  });
});

describe('pod topology spread', () => {
  const spread = (when: 'DoNotSchedule' | 'ScheduleAnyway', extra: Record<string, unknown> = {}): Pod['spec'] => ({
    containers: [{ name: 'c', image: 'x' }],
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: when, labelSelector: { matchLabels: { app: 'web' } }, ...extra }],
  });
  const web = (): Pod => pod({ containers: [{ name: 'c', image: 'x' }] }, { app: 'web' });

  it('DoNotSchedule keeps every domain within maxSkew of the emptiest, with the Kubernetes reason', () => {
    const a = info(node('a'), [web(), web()]);
    const b = info(node('b'), [web()]);
    const c = info(node('c'), [web()]);
    // a would hold 3 against a minimum of 1: skew 2 > 1. b and c are fine.
    assert.notEqual(schedule(pod(spread('DoNotSchedule'), { app: 'web' }), [a, b, c]).node, 'a');
    const full = schedule(pod(spread('DoNotSchedule'), { app: 'web' }), [a]);
    assert.equal(full.node, 'a', 'a single domain is its own minimum');
    const onlyA = schedule(pod(spread('DoNotSchedule'), { app: 'web' }), [a, info(node('b'), [web(), web()]), info(node('c'), [web()])]);
    assert.equal(onlyA.node, 'c');
    const none = schedule(pod({ ...spread('DoNotSchedule'), nodeName: 'a' }, { app: 'web' }), [a, b, c]);
    assert.match(none.message ?? '', /1 node\(s\) didn't match pod topology spread constraints, 2 node\(s\) didn't match the requested node name/);
  });

  it('nodes without the topology key are not domains and cannot take the pod', () => {
    const keyless = node('x');
    delete keyless.metadata!.labels!['kubernetes.io/hostname'];
    const r = schedule(pod(spread('DoNotSchedule'), { app: 'web' }), [info(keyless)]);
    assert.match(r.message ?? '', /didn't match pod topology spread constraints \(missing required label\)/);
  });

  it('minDomains above the number of domains makes the minimum 0', () => {
    const a = info(node('a'), [web()]);
    const r = schedule(pod(spread('DoNotSchedule', { minDomains: 3 }), { app: 'web' }), [a, info(node('b'), [web()])]);
    assert.equal(r.node, undefined, 'each domain would hold 2 against a minimum of 0');
  });

  it('the pod node selector limits the domains (nodeAffinityPolicy Honor), Ignore counts every node', () => {
    const a = info(node('a', { labels: { disk: 'ssd' } }), [web()]);
    const b = info(node('b'));
    const honor = schedule(pod({ ...spread('DoNotSchedule'), nodeSelector: { disk: 'ssd' } }, { app: 'web' }), [a, b]);
    assert.equal(honor.node, 'a', 'b is not a domain for this pod, so a is the minimum');
    const ignore = schedule(pod({ ...spread('DoNotSchedule', { nodeAffinityPolicy: 'Ignore' }), nodeSelector: { disk: 'ssd' } }, { app: 'web' }), [a, b]);
    assert.equal(ignore.node, undefined, 'counting b (0), a would reach skew 2');
  });

  it('ScheduleAnyway prefers the domain with fewer matching pods but never blocks', () => {
    const a = info(node('a'), [web(), web()]);
    const b = info(node('b'), [web()]);
    assert.equal(schedule(pod(spread('ScheduleAnyway'), { app: 'web' }), [a, b]).node, 'b');
    assert.equal(schedule(pod(spread('ScheduleAnyway'), { app: 'web' }), [a]).node, 'a');
  });

  it('pods of other namespaces, other labels or being deleted do not count', () => {
    const other = pod({ containers: [] }, { app: 'web' });
    other.metadata!.namespace = 'elsewhere';
    const leaving = web();
    leaving.metadata!.deletionTimestamp = '2026-01-01T00:00:00Z';
    const a = info(node('a'), [other, leaving, pod({ containers: [] }, { app: 'db' })]);
    const b = info(node('b'));
    assert.equal(schedule(pod(spread('DoNotSchedule'), { app: 'web' }), [a, b]).node, 'a');
  });
});
