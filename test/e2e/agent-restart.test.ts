// End-to-end: a SIGKILLed `skiff up` re-adopts its running pods without restarts or duplicates, removes containers of pods deleted while it was down, and clusters on one engine never touch each other's containers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ROOT, eventually, type Cluster, startClusterRetrying, removeDockerObjects } from './harness.js';

const IMAGE = 'skiff/busybox:1.36';

function docker(args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** eventually() for a value: resolves with the first defined, truthy result. */
async function until<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, intervalMs = 500): Promise<T> {
  const v = await eventually(fn, timeoutMs, intervalMs);
  if (v === undefined) throw new Error('no value');
  return v;
}

function lines(s: string): string[] {
  return s.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Every container (any state) of a cluster, as "id name state". */
function clusterContainers(cluster: string, all = true): string[] {
  return lines(docker(['ps', ...(all ? ['-a'] : []), '--no-trunc', '--filter', `label=io.skiff.cluster=${cluster}`, '--format', '{{.ID}} {{.Names}} {{.State}}']));
}

/** Running container ids of one pod (sandbox included), sorted. */
function podContainerIds(cluster: string, uid: string): string[] {
  return lines(docker(['ps', '-q', '--no-trunc', '--filter', `label=io.skiff.cluster=${cluster}`, '--filter', `label=io.kubernetes.pod.uid=${uid}`])).sort();
}

function sleeper(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
    spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: IMAGE, command: ['sleep', '3600'] }, { name: 'side', image: IMAGE, command: ['sleep', '3600'] }] },
  });
}

function getPod(c: Cluster, name: string): Pod {
  return JSON.parse(c.k(['get', 'pod', name, '-o', 'json'])) as Pod;
}

function runningPod(c: Cluster, name: string): Pod | undefined {
  const r = c.kubectl(['get', 'pod', name, '-o', 'json']);
  if (r.code !== 0) return undefined;
  const p = JSON.parse(r.stdout) as Pod;
  const cs = p.status?.containerStatuses ?? [];
  return p.status?.phase === 'Running' && cs.length === 2 && cs.every((s) => s.state?.running && s.ready) ? p : undefined;
}

/** What must not change across a restart: each container's id, restart count and start time. */
function fingerprint(p: Pod): string[] {
  return (p.status?.containerStatuses ?? []).map((s) => `${s.name} ${s.containerID} ${s.restartCount} ${s.state?.running?.startedAt}`).sort();
}

function skiff(args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/skiff.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('restart safety and cluster isolation', { timeout: 240_000 }, () => {
  const name = `rst${process.pid}${Math.floor(Math.random() * 1e4)}`;
  // A name that extends the first one: label filters must match exactly, not by prefix.
  const otherName = `${name}b`;
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-rst-'));
  const otherDir = mkdtempSync(join(tmpdir(), 'skiff-rst-other-'));
  const clusters: Cluster[] = [];
  let cluster: Cluster;
  let other: Cluster | undefined;
  let otherPod: Pod;

  const start = async (extraArgs: string[] = []): Promise<Cluster> => {
    const c = await startClusterRetrying({ name, dataDir, extraArgs });
    clusters.push(c);
    return c;
  };

  before(async () => {
    // The other cluster runs throughout, so this cluster's restarts and orphan sweeps happen beside it.
    other = await startClusterRetrying({ name: otherName, dataDir: otherDir });
    clusters.push(other);
    cluster = await start();
    await eventually(() => cluster.kubectl(['get', 'node', `${name}-control-plane`]).code === 0, 60_000, 500);
  });

  after(async () => {
    for (const c of clusters) await c.stop('SIGKILL');
    removeDockerObjects(name);
    removeDockerObjects(otherName);
    rmSync(otherDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('re-adopts running pods after SIGKILL with no restarts and no duplicates, and removes containers of pods deleted meanwhile', async () => {
    const theirs = other as Cluster;
    theirs.k(['apply', '-f', '-'], { input: sleeper('keep-a') });
    for (const p of ['keep-a', 'keep-b', 'gone']) cluster.k(['apply', '-f', '-'], { input: sleeper(p) });
    otherPod = await until(() => runningPod(theirs, 'keep-a'), 90_000, 500);
    const otherIds = podContainerIds(otherName, otherPod.metadata?.uid ?? '');
    assert.equal(otherIds.length, 3);
    const before: Record<string, Pod> = {};
    for (const p of ['keep-a', 'keep-b', 'gone']) before[p] = await until(() => runningPod(cluster, p), 90_000, 500);
    const uid = (p: string): string => before[p].metadata?.uid ?? '';
    const idsBefore: Record<string, string[]> = {};
    for (const p of ['keep-a', 'keep-b', 'gone']) {
      idsBefore[p] = podContainerIds(name, uid(p));
      assert.equal(idsBefore[p].length, 3, `pod ${p} should run a sandbox and two containers: ${idsBefore[p].join(' ')}`);
    }
    const allBefore = clusterContainers(name);

    // The whole control plane and agent die at once; pods keep running in the engine.
    await cluster.stop('SIGKILL');
    for (const p of ['keep-a', 'keep-b', 'gone']) assert.deepEqual(podContainerIds(name, uid(p)), idsBefore[p]);

    // Back up without an engine for the agent: the API answers, nothing touches containers, and the
    // pod `gone` is deleted while no agent runs (force, since no agent can confirm a graceful stop).
    cluster = await start(['--docker-socket', join(dataDir, 'no-such-docker.sock')]);
    cluster.k(['delete', 'pod', 'gone', '--grace-period=0', '--force', '--wait=false']);
    await eventually(() => cluster.kubectl(['get', 'pod', 'gone']).code !== 0, 30_000, 200);
    assert.deepEqual(podContainerIds(name, uid('gone')), idsBefore.gone, 'containers must wait for the agent');
    await cluster.stop('SIGKILL');

    cluster = await start();
    // The agent removes the deleted pod's containers...
    await eventually(() => clusterContainers(name).every((l) => !idsBefore.gone.some((id) => l.startsWith(id))), 60_000, 500);
    // ...and re-adopts the others: same containers, same start times, restartCount 0, Ready.
    for (const p of ['keep-a', 'keep-b']) {
      const now = await until(() => runningPod(cluster, p), 60_000, 500);
      assert.deepEqual(fingerprint(now), fingerprint(before[p]), `pod ${p} changed across the restart`);
      assert.ok(now.status?.containerStatuses?.every((s) => s.restartCount === 0));
      assert.equal(now.status?.podIP, before[p].status?.podIP);
    }
    // Over a full resync period nothing is created, restarted or duplicated.
    await new Promise((r) => setTimeout(r, 12_000));
    for (const p of ['keep-a', 'keep-b']) {
      assert.deepEqual(podContainerIds(name, uid(p)), idsBefore[p], `pod ${p} gained or lost containers`);
      assert.deepEqual(fingerprint(getPod(cluster, p)), fingerprint(before[p]));
    }
    // The other cluster's pod of the same name survived this cluster's restarts and orphan sweeps.
    assert.deepEqual(podContainerIds(otherName, otherPod.metadata?.uid ?? ''), otherIds);
    assert.deepEqual(fingerprint(getPod(theirs, 'keep-a')), fingerprint(otherPod));
    const goneIds = new Set(idsBefore.gone);
    assert.deepEqual(clusterContainers(name).sort(), allBefore.filter((l) => !goneIds.has(l.split(' ')[0])).sort());
    // Repeated events are folded into one with a count, so count the starts, not the lines.
    const events = cluster.k(['get', 'events', '--field-selector', 'involvedObject.name=keep-a', '-o', 'jsonpath={range .items[*]}{.reason} {.count}{"\\n"}{end}']);
    const starts = lines(events).filter((l) => l.startsWith('Started ')).reduce((n, l) => n + Number(l.split(' ')[1] || 1), 0);
    assert.equal(starts, 2, `keep-a's containers were started again:\n${events}`);
  });

  it('`skiff down` of one cluster leaves the other cluster\'s containers running', async () => {
    const theirs = other as Cluster;
    const mine = await until(() => runningPod(cluster, 'keep-a'), 60_000, 500);
    const mineIds = podContainerIds(name, mine.metadata?.uid ?? '');
    assert.equal(mineIds.length, 3);
    assert.equal(podContainerIds(otherName, otherPod.metadata?.uid ?? '').filter((id) => mineIds.includes(id)).length, 0);

    const down = skiff(['down', '--name', otherName, '--data-dir', theirs.dataDir]);
    assert.equal(down.code, 0, down.out);
    assert.match(down.out, /removed 3 containers/);
    assert.deepEqual(clusterContainers(otherName), []);
    // This cluster's pods are untouched: same containers, still running, no restarts.
    assert.deepEqual(podContainerIds(name, mine.metadata?.uid ?? ''), mineIds);
    for (const p of ['keep-a', 'keep-b']) assert.ok(runningPod(cluster, p), `pod ${p} is no longer running`);
    assert.deepEqual(fingerprint(getPod(cluster, 'keep-a')), fingerprint(mine));
    assert.equal(clusterContainers(name, false).length, 6);
  });
});
