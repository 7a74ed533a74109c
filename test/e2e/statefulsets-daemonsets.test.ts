// StatefulSets and DaemonSets end to end on real Docker with real kubectl: ordered creation with one bound claim per pod, stable identity across pod deletion, reverse-order rolling updates, history and undo, scale-down order, and one daemon pod per eligible node as Nodes come, change and go.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually, kubectlBinary, removeDataDir, startClusterRetrying, type Cluster } from './harness.js';

const TAG = `skiff/busybox:e2e-sets-${process.pid}-${Date.now().toString(36)}`;
/** Ready as soon as it runs, and gone at once on SIGTERM (a shell as PID 1 ignores it otherwise). */
const IDLE = 'trap "exit 0" TERM; sleep 3600 & wait';

let cluster: Cluster;
let nodeName = '';
const watches: ChildProcess[] = [];

function statefulSet(replicas = 3): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' },
    spec: {
      replicas, serviceName: 'web', selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'web', image: 'skiff/busybox:1.36', command: ['sh', '-c', IDLE],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          }],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } } }],
    },
  });
}

function daemonSet(name: string, nodeSelector?: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          ...(nodeSelector ? { nodeSelector } : {}), terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'd', image: 'skiff/busybox:1.36', command: ['sh', '-c', IDLE],
          }],
        },
      },
    },
  });
}

const fakeNode = (name: string, labels: Record<string, string>): string => JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels } });

interface PodView {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: { uid: string }[] };
  spec: {
    nodeName?: string; hostname?: string; subdomain?: string; tolerations?: { key?: string; effect?: string }[];
    volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
    containers: { image: string; env?: { name: string; value?: string }[] }[];
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: { matchFields?: { key: string; operator: string; values: string[] }[] }[] } } };
  };
  status: { phase?: string; conditions?: { type: string; status: string }[] };
}

function pods(selector: string): PodView[] {
  return (JSON.parse(cluster.k(['get', 'pods', '-l', selector, '-o', 'json'])) as { items: PodView[] }).items;
}

const isReady = (p: PodView): boolean => !p.metadata.deletionTimestamp && p.status.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const pinnedNode = (p: PodView): string | undefined => p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.find((f) => f.key === 'metadata.name')?.values[0];

/**
 * Watches pods through kubectl, one line per event: name, revision hash, Ready status and
 * deletion mark, in the order the API server sends them.
 */
function watchPods(selector: string): { lines: () => string[]; stop: () => Promise<void> } {
  const template = '{.metadata.name}{" "}{.metadata.labels.controller-revision-hash}{" "}{.status.conditions[?(@.type=="Ready")].status}{" "}{.metadata.deletionTimestamp}{"\\n"}';
  const child = spawn(kubectlBinary('1.32'), ['--cache-dir', join(cluster.dataDir, 'kube-cache'), 'get', 'pods', '-l', selector, '--watch', '-o', `jsonpath=${template}`], {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: cluster.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  watches.push(child);
  let out = '';
  let err = '';
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  // The test blocks in spawnSync between polls, so output is read only once the event loop turns: wait for all of it.
  const stop = async (): Promise<void> => {
    child.kill();
    await closed;
  };
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { lines: () => [...out.split('\n').filter(Boolean), ...(err ? [`stderr: ${err}`] : [])], stop };
}

/** Order in which names first show up in watch lines that satisfy `pred`. */
function firstSeen(lines: string[], pred: (f: string[]) => boolean): string[] {
  const order: string[] = [];
  for (const l of lines) {
    const f = l.split(' ');
    if (pred(f) && !order.includes(f[0])) order.push(f[0]);
  }
  return order;
}

before(async () => {
  assert.equal(spawnSync('docker', ['tag', 'skiff/busybox:1.36', TAG]).status, 0, 'docker tag');
  cluster = await startClusterRetrying();
  nodeName = `${cluster.name}-control-plane`;
});

after(async () => {
  for (const w of watches) if (w.exitCode === null) w.kill();
  if (cluster) {
    await cluster.stop();
    removeDataDir(cluster);
  }
  spawnSync('docker', ['rmi', TAG]);
});

test('a StatefulSet comes up in order, keeps identity and data, rolls in reverse order, undoes and scales down from the top', async () => {
  const creation = watchPods('app=web');
  cluster.k(['apply', '-f', '-'], { input: statefulSet() });
  await eventually(() => pods('app=web').filter(isReady).length === 3, 60_000, 300);
  assert.match(cluster.k(['rollout', 'status', 'sts/web', '--timeout=60s']), /roll out complete|rolling update complete/);
  await creation.stop();
  const lines = creation.lines();
  assert.deepEqual(firstSeen(lines, () => true), ['web-0', 'web-1', 'web-2'], lines.join('\n'));
  // OrderedReady: a pod appears only once every lower ordinal has been reported Ready.
  for (const [next, prev] of [['web-1', 'web-0'], ['web-2', 'web-1']]) {
    const firstNext = lines.findIndex((l) => l.startsWith(`${next} `));
    const prevReady = lines.findIndex((l) => l.startsWith(`${prev} `) && l.split(' ')[2] === 'True');
    assert.ok(prevReady >= 0 && prevReady < firstNext, `${next} appeared before ${prev} was Ready:\n${lines.join('\n')}`);
  }

  // Identity: stable hostname, subdomain, labels, and one bound claim of its own per pod.
  const claims = JSON.parse(cluster.k(['get', 'pvc', '-o', 'json'])) as { items: { metadata: { name: string; uid: string }; status: { phase: string } }[] };
  for (const [i, p] of pods('app=web').sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).entries()) {
    assert.equal(p.metadata.name, `web-${i}`);
    assert.equal(p.spec.hostname, `web-${i}`);
    assert.equal(p.spec.subdomain, 'web');
    assert.equal(p.metadata.labels?.['statefulset.kubernetes.io/pod-name'], `web-${i}`);
    assert.equal(p.metadata.labels?.['apps.kubernetes.io/pod-index'], String(i));
    assert.equal(p.spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, `data-web-${i}`);
    assert.equal(claims.items.find((c) => c.metadata.name === `data-web-${i}`)?.status.phase, 'Bound');
  }
  const events = cluster.k(['get', 'events', '--field-selector', 'involvedObject.name=web,involvedObject.kind=StatefulSet']);
  assert.match(events, /create Claim data-web-0 Pod web-0 in StatefulSet web success/);
  assert.match(events, /create Pod web-2 in StatefulSet web successful/);

  // Data in web-1's volume survives deleting web-1: it comes back under the same name, on the same claim.
  cluster.k(['exec', 'web-1', '--', 'sh', '-c', 'echo keep-me > /data/f']);
  const oldUid = pods('app=web').find((p) => p.metadata.name === 'web-1')?.metadata.uid;
  const claimUid = claims.items.find((c) => c.metadata.name === 'data-web-1')?.metadata.uid;
  cluster.k(['delete', 'pod', 'web-1', '--wait=false']);
  await eventually(() => pods('app=web').some((p) => p.metadata.name === 'web-1' && p.metadata.uid !== oldUid && isReady(p)), 60_000, 300);
  assert.equal(cluster.k(['exec', 'web-1', '--', 'sh', '-c', 'hostname; cat /data/f']).trim(), 'web-1\nkeep-me');
  assert.equal(cluster.k(['get', 'pvc', 'data-web-1', '-o', 'jsonpath={.metadata.uid}']), claimUid);

  // A template change rolls from the highest ordinal down, one pod at a time.
  const rev1 = pods('app=web')[0].metadata.labels?.['controller-revision-hash'] ?? '';
  const roll = watchPods('app=web');
  cluster.k(['set', 'env', 'sts/web', 'ROLL=2']);
  assert.match(cluster.k(['rollout', 'status', 'sts/web', '--timeout=90s']), /roll out complete|rolling update complete/);
  await roll.stop();
  const rolled = pods('app=web');
  const rev2 = rolled[0].metadata.labels?.['controller-revision-hash'] ?? '';
  assert.notEqual(rev2, rev1);
  assert.ok(rolled.every((p) => p.metadata.labels?.['controller-revision-hash'] === rev2 && p.spec.containers[0].env?.some((e) => e.name === 'ROLL')));
  assert.deepEqual(firstSeen(roll.lines(), (f) => f[1] === rev2), ['web-2', 'web-1', 'web-0'], `rev ${rev2}\n${roll.lines().join('\n')}`);
  const sts = JSON.parse(cluster.k(['get', 'sts', 'web', '-o', 'json'])) as { status: Record<string, unknown> };
  assert.equal(sts.status['currentRevision'], rev2);
  assert.equal(sts.status['updateRevision'], rev2);
  assert.equal(sts.status['updatedReplicas'], 3);

  // Scaling down removes the highest ordinal first; claims stay (Retain).
  const down = watchPods('app=web');
  cluster.k(['scale', 'sts/web', '--replicas=1']);
  await eventually(() => pods('app=web').map((p) => p.metadata.name).join() === 'web-0', 60_000, 300);
  await down.stop();
  assert.deepEqual(firstSeen(down.lines(), (f) => f[3] !== undefined && f[3] !== ''), ['web-2', 'web-1'], down.lines().join('\n'));
  assert.match(cluster.k(['get', 'pvc', '-o', 'name']), /data-web-2/);

  // History lists both revisions; undo (after scaling down, so one pod rolls back) returns to the first template, renumbered as the newest.
  assert.match(cluster.k(['rollout', 'history', 'sts/web']), /^1\s+<none>\s*$[\s\S]*^2\s+<none>\s*$/m);
  assert.match(cluster.k(['rollout', 'history', 'sts/web', '--revision=2']), /ROLL/);
  assert.match(cluster.k(['rollout', 'undo', 'sts/web']), /rolled back/);
  assert.match(cluster.k(['rollout', 'status', 'sts/web', '--timeout=90s']), /roll out complete|rolling update complete/);
  const undone = pods('app=web');
  assert.equal(undone.length, 1);
  assert.ok(undone.every((p) => isReady(p) && p.metadata.labels?.['controller-revision-hash'] === rev1 && !p.spec.containers[0].env?.length));
  assert.match(cluster.k(['rollout', 'history', 'sts/web']), /^2\s+<none>\s*$[\s\S]*^3\s+<none>\s*$/m);
  assert.equal(cluster.k(['get', 'controllerrevision', rev1, '-o', 'jsonpath={.revision}']), '3');

  // Deleted with --cascade=orphan and made again, the set adopts its pod and history instead of replacing them.
  const kept = pods('app=web')[0];
  cluster.k(['delete', 'sts', 'web', '--cascade=orphan']);
  await eventually(() => !pods('app=web')[0].metadata.ownerReferences?.length, 30_000, 300);
  cluster.k(['apply', '-f', '-'], { input: statefulSet(1) });
  const uid = cluster.k(['get', 'sts', 'web', '-o', 'jsonpath={.metadata.uid}']);
  await eventually(() => pods('app=web')[0]?.metadata.ownerReferences?.[0]?.uid === uid, 30_000, 300);
  assert.equal(pods('app=web')[0].metadata.uid, kept.metadata.uid);
  assert.match(cluster.k(['rollout', 'status', 'sts/web', '--timeout=60s']), /roll out complete|rolling update complete/);
  assert.equal(pods('app=web')[0].metadata.uid, kept.metadata.uid);
  assert.match(cluster.k(['get', 'controllerrevisions', '-o', 'jsonpath={.items[*].metadata.ownerReferences[0].uid}']), new RegExp(uid));
});

test('a DaemonSet runs one pod per eligible node, follows node labels and deletions, and rolls on template change', async () => {
  cluster.k(['apply', '-f', '-'], { input: `${fakeNode('fake-ssd', { disk: 'ssd' })}\n${fakeNode('fake-plain', { disk: 'hdd' })}` });
  cluster.k(['apply', '-f', '-'], { input: `${daemonSet('everywhere')}\n${daemonSet('ssd-only', { disk: 'ssd' })}` });

  // One pod per node, each pinned by affinity; the pods for nodes without an agent stay Pending.
  await eventually(() => pods('app=everywhere').length === 3 && pods('app=everywhere').some(isReady), 60_000, 300);
  const every = pods('app=everywhere');
  assert.deepEqual(every.map(pinnedNode).sort(), ['fake-plain', 'fake-ssd', nodeName].sort());
  const onReal = every.find((p) => pinnedNode(p) === nodeName);
  assert.equal(onReal?.spec.nodeName, nodeName);
  for (const p of every.filter((x) => pinnedNode(x) !== nodeName)) {
    assert.equal(p.spec.nodeName, undefined);
    assert.equal(p.status.phase, 'Pending');
  }
  assert.ok(onReal?.spec.tolerations?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'));
  assert.ok(onReal?.spec.tolerations?.some((t) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule'));
  await eventually(() => {
    const s = JSON.parse(cluster.k(['get', 'ds', 'everywhere', '-o', 'jsonpath={.status}'])) as Record<string, number>;
    return s['desiredNumberScheduled'] === 3 && s['currentNumberScheduled'] === 3 && s['numberReady'] === 1 && s['updatedNumberScheduled'] === 3 && s['numberMisscheduled'] === 0;
  }, 30_000, 300);

  // nodeSelector: only the ssd node, until the real node is labelled too.
  await eventually(() => pods('app=ssd-only').length === 1, 30_000, 300);
  assert.equal(pinnedNode(pods('app=ssd-only')[0]), 'fake-ssd');
  cluster.k(['label', 'node', nodeName, 'disk=ssd']);
  await eventually(() => pods('app=ssd-only').some((p) => p.spec.nodeName === nodeName && isReady(p)), 60_000, 300);
  assert.equal(pods('app=ssd-only').length, 2);

  // A node that goes away takes its daemon pods with it.
  cluster.k(['delete', 'node', 'fake-plain']);
  await eventually(() => pods('app=everywhere').filter((p) => !p.metadata.deletionTimestamp).length === 2, 30_000, 300);
  assert.ok(!pods('app=everywhere').some((p) => pinnedNode(p) === 'fake-plain' && !p.metadata.deletionTimestamp));
  assert.match(cluster.k(['get', 'events', '--field-selector', 'involvedObject.name=everywhere']), /SuccessfulDelete/);

  // Rolling update on the real node, watched by `kubectl rollout status ds/x`.
  cluster.k(['label', 'node', nodeName, 'role=logging']);
  cluster.k(['apply', '-f', '-'], { input: daemonSet('logger', { role: 'logging' }) });
  assert.match(cluster.k(['rollout', 'status', 'ds/logger', '--timeout=60s']), /successfully rolled out/);
  const first = pods('app=logger');
  assert.equal(first.length, 1);
  cluster.k(['set', 'image', 'ds/logger', `d=${TAG}`]);
  assert.match(cluster.k(['rollout', 'status', 'ds/logger', '--timeout=60s']), /successfully rolled out/);
  await eventually(() => pods('app=logger').length === 1, 30_000, 300);
  const rolled = pods('app=logger')[0];
  assert.notEqual(rolled.metadata.uid, first[0].metadata.uid);
  assert.equal(rolled.spec.containers[0].image, TAG);
  assert.notEqual(rolled.metadata.labels?.['controller-revision-hash'], first[0].metadata.labels?.['controller-revision-hash']);
  assert.ok(isReady(rolled));
  assert.match(cluster.k(['rollout', 'history', 'ds/logger']), /^1\s+<none>\s*$[\s\S]*^2\s+<none>\s*$/m);
  const ds = JSON.parse(cluster.k(['get', 'ds', 'logger', '-o', 'json'])) as { metadata: { generation: number }; status: Record<string, number> };
  assert.equal(ds.status['observedGeneration'], ds.metadata.generation);
  assert.equal(ds.status['numberAvailable'], 1);
});
