// End-to-end: acknowledged writes survive SIGKILL of `skiff up`, resourceVersions keep counting up, and watches resume.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { api, startCluster, type Cluster, removeDockerObjects } from './harness.js';

interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
}

interface WatchLine {
  type: string;
  object: { kind: string; metadata: Meta; code?: number; reason?: string; message?: string };
}

/** API path of every object the test records. */
const OBJECTS = [
  '/api/v1/namespaces/keep-ns',
  '/api/v1/namespaces/keep-ns/configmaps/inside',
  '/apis/apps/v1/namespaces/default/deployments/web',
  '/api/v1/namespaces/default/configmaps/settings',
  '/api/v1/namespaces/default/secrets/creds',
  '/api/v1/namespaces/default/services/web',
];

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata:
  name: keep-ns
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: inside
  namespace: keep-ns
data:
  where: inside
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  password: hunter2
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
`;

interface Stored {
  metadata: Meta;
  data?: Record<string, string>;
  spec?: { replicas?: number };
}

async function getObject(c: Cluster, path: string): Promise<Stored> {
  const reply = await api(c, 'GET', path);
  assert.equal(reply.status, 200, `${path}: ${reply.body}`);
  return JSON.parse(reply.body) as Stored;
}

/** Whole objects, so contents are compared across the restart as well as uid and resourceVersion. */
async function snapshot(c: Cluster): Promise<Map<string, Stored>> {
  return new Map(await Promise.all(OBJECTS.map(async (p) => [p, await getObject(c, p)] as const)));
}

/** A raw write that must succeed. */
async function write(c: Cluster, method: string, path: string, body?: object, contentType = 'application/json'): Promise<Stored> {
  const reply = await api(c, method, path, body === undefined ? undefined : JSON.stringify(body), { 'Content-Type': contentType });
  assert.ok(reply.status >= 200 && reply.status < 300, `${method} ${path}: ${reply.status} ${reply.body}`);
  return JSON.parse(reply.body) as Stored;
}

/** The collection resourceVersion of a list: the newest revision the server has. */
async function listRevision(c: Cluster, path: string): Promise<number> {
  const reply = await api(c, 'GET', path);
  assert.equal(reply.status, 200, reply.body);
  return Number((JSON.parse(reply.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
}

/**
 * Opens a raw watch and collects its lines until `done` says so or timeoutMs passed, then closes it.
 * `whileOpen` runs once the response headers are in, so writes it makes are surely after the watch began.
 */
function watchLines(c: Cluster, path: string, done: (lines: WatchLine[]) => boolean, timeoutMs: number, whileOpen: () => Promise<void> = async () => undefined): Promise<WatchLine[]> {
  const u = new URL(c.url + path);
  return new Promise((resolveLines, reject) => {
    const lines: WatchLine[] = [];
    let buf = '';
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      if (err) reject(err);
      else resolveLines(lines);
    };
    const timer = setTimeout(() => finish(), timeoutMs);
    const req = httpsRequest({
      hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: 'GET',
      ca: readFileSync(join(c.dataDir, 'pki', 'ca.crt'), 'utf8'), headers: { Authorization: `Bearer ${c.token()}` },
    }, (res) => {
      if (res.statusCode !== 200) {
        finish(new Error(`watch ${path} answered ${res.statusCode}`));
        return;
      }
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) lines.push(JSON.parse(line) as WatchLine);
        }
        if (done(lines)) finish();
      });
      res.on('end', () => finish());
      whileOpen().catch((err: unknown) => finish(err as Error));
    });
    req.on('error', (err) => finish(settled ? undefined : err));
    req.end();
  });
}

const scratch: string[] = [];
const running: Cluster[] = [];

async function start(name: string, dataDir: string): Promise<Cluster> {
  const c = await startCluster({ name, dataDir });
  running.push(c);
  return c;
}

/** SIGKILL, as a crash: no shutdown code runs, so only what was durably written can survive. */
async function crash(c: Cluster): Promise<void> {
  const signal = await new Promise<NodeJS.Signals | null>((r) => {
    c.process.once('exit', (_code, sig) => r(sig));
    c.process.kill('SIGKILL');
  });
  assert.equal(signal, 'SIGKILL');
}

describe('restart after SIGKILL', { timeout: 120_000 }, () => {
  after(async () => {
    // Only the live ones: a crashed process already exited, and waiting for its exit again would never end.
    for (const c of running) if (c.process.exitCode === null && c.process.signalCode === null) await c.stop('SIGKILL');
    for (const name of new Set(running.map((c) => c.name))) removeDockerObjects(name);
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  }, { timeout: 30_000 });

  it('keeps every acknowledged object with the same uid and resourceVersion, and watches resume', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'skiff-restart-'));
    scratch.push(dataDir);
    const name = `restart${process.pid % 100000}`;
    const first = await start(name, dataDir);

    first.k(['apply', '-f', '-'], { input: MANIFESTS });
    // Updates too, so that resourceVersion is not just the creation revision.
    first.k(['label', 'configmap', 'settings', 'tier=backend']);
    first.k(['scale', 'deployment', 'web', '--replicas=3']);

    const cmPath = '/api/v1/namespaces/default/configmaps';
    // N: a point in history that later writes, still before the crash, come after.
    const n = await listRevision(first, cmPath);
    await write(first, 'POST', cmPath, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-n' }, data: { a: '1' } });
    await write(first, 'PATCH', `${cmPath}/settings`, { data: { mode: 'slow' } }, 'application/merge-patch+json');
    await write(first, 'POST', cmPath, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'doomed' } });
    await write(first, 'DELETE', `${cmPath}/doomed`);

    const before = await snapshot(first);
    // The newest revision the crashed server acknowledged.
    const last = await listRevision(first, cmPath);
    const maxBefore = Math.max(...[...before.values()].map((o) => Number(o.metadata.resourceVersion)));
    assert.ok(last >= maxBefore && n < last);
    assert.equal(before.get(`${cmPath}/settings`)?.data?.mode, 'slow');

    await crash(first);
    // The crash left its pid file; a dead pid in it must not block the next start.
    assert.equal(existsSync(join(dataDir, 'skiff.pid')), true);

    const second = await start(name, dataDir);
    assert.notEqual(second.process.pid, first.process.pid);

    const afterRestart = await snapshot(second);
    for (const [path, o] of before) {
      const now = afterRestart.get(path);
      assert.equal(now?.metadata.uid, o.metadata.uid, `${path} has a new uid`);
      assert.equal(now?.metadata.resourceVersion, o.metadata.resourceVersion, `${path} has a new resourceVersion`);
      assert.deepEqual(now, o, `${path} changed across the restart`);
    }
    // And kubectl, through the re-merged kubeconfig, sees the same.
    assert.equal(second.k(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.mode} {.metadata.labels.tier}']), 'slow backend');
    assert.equal(second.k(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}']), '3');
    assert.equal((await api(second, 'GET', `${cmPath}/doomed`)).status, 404, 'a delete was lost');
    // The revision counter carries on rather than starting over (startup itself may write, e.g. the node's status).
    assert.ok(await listRevision(second, cmPath) >= last);

    // A client that had seen everything up to the crash resumes its watch and gets only newer events.
    const mine = (l: WatchLine): boolean => ['after-restart', 'settings'].includes(l.object.metadata.name);
    const resumed = await watchLines(second, `${cmPath}?watch=true&resourceVersion=${last}`, (ls) => ls.filter(mine).length >= 2, 10_000, async () => {
      await write(second, 'POST', cmPath, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' }, data: { a: '1' } });
      await write(second, 'PATCH', `${cmPath}/settings`, { metadata: { annotations: { touched: 'yes' } } }, 'application/merge-patch+json');
    });
    // Controllers may touch other configmaps (kube-root-ca.crt) as they start; every event is still newer than `last`.
    assert.ok(resumed.every((l) => l.type !== 'ERROR' && Number(l.object.metadata.resourceVersion) > last), JSON.stringify(resumed));
    assert.deepEqual(resumed.filter(mine).map((l) => [l.type, l.object.metadata.name]), [['ADDED', 'after-restart'], ['MODIFIED', 'settings']]);
    const newRvs = resumed.filter(mine).map((l) => Number(l.object.metadata.resourceVersion));
    assert.ok(newRvs[0] > last && newRvs[1] > newRvs[0], `revisions after the restart: ${newRvs.join(', ')}, before: ${last}`);
    const created = (await getObject(second, `${cmPath}/after-restart`)).metadata;
    assert.ok(Number(created.resourceVersion) > maxBefore);
    assert.ok(![...before.values()].some((o) => o.metadata.uid === created.uid));

    // A watch from N, older than the crash, resumes too: the store's write history survives the
    // restart, so the events after N are replayed in order, as before the crash.
    const replayed = await watchLines(second, `${cmPath}?watch=true&resourceVersion=${n}`, (ls) => ls.filter((l) => ['after-n', 'doomed'].includes(l.object.metadata.name)).length >= 3, 10_000);
    assert.ok(replayed.every((l) => l.type !== 'ERROR'), JSON.stringify(replayed));
    assert.deepEqual(
      replayed.filter((l) => ['after-n', 'settings', 'doomed'].includes(l.object.metadata.name)).slice(0, 4).map((l) => [l.type, l.object.metadata.name]),
      [['ADDED', 'after-n'], ['MODIFIED', 'settings'], ['ADDED', 'doomed'], ['DELETED', 'doomed']],
    );

    // After the relist, a watch from the list's revision misses nothing.
    const relist = await listRevision(second, cmPath);
    const afterRelist = await watchLines(second, `${cmPath}?watch=true&resourceVersion=${relist}`, (ls) => ls.some((l) => l.object.metadata.name === 'after-n'), 10_000, async () => {
      await write(second, 'DELETE', `${cmPath}/after-n`);
    });
    assert.deepEqual(afterRelist.filter((l) => l.object.metadata.name === 'after-n').map((l) => l.type), ['DELETED']);
  });

  it('survives a crash right after a burst of writes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'skiff-restart-'));
    scratch.push(dataDir);
    const name = `burst${process.pid % 100000}`;
    const first = await start(name, dataDir);
    // Concurrent raw creates: every one that got a 201 was acknowledged and must be there after the crash.
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      api(first, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `burst-${i}` }, data: { i: String(i) } }))));
    const acked = replies.filter((r) => r.status === 201).map((r) => (JSON.parse(r.body) as { metadata: Meta }).metadata);
    assert.equal(acked.length, 40, replies.filter((r) => r.status !== 201).map((r) => r.body).join('\n'));
    await crash(first);

    const second = await start(name, dataDir);
    const list = JSON.parse((await api(second, 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=')).body) as { items: { metadata: Meta; data: { i: string } }[] };
    const stored = new Map(list.items.map((o) => [o.metadata.name, o]));
    for (const m of acked) {
      const o = stored.get(m.name);
      assert.ok(o, `${m.name} was acknowledged but lost`);
      assert.equal(o.metadata.uid, m.uid);
      assert.equal(o.metadata.resourceVersion, m.resourceVersion);
    }
    const revisions = acked.map((m) => Number(m.resourceVersion));
    assert.equal(new Set(revisions).size, revisions.length, 'two writes shared a resourceVersion');
    assert.equal((await api(second, 'GET', '/readyz')).body, 'ok');
  });
});
