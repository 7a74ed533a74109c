// Deployments end to end on real Docker with real kubectl: rollout status, scale, set image, history, undo, restart, Recreate, and deletion through the garbage collector.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { eventually, removeDataDir, startCluster, type Cluster } from './harness.js';

const TAG = `skiff/busybox:e2e-${process.pid}-${Date.now().toString(36)}`;

/** httpd behind a readiness probe, so a pod counts as available only once it serves. */
function deployment(name: string, replicas: number, strategy: 'RollingUpdate' | 'Recreate' = 'RollingUpdate'): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      strategy: strategy === 'Recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'web', image: 'skiff/busybox:1.36', imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
            readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
          }],
        },
      },
    },
  });
}

let cluster: Cluster;

function docker(args: string[]): string {
  return spawnSync('docker', args, { encoding: 'utf8' }).stdout ?? '';
}

function removeClusterResources(name: string): void {
  const label = `label=io.skiff.cluster=${name}`;
  for (const id of docker(['ps', '-aq', '--filter', label]).split('\n').filter(Boolean)) docker(['rm', '-f', id]);
  for (const id of docker(['network', 'ls', '-q', '--filter', label]).split('\n').filter(Boolean)) docker(['network', 'rm', id]);
  for (const id of docker(['volume', 'ls', '-q', '--filter', label]).split('\n').filter(Boolean)) docker(['volume', 'rm', id]);
}

before(async () => {
  assert.equal(spawnSync('docker', ['tag', 'skiff/busybox:1.36', TAG]).status, 0, 'docker tag');
  cluster = await startCluster();
});

after(async () => {
  if (cluster) {
    await cluster.stop();
    removeClusterResources(cluster.name);
    removeDataDir(cluster);
  }
  docker(['rmi', TAG]);
});

interface RsRow { name: string; replicas: number; revision: string; image: string }

function replicaSets(app: string): RsRow[] {
  const out = JSON.parse(cluster.k(['get', 'rs', '-l', `app=${app}`, '-o', 'json'])) as {
    items: { metadata: { name: string; annotations?: Record<string, string> }; spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } }[];
  };
  return out.items.map((rs) => ({
    name: rs.metadata.name, replicas: rs.spec.replicas, revision: rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '',
    image: rs.spec.template.spec.containers[0].image,
  }));
}

/** Pods of the app that are Running, ready and not terminating. */
function readyPods(app: string): { name: string; image: string }[] {
  const out = JSON.parse(cluster.k(['get', 'pods', '-l', `app=${app}`, '-o', 'json'])) as {
    items: { metadata: { name: string; deletionTimestamp?: string }; spec: { containers: { image: string }[] }; status: { phase?: string; conditions?: { type: string; status: string }[] } }[];
  };
  return out.items
    .filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => ({ name: p.metadata.name, image: p.spec.containers[0].image }));
}

function rolloutStatus(name: string): string {
  return cluster.k(['rollout', 'status', `deploy/${name}`, '--timeout=120s']);
}

test('a rolling Deployment: apply, scale, set image, history, undo, restart, delete', { timeout: 300_000 }, async () => {
  cluster.k(['apply', '-f', '-'], { input: deployment('web', 3) });
  assert.match(rolloutStatus('web'), /deployment "web" successfully rolled out/);
  const first = replicaSets('web');
  assert.equal(first.length, 1);
  assert.match(first[0].name, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(first[0].revision, '1');
  const pods = await eventually(() => { const p = readyPods('web'); return p.length === 3 ? p : undefined; }, 60_000, 500);
  for (const p of pods) assert.ok(p.name.startsWith(`${first[0].name}-`), p.name);
  const d = JSON.parse(cluster.k(['get', 'deploy', 'web', '-o', 'json'])) as { metadata: { annotations: Record<string, string> }; status: Record<string, unknown> & { conditions: { type: string; status: string; reason: string }[] } };
  assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '1');
  assert.equal(d.status['availableReplicas'], 3);
  assert.equal(d.status['updatedReplicas'], 3);
  assert.deepEqual(d.status.conditions.map((c) => [c.type, c.status, c.reason]).sort(), [
    ['Available', 'True', 'MinimumReplicasAvailable'], ['Progressing', 'True', 'NewReplicaSetAvailable'],
  ]);

  cluster.k(['scale', 'deploy/web', '--replicas=5']);
  rolloutStatus('web');
  await eventually(() => readyPods('web').length === 5, 60_000, 500);
  cluster.k(['scale', 'deploy/web', '--replicas=2']);
  rolloutStatus('web');
  await eventually(() => readyPods('web').length === 2 && cluster.k(['get', 'pods', '-l', 'app=web', '-o', 'name']).trim().split('\n').length === 2, 60_000, 500);

  cluster.k(['set', 'image', 'deploy/web', `web=${TAG}`]);
  assert.match(rolloutStatus('web'), /successfully rolled out/);
  await eventually(() => { const p = readyPods('web'); return p.length === 2 && p.every((x) => x.image === TAG); }, 60_000, 500);
  const history = cluster.k(['rollout', 'history', 'deploy/web']);
  assert.match(history, /^1\s/m);
  assert.match(history, /^2\s/m);
  const afterSet = replicaSets('web');
  assert.equal(afterSet.length, 2);
  assert.deepEqual(afterSet.find((r) => r.image === TAG)?.revision, '2');
  assert.equal(afterSet.find((r) => r.image === 'skiff/busybox:1.36')?.replicas, 0);

  // Undo goes back to the first template; its ReplicaSet is reused and becomes revision 3.
  cluster.k(['rollout', 'undo', 'deploy/web']);
  rolloutStatus('web');
  const afterUndo = replicaSets('web');
  assert.equal(afterUndo.length, 2, JSON.stringify(afterUndo));
  const back = afterUndo.find((r) => r.name === first[0].name);
  assert.equal(back?.revision, '3');
  assert.equal(back?.replicas, 2);
  await eventually(() => { const p = readyPods('web'); return p.length === 2 && p.every((x) => x.image === 'skiff/busybox:1.36'); }, 60_000, 500);

  // Restart changes the template (an annotation), so a new ReplicaSet with revision 4 replaces the pods.
  const before = new Set(readyPods('web').map((p) => p.name));
  cluster.k(['rollout', 'restart', 'deploy/web']);
  rolloutStatus('web');
  await eventually(() => { const p = readyPods('web'); return p.length === 2 && p.every((x) => !before.has(x.name)); }, 60_000, 500);
  assert.ok(replicaSets('web').some((r) => r.revision === '4' && r.replicas === 2));

  // Paused: a template change makes no new ReplicaSet until resumed.
  cluster.k(['rollout', 'pause', 'deploy/web']);
  cluster.k(['set', 'image', 'deploy/web', `web=${TAG}`]);
  await eventually(() => {
    const cond = JSON.parse(cluster.k(['get', 'deploy', 'web', '-o', 'jsonpath={.status.conditions}'])) as { type: string; reason: string }[];
    return cond.some((c) => c.type === 'Progressing' && c.reason === 'DeploymentPaused');
  }, 30_000, 500);
  assert.equal(replicaSets('web').length, 3);
  cluster.k(['rollout', 'resume', 'deploy/web']);
  rolloutStatus('web');
  assert.equal(replicaSets('web').find((r) => r.replicas === 2)?.image, TAG);

  cluster.k(['delete', 'deploy', 'web']);
  await eventually(() => cluster.k(['get', 'rs,pods', '-l', 'app=web', '-o', 'name']).trim() === '', 60_000, 500);
  const events = cluster.k(['get', 'events', '--field-selector', 'reason=ScalingReplicaSet', '-o', 'jsonpath={.items[*].message}']);
  assert.match(events, /Scaled up replica set web-\w+ from 0 to 3/);
  assert.match(cluster.k(['get', 'events', '--field-selector', 'reason=SuccessfulCreate', '-o', 'name']), /event/);
});

test('a Recreate Deployment stops every old pod before starting new ones', { timeout: 180_000 }, async () => {
  cluster.k(['apply', '-f', '-'], { input: deployment('rec', 2, 'Recreate') });
  rolloutStatus('rec');
  const oldPods = new Set(readyPods('rec').map((p) => p.name));
  assert.equal(oldPods.size, 2);
  cluster.k(['set', 'image', 'deploy/rec', `web=${TAG}`]);
  // While any old pod exists, the new ReplicaSet has no pods.
  await eventually(() => {
    const out = JSON.parse(cluster.k(['get', 'pods', '-l', 'app=rec', '-o', 'json'])) as { items: { metadata: { name: string }; spec: { containers: { image: string }[] } }[] };
    const hasOld = out.items.some((p) => oldPods.has(p.metadata.name));
    const hasNew = out.items.some((p) => p.spec.containers[0].image === TAG);
    assert.ok(!(hasOld && hasNew), 'old and new pods at the same time');
    return !hasOld && hasNew;
  }, 90_000, 100);
  rolloutStatus('rec');
  assert.equal(readyPods('rec').filter((p) => p.image === TAG).length, 2);
  cluster.k(['delete', 'deploy', 'rec']);
  await eventually(() => cluster.k(['get', 'rs,pods', '-l', 'app=rec', '-o', 'name']).trim() === '', 60_000, 500);
});
