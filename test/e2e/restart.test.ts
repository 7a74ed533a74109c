// End-to-end: acknowledged writes survive SIGKILL of `skiff up`, resourceVersions keep counting up, and watches resume.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { api, startCluster, type Cluster } from './harness.js';

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

/** kubectl resource, namespace and name of every object the test records. */
const OBJECTS: Array<[string, string | undefined, string]> = [
  ['namespace', undefined, 'keep-ns'],
  ['configmap', 'keep-ns', 'inside'],
  ['deployment', 'default', 'web'],
  ['configmap', 'default', 'settings'],
  ['secret', 'default', 'creds'],
  ['service', 'default', 'web'],
];

function meta(c: Cluster, resource: string, namespace: string | undefined, name: string): Meta {
  const args = ['get', resource, name, '-o', 'json', ...(namespace ? ['-n', namespace] : [])];
  const m = (JSON.parse(c.k(args)) as { metadata: Meta }).metadata;
  return { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion };
}

function snapshot(c: Cluster): Map<string, Meta> {
  return new Map(OBJECTS.map(([r, ns, n]) => [`${r}/${ns ?? ''}/${n}`, meta(c, r, ns, n)]));
}

/** The collection resourceVersion of a list: the newest revision the server has. */
async function listRevision(c: Cluster, path: string): Promise<number> {
  const reply = await api(c, 'GET', path);
  assert.equal(reply.status, 200, reply.body);
  return Number((JSON.parse(reply.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
}

/**
 * Opens a raw watch and collects its lines until `count` arrived or timeoutMs passed, then closes it.
 * `whileOpen` runs once the response headers are in, so writes it makes are surely after the watch began.
 */
function watchLines(c: Cluster, path: string, count: number, timeoutMs: number, whileOpen: () => Promise<void> = async () => undefined): Promise<WatchLine[]> {
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
        if (lines.length >= count) finish();
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
    for (const c of running) await c.stop('SIGKILL');
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it('keeps every acknowledged object with the same uid and resourceVersion, and watches resume', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'skiff-restart-'));
    scratch.push(dataDir);
    const name = `restart${process.pid % 100000}`;
    const first = await start(name, dataDir);

    first.k(['create', 'namespace', 'keep-ns']);
    first.k(['create', 'configmap', 'inside', '-n', 'keep-ns', '--from-literal=where=inside']);
    first.k(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2']);
    first.k(['create', 'configmap', 'settings', '--from-literal=mode=fast']);
    first.k(['create', 'secret', 'generic', 'creds', '--from-literal=password=hunter2']);
    first.k(['create', 'service', 'clusterip', 'web', '--tcp=80:8080']);
    // Updates too, so that resourceVersion is not just the creation revision.
    first.k(['label', 'configmap', 'settings', 'tier=backend']);
    first.k(['scale', 'deployment', 'web', '--replicas=3']);

    const cmPath = '/api/v1/namespaces/default/configmaps';
    // N: a point in history that later writes, still before the crash, come after.
    const n = await listRevision(first, cmPath);
    first.k(['create', 'configmap', 'after-n', '--from-literal=a=1']);
    first.k(['patch', 'configmap', 'settings', '--type=merge', '-p', '{"data":{"mode":"slow"}}']);
    first.k(['create', 'configmap', 'doomed']);
    first.k(['delete', 'configmap', 'doomed']);

    const before = snapshot(first);
    // The newest revision the crashed server acknowledged.
    const last = await listRevision(first, cmPath);
    const maxBefore = Math.max(...[...before.values()].map((m) => Number(m.resourceVersion)));
    assert.ok(last >= maxBefore && n < last);
    const secretData = (JSON.parse(first.k(['get', 'secret', 'creds', '-o', 'json'])) as { data: Record<string, string> }).data;

    await crash(first);
    // The crash left its pid file; a dead pid in it must not block the next start.
    assert.equal(existsSync(join(dataDir, 'skiff.pid')), true);

    const second = await start(name, dataDir);
    assert.notEqual(second.process.pid, first.process.pid);

    const afterRestart = snapshot(second);
    for (const [key, m] of before) {
      assert.deepEqual(afterRestart.get(key), m, `${key} changed across the restart`);
    }
    // Contents too, not just metadata.
    assert.equal(second.k(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.mode} {.metadata.labels.tier}']), 'slow backend');
    assert.equal(second.k(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}']), '3');
    assert.deepEqual((JSON.parse(second.k(['get', 'secret', 'creds', '-o', 'json'])) as { data: Record<string, string> }).data, secretData);
    assert.equal(second.k(['get', 'configmap', 'inside', '-n', 'keep-ns', '-o', 'jsonpath={.data.where}']), 'inside');
    assert.equal(second.kubectl(['get', 'configmap', 'doomed']).code, 1, 'a delete was lost');
    // The revision counter carries on rather than starting over.
    assert.equal(await listRevision(second, cmPath), last);

    // A client that had seen everything up to the crash resumes its watch and gets only newer events.
    const resumed = await watchLines(second, `${cmPath}?watch=true&resourceVersion=${last}`, 2, 10_000, async () => {
      second.k(['create', 'configmap', 'after-restart', '--from-literal=a=1']);
      second.k(['annotate', 'configmap', 'settings', 'touched=yes']);
    });
    assert.deepEqual(resumed.map((l) => [l.type, l.object.metadata.name]), [['ADDED', 'after-restart'], ['MODIFIED', 'settings']]);
    const newRvs = resumed.map((l) => Number(l.object.metadata.resourceVersion));
    assert.ok(newRvs[0] > last && newRvs[1] > newRvs[0], `revisions after the restart: ${newRvs.join(', ')}, before: ${last}`);
    const created = meta(second, 'configmap', 'default', 'after-restart');
    assert.ok(Number(created.resourceVersion) > maxBefore);
    assert.ok(![...before.values()].some((m) => m.uid === created.uid));

    // A watch from N (older than the restarted server's start) cannot be replayed from its fresh watch
    // cache. Kubernetes' watch cache answers the same way: 410 Expired, so the client relists.
    const old = await watchLines(second, `${cmPath}?watch=true&resourceVersion=${n}`, 1, 5_000);
    assert.equal(old.length, 1, 'no answer to a watch from before the restart');
    assert.equal(old[0].type, 'ERROR');
    assert.equal(old[0].object.kind, 'Status');
    assert.equal(old[0].object.code, 410);
    assert.equal(old[0].object.reason, 'Expired');
    assert.match(old[0].object.message ?? '', new RegExp(`too old resource version: ${n}`));

    // After the relist, a watch from the list's revision misses nothing.
    const relist = await listRevision(second, cmPath);
    const afterRelist = await watchLines(second, `${cmPath}?watch=true&resourceVersion=${relist}`, 1, 10_000, async () => {
      second.k(['delete', 'configmap', 'after-n']);
    });
    assert.deepEqual(afterRelist.map((l) => [l.type, l.object.metadata.name]), [['DELETED', 'after-n']]);
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
