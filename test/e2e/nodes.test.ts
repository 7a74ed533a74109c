// Several nodes on one engine: spreading, anti-affinity, cordon, drain with a PodDisruptionBudget, a joined
// `skiff agent` node running pods, and that node's loss (Unknown, taints, pods recreated elsewhere).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, removeDataDir, ROOT, startClusterRetrying, type Cluster } from './harness.js';

interface PodView {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string; tolerations?: { key?: string; effect?: string; tolerationSeconds?: number }[] };
  status: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

interface NodeView {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { unschedulable?: boolean; taints?: { key: string; effect: string }[] };
  status: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

function deployment(name: string, replicas: number, extra: { affinity?: object; tolerations?: object[]; topologySpreadConstraints?: object[] } = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 2, ...(extra.affinity ? { affinity: extra.affinity } : {}), ...(extra.tolerations ? { tolerations: extra.tolerations } : {}),
          ...(extra.topologySpreadConstraints ? { topologySpreadConstraints: extra.topologySpreadConstraints } : {}),
          // A shell that exits on TERM, so evictions finish quickly.
          containers: [{ name: 'c', image: 'skiff/busybox:1.36', command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"] }],
        },
      },
    },
  });
}

describe('nodes and scheduling', { timeout: 540_000 }, () => {
  let cluster: Cluster;
  let agent: ChildProcess | undefined;
  let agentDir: string | undefined;
  let cp = '';
  let w1 = '';
  let w2 = '';

  const pods = (selector: string): PodView[] => (JSON.parse(cluster.k(['get', 'pods', '-l', selector, '-o', 'json'])) as { items: PodView[] }).items;
  const live = (selector: string): PodView[] => pods(selector).filter((p) => !p.metadata.deletionTimestamp);
  const running = (selector: string): PodView[] => live(selector).filter((p) => p.status.phase === 'Running' && p.spec.nodeName);
  const node = (name: string): NodeView => JSON.parse(cluster.k(['get', 'node', name, '-o', 'json'])) as NodeView;
  const perNode = (list: PodView[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const p of list) m.set(p.spec.nodeName ?? '', (m.get(p.spec.nodeName ?? '') ?? 0) + 1);
    return m;
  };

  before(async () => {
    cluster = await startClusterRetrying({ extraArgs: ['--nodes', '3', '--node-monitor-grace-period', '10s', '--default-toleration-seconds', '200'] });
    cp = `${cluster.name}-control-plane`;
    w1 = `${cluster.name}-worker`;
    w2 = `${cluster.name}-worker2`;
  });

  after(async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null && agent.pid) process.kill(agent.pid, 'SIGKILL');
    await cluster?.stop();
    if (cluster) removeDataDir(cluster);
    if (agentDir) rmSync(agentDir, { recursive: true, force: true });
  });

  it('runs three Ready nodes named as kind names them, the control plane labelled and schedulable', async () => {
    const names = await eventually(() => {
      const out = cluster.k(['get', 'nodes', '--no-headers']);
      const ready = out.split('\n').filter((l) => /\sReady\s/.test(l)).map((l) => l.split(/\s+/)[0]);
      return ready.length === 3 ? ready.sort() : undefined;
    }, 60_000, 500);
    assert.deepEqual(names, [cp, w1, w2].sort());
    const control = node(cp);
    assert.equal(control.metadata.labels?.['node-role.kubernetes.io/control-plane'], '');
    assert.equal(control.spec.taints, undefined);
    assert.equal(node(w1).metadata.labels?.['node-role.kubernetes.io/control-plane'], undefined);
    assert.match(cluster.output(), /join a node: skiff agent --server https:\/\/\S+ --token \S+ --ca-file \S+ --name \S+/);
    // Controllers and scheduler act under their leader Leases.
    for (const lease of ['skiff-controller-manager', 'skiff-scheduler']) {
      const spec = JSON.parse(cluster.k(['get', 'lease', '-n', 'kube-system', lease, '-o', 'jsonpath={.spec}'])) as { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
      assert.ok(spec.holderIdentity);
      assert.equal(spec.leaseDurationSeconds, 15);
      assert.ok(spec.renewTime);
    }
  });

  it('spreads a Deployment of 6 across the nodes, each pod\'s containers labelled with its node', async () => {
    cluster.k(['apply', '-f', '-'], { input: deployment('web', 6) });
    const list = await eventually(() => {
      const r = running('app=web');
      return r.length === 6 ? r : undefined;
    }, 60_000, 500);
    const counts = perNode(list);
    assert.deepEqual([...counts.keys()].sort(), [cp, w1, w2].sort());
    for (const n of counts.values()) assert.ok(n <= 3, `uneven spread: ${JSON.stringify([...counts])}`);
    // Every node's containers carry its own name, so one node's clean-up never touches another's.
    const p = list[0];
    const labels = spawnSync('docker', ['ps', '--filter', `label=io.skiff.cluster=${cluster.name}`, '--filter', `label=io.kubernetes.pod.name=${p.metadata.name}`, '--format', '{{.Label "io.skiff.node"}}'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    assert.ok(labels.length >= 2);
    assert.ok(labels.every((l) => l === p.spec.nodeName));
    // DefaultTolerationSeconds, with the configured value.
    assert.ok(p.spec.tolerations?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute' && t.tolerationSeconds === 200));
  });

  it('required anti-affinity by hostname: 4 replicas on 3 nodes leave one Pending with the scheduler\'s message', async () => {
    const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'solo' } } }] } };
    cluster.k(['apply', '-f', '-'], { input: deployment('solo', 4, { affinity }) });
    const pending = await eventually(() => {
      if (running('app=solo').length !== 3) return undefined;
      return live('app=solo').find((p) => p.status.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'));
    }, 60_000, 500);
    const cond = pending.status.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.reason, 'Unschedulable');
    assert.equal(cond?.message, "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
    assert.equal(new Set(running('app=solo').map((p) => p.spec.nodeName)).size, 3);
    const events = cluster.k(['get', 'events', '--field-selector', `involvedObject.name=${pending.metadata.name},reason=FailedScheduling`, '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /0\/3 nodes are available/);
    cluster.k(['delete', 'deployment', 'solo', '--wait=false']);
  });

  it('topologySpreadConstraints DoNotSchedule holds maxSkew 1 against a strong preference for one node', async () => {
    // Without the constraint every replica would follow the preference to the control-plane node.
    const affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchFields: [{ key: 'metadata.name', operator: 'In', values: [cp] }] } }] } };
    const topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'even' } } }];
    const applied = cluster.kubectl(['apply', '-f', '-'], { input: deployment('even', 6, { affinity, topologySpreadConstraints }) });
    assert.equal(applied.code, 0, applied.stderr);
    assert.doesNotMatch(applied.stderr, /Warning/, 'topologySpreadConstraints is acted on, so no unsupported-field warning');
    const list = await eventually(() => {
      const r = running('app=even');
      return r.length === 6 ? r : undefined;
    }, 90_000, 500);
    assert.deepEqual([...perNode(list).entries()].sort(), [[cp, 2], [w1, 2], [w2, 2]].sort());
    cluster.k(['delete', 'deployment', 'even', '--wait=false']);
  });

  it('cordon keeps new pods off a node; uncordon lets them back', async () => {
    assert.match(cluster.k(['cordon', w2]), /cordoned/);
    await eventually(() => node(w2).spec.taints?.some((t) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule'), 30_000, 500);
    const before = perNode(running('app=web')).get(w2) ?? 0;
    cluster.k(['scale', 'deployment', 'web', '--replicas=9']);
    const list = await eventually(() => {
      const r = running('app=web');
      return r.length === 9 ? r : undefined;
    }, 60_000, 500);
    assert.equal(perNode(list).get(w2) ?? 0, before);
    assert.match(cluster.k(['uncordon', w2]), /uncordoned/);
    await eventually(() => !node(w2).spec.taints?.length && !node(w2).spec.unschedulable, 30_000, 500);
  });

  it('drain evicts through the Eviction API, refused while a PodDisruptionBudget allows no disruption', async () => {
    cluster.k(['create', 'pdb', 'web', '--selector=app=web', '--min-available=9']);
    await eventually(() => cluster.k(['get', 'pdb', 'web', '-o', 'jsonpath={.status.expectedPods}/{.status.currentHealthy}/{.status.disruptionsAllowed}']) === '9/9/0', 30_000, 500);
    const onW1 = running('app=web').filter((p) => p.spec.nodeName === w1).length;
    assert.ok(onW1 > 0);
    const refused = cluster.kubectl(['drain', w1, '--ignore-daemonsets', '--timeout=6s']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr + refused.stdout, /Cannot evict pod as it would violate the pod's disruption budget/);
    assert.equal(running('app=web').filter((p) => p.spec.nodeName === w1).length, onW1);
    cluster.k(['patch', 'pdb', 'web', '--type=merge', '-p', '{"spec":{"minAvailable":4}}']);
    await eventually(() => cluster.k(['get', 'pdb', 'web', '-o', 'jsonpath={.status.disruptionsAllowed}']) === '5', 30_000, 500);
    const drained = cluster.kubectl(['drain', w1, '--ignore-daemonsets', '--timeout=70s'], { timeoutMs: 80_000 });
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, /evicted/);
    assert.equal(live('app=web').filter((p) => p.spec.nodeName === w1).length, 0);
    await eventually(() => running('app=web').length === 9, 60_000, 500);
    cluster.k(['delete', 'pdb', 'web']);
    cluster.k(['delete', 'deployment', 'web', '--wait=false']);
    cluster.k(['uncordon', w1]);
  });

  it('a `skiff agent` joins with the node token and runs pods; when it dies the node goes Unknown and its pods move', async () => {
    const caFile = join(cluster.dataDir, 'pki', 'ca.crt');
    const token = readFileSync(join(cluster.dataDir, 'node-token'), 'utf8').trim();
    const joined = `${cluster.name}-joined`;
    agentDir = mkdtempSync(join(tmpdir(), 'skiff-agent-'));
    const bad = spawnSync(process.execPath, [join(ROOT, 'bin/skiff.js'), 'agent', '--server', cluster.url, '--token', 'wrong', '--ca-file', caFile, '--name', joined, '--data-dir', agentDir], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /rejected the token \(401 Unauthorized\)/);

    agent = spawn(process.execPath, [join(ROOT, 'bin/skiff.js'), 'agent', '--server', cluster.url, '--token', token, '--ca-file', caFile, '--name', joined, '--data-dir', agentDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    agent.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    agent.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(() => /joined cluster/.test(out), 60_000, 200).catch((err: unknown) => { throw new Error(`${String(err)}\n${out}`); });
    await eventually(() => node(joined).status.conditions?.find((c) => c.type === 'Ready')?.status === 'True', 30_000, 500);

    // Preferred to the joined node; a short toleration so its loss moves the pod quickly.
    const affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchFields: [{ key: 'metadata.name', operator: 'In', values: [joined] }] } }] } };
    const tolerations = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }];
    cluster.k(['apply', '-f', '-'], { input: deployment('roam', 1, { affinity, tolerations }) });
    const first = await eventually(() => running('app=roam')[0], 60_000, 500);
    assert.equal(first.spec.nodeName, joined);
    assert.equal(cluster.k(['exec', first.metadata.name, '--', 'echo', 'from-joined']).trim(), 'from-joined');

    const pid = agent.pid;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    const lost = await eventually(() => {
      const n = node(joined);
      const ready = n.status.conditions?.find((c) => c.type === 'Ready');
      const taints = (n.spec.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
      return ready?.status === 'Unknown' && taints.length === 2 ? { ready, taints, n } : undefined;
    }, 60_000, 500);
    assert.equal(lost.ready.reason, 'NodeStatusUnknown');
    assert.equal(lost.ready.message, 'Kubelet stopped posting node status.');
    assert.ok(lost.n.status.conditions?.every((c) => c.status === 'Unknown'));
    assert.deepEqual(lost.taints, ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);

    // Marked not Ready, deleted after its 2 s toleration, and replaced on a node that is still there.
    const replacement = await eventually(() => running('app=roam').find((p) => p.metadata.name !== first.metadata.name), 60_000, 500);
    assert.notEqual(replacement.spec.nodeName, joined);
    const old = pods('app=roam').find((p) => p.metadata.name === first.metadata.name);
    if (old) {
      assert.ok(old.metadata.deletionTimestamp);
      assert.equal(old.status.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    }
    const evictions = cluster.k(['get', 'events', '--field-selector', `involvedObject.name=${first.metadata.name},reason=TaintManagerEviction`, '-o', 'jsonpath={.items[*].message}']);
    assert.match(evictions, /Marking for deletion Pod default\//);

    // The node comes back: Ready again, its taints removed, and the evicted pod's containers cleaned up.
    agent = spawn(process.execPath, [join(ROOT, 'bin/skiff.js'), 'agent', '--server', cluster.url, '--token', token, '--ca-file', caFile, '--name', joined, '--data-dir', agentDir], { stdio: 'ignore' });
    await eventually(() => {
      const n = node(joined);
      return n.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && !n.spec.taints?.length;
    }, 60_000, 500);
    await eventually(() => !pods('app=roam').some((p) => p.metadata.name === first.metadata.name), 60_000, 500);
  });
});
