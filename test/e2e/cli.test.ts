// End-to-end: the skiff command line (version, up, down, signals, kubeconfig merging, flag errors) and authentication.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { api, kubectlBinary, removeDataDir, removeDockerObjects, ROOT, startCluster, type Cluster } from './harness.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every temp dir this file makes, removed at the end. */
const scratch: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'skiff-cli-'));
  scratch.push(d);
  return d;
}

/**
 * Runs the skiff command to completion. HOME points at a temp dir so a mistake can never touch the
 * real ~/.kube/config or ~/.skiff; a run that outlives timeoutMs is killed and fails the test.
 */
function runSkiff(args: string[], timeoutMs = 15_000): Promise<Run> {
  const home = tempDir();
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/skiff.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: home, KUBECONFIG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`skiff ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** A failed command must say what went wrong in exactly one line on stderr, and exit 1. */
function assertOneLineError(r: Run, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^skiff: [^\n]+\n$/, `not one line: ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, pattern);
}

/** Stops a cluster with a signal and returns its exit code and how long it took. */
async function timedStop(c: Cluster, signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const code = await Promise.race([
    c.stop(signal),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`skiff up ignored ${signal} for 8 s`)), 8_000)),
  ]);
  return { code, ms: Date.now() - started };
}

/** A raw HTTPS GET with whatever credentials the caller gives (none, a bad token, a foreign certificate). */
function rawGet(c: Cluster, path: string, opts: { headers?: Record<string, string>; cert?: string; key?: string } = {}): Promise<{ status: number; body: string }> {
  const u = new URL(c.url + path);
  return new Promise((resolveReply, reject) => {
    const req = httpsRequest({
      hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: 'GET',
      ca: readFileSync(join(c.dataDir, 'pki', 'ca.crt'), 'utf8'), headers: opts.headers ?? {}, cert: opts.cert, key: opts.key,
    }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolveReply({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function assertUnauthorized(reply: { status: number; body: string }): void {
  assert.equal(reply.status, 401, reply.body);
  const st = JSON.parse(reply.body) as { kind: string; status: string; reason: string; code: number };
  assert.deepEqual({ kind: st.kind, status: st.status, reason: st.reason, code: st.code }, { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
}

interface KubeconfigDoc {
  'current-context': string;
  contexts: { name: string; context: { cluster: string; user: string } }[];
  clusters: { name: string; cluster: { server: string } }[];
  users: { name: string; user: Record<string, string> }[];
}

/** A user kubeconfig that already has someone else's cluster in it, like most developers' ~/.kube/config. */
const EXISTING_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: work-cluster
  cluster:
    server: https://work.example.invalid:6443
users:
- name: work-user
  user:
    token: work-token
contexts:
- name: work
  context:
    cluster: work-cluster
    user: work-user
    namespace: team
current-context: work
`;

describe('skiff command line', { timeout: 180_000 }, () => {
  let main: Cluster | undefined;
  let mainDir = '';
  const mainName = `cli${process.pid % 100000}`;

  before(async () => {
    mainDir = tempDir();
    writeFileSync(join(mainDir, 'user-kubeconfig'), EXISTING_KUBECONFIG);
    main = await startCluster({ name: mainName, dataDir: mainDir });
  });

  after(async () => {
    if (main && main.process.exitCode === null && main.process.signalCode === null) await main.stop();
    // Every cluster this file starts is named after mainName; their networks and containers go too.
    for (const suffix of ['', 'b', 'sigterm', 'sigint']) removeDockerObjects(`${mainName}${suffix}`);
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  }, { timeout: 30_000 });

  it('`skiff version` prints the skiff and Kubernetes versions', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runSkiff(['version']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^skiff \S+ \(Kubernetes API v1\.\d+, node v\d+\.\d+\.\d+\)\n$/);
    assert.ok(r.stdout.startsWith(`skiff ${pkg.version} `), r.stdout);
  });

  it('`skiff up` becomes ready and /readyz answers ok', async () => {
    const c = main!;
    assert.match(c.output(), new RegExp(`skiff cluster "${mainName}" is ready at https://127\\.0\\.0\\.1:\\d+`));
    const ready = await api(c, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body, 'ok');
    assert.equal(c.k(['get', '--raw', '/readyz']), 'ok');
    assert.equal(readFileSync(join(c.dataDir, 'skiff.pid'), 'utf8').trim(), String(c.process.pid));
  });

  it('merges its context into an existing kubeconfig without dropping the others', () => {
    const c = main!;
    const ctx = `skiff-${mainName}`;
    const doc = parse(readFileSync(c.kubeconfig, 'utf8')) as KubeconfigDoc;
    assert.equal(doc['current-context'], ctx);
    assert.deepEqual(doc.contexts.map((x) => x.name).sort(), [ctx, 'work'].sort());
    // The user's own entries survive untouched, down to the namespace and the token.
    assert.deepEqual(doc.contexts.find((x) => x.name === 'work')?.context, { cluster: 'work-cluster', user: 'work-user', namespace: 'team' });
    assert.equal(doc.clusters.find((x) => x.name === 'work-cluster')?.cluster.server, 'https://work.example.invalid:6443');
    assert.deepEqual(doc.users.find((x) => x.name === 'work-user')?.user, { token: 'work-token' });
    assert.equal(doc.clusters.find((x) => x.name === ctx)?.cluster.server, c.url);
    // It holds a private key: owner-only.
    assert.equal(statSync(c.kubeconfig).mode & 0o077, 0);
    // kubectl agrees, and the skiff context works.
    assert.equal(c.k(['config', 'current-context']).trim(), ctx);
    assert.deepEqual(c.k(['config', 'get-contexts', '-o', 'name']).trim().split('\n').sort(), [ctx, 'work'].sort());
    assert.match(c.k(['get', 'namespace', 'default', '-o', 'name']), /^namespace\/default$/m);
  });

  it('writes DIR/kubeconfig, which works with kubectl on its own', () => {
    const c = main!;
    const standalone = join(c.dataDir, 'kubeconfig');
    const doc = parse(readFileSync(standalone, 'utf8')) as KubeconfigDoc;
    assert.deepEqual(doc.contexts.map((x) => x.name), [`skiff-${mainName}`]);
    const r = spawnSync(kubectlBinary('1.32'), ['--kubeconfig', standalone, '--cache-dir', join(c.dataDir, 'kube-cache-standalone'), 'get', 'namespaces', '-o', 'name'], {
      encoding: 'utf8', timeout: 30_000, env: { ...process.env, KUBECONFIG: '', HOME: c.dataDir },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^namespace\/kube-system$/m);
    // The admin identity in it is a client certificate, not a token.
    const user = doc.users[0].user;
    assert.ok(user['client-certificate-data'] && user['client-key-data'] && !user.token);
  });

  it('runs two clusters side by side with separate state, and `skiff down` stops one', async () => {
    const c1 = main!;
    const c2 = await startCluster({ name: `${mainName}b` });
    try {
      assert.notEqual(c2.url, c1.url);
      c1.k(['create', 'configmap', 'only-in-one', '--from-literal=a=1']);
      c2.k(['create', 'namespace', 'only-in-two']);
      assert.match(c1.k(['get', 'configmap', 'only-in-one', '-o', 'name']), /configmap\/only-in-one/);
      const missing = c2.kubectl(['get', 'configmap', 'only-in-one']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /configmaps "only-in-one" not found/);
      assert.equal(c1.kubectl(['get', 'namespace', 'only-in-two']).code, 1);
      assert.equal((await api(c2, 'GET', '/api/v1/namespaces/only-in-two')).status, 200);
      assert.notEqual(c1.token(), c2.token());

      const exited = new Promise<number | null>((r) => c2.process.once('exit', (code) => r(code)));
      const down = await runSkiff(['down', '--data-dir', c2.dataDir, '--name', c2.name]);
      assert.equal(down.code, 0, down.stderr);
      assert.match(down.stdout, new RegExp(`^stopped cluster "${c2.name}" \\(pid ${c2.process.pid}\\); removed 0 containers\\n$`));
      assert.equal(await exited, 0);
      assert.equal(existsSync(join(c2.dataDir, 'skiff.pid')), false);
      // Nothing left to stop: still a clean exit.
      const again = await runSkiff(['down', '--data-dir', c2.dataDir, '--name', c2.name]);
      assert.equal(again.code, 0);
      assert.match(again.stdout, /^no cluster was running/);
      // The other cluster did not notice.
      assert.equal((await api(c1, 'GET', '/readyz')).body, 'ok');
    } finally {
      await c2.stop();
      removeDataDir(c2);
    }
  });

  it('rejects requests without valid credentials with 401 and a Status body', async () => {
    const c = main!;
    const path = '/api/v1/namespaces/default/configmaps';
    assertUnauthorized(await rawGet(c, path));
    assertUnauthorized(await rawGet(c, path, { headers: { Authorization: 'Bearer not-a-real-token' } }));
    assertUnauthorized(await rawGet(c, path, { headers: { Authorization: `Bearer ${c.token()}x` } }));
    assertUnauthorized(await rawGet(c, path, { headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' } }));
    // A client certificate from a CA the cluster does not trust proves nothing.
    const dir = tempDir();
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=system:skiff-admin/O=system:masters', '-days', '1'], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    const foreign = { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') };
    assertUnauthorized(await rawGet(c, path, foreign));
    // The same request with the real token works, so the 401s were about the credentials.
    assert.equal((await rawGet(c, path, { headers: { Authorization: `Bearer ${c.token()}` } })).status, 200);
    // kubectl reports it the usual way.
    writeFileSync(join(dir, 'none'), 'apiVersion: v1\nkind: Config\n');
    const r = spawnSync(kubectlBinary('1.32'), ['--kubeconfig', join(dir, 'none'), '--server', c.url, '--certificate-authority', join(c.dataDir, 'pki', 'ca.crt'), '--token', 'wrong', 'get', 'configmaps'], {
      encoding: 'utf8', timeout: 30_000, env: { ...process.env, KUBECONFIG: '', HOME: dir },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: You must be logged in to the server/m);
  });

  it('refuses a second `skiff up` on the same data dir in one line', async () => {
    const c = main!;
    const other = tempDir();
    const r = await runSkiff(['up', '--data-dir', c.dataDir, '--name', mainName, '--port', '0', '--kubeconfig', join(other, 'kc')]);
    assertOneLineError(r, new RegExp(`already running from .*\\(pid ${c.process.pid}\\)`));
    // The running cluster keeps its pid file and keeps serving.
    assert.equal(readFileSync(join(c.dataDir, 'skiff.pid'), 'utf8').trim(), String(c.process.pid));
    assert.equal((await api(c, 'GET', '/readyz')).body, 'ok');
    assert.equal(existsSync(join(other, 'kc')), false);
  });

  it('exits 1 naming the port when --port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const dir = tempDir();
      const r = await runSkiff(['up', '--data-dir', dir, '--name', `portbusy${process.pid}`, '--port', String(port), '--kubeconfig', join(dir, 'kc')]);
      assertOneLineError(r, new RegExp(`port ${port}\\b.*in use`));
      // A failed start leaves no pid file behind to block the next one.
      assert.equal(existsSync(join(dir, 'skiff.pid')), false);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
      // The cluster network is settled before the API server binds; it stays for the next start, so remove it here.
      removeDockerObjects(`portbusy${process.pid}`);
    }
  });

  it('refuses to overwrite a kubeconfig it cannot parse, in one line', async () => {
    const dir = tempDir();
    const broken = 'clusters: [\n  - x\n';
    writeFileSync(join(dir, 'kc'), broken);
    const name = `badkc${process.pid}`;
    const r = await runSkiff(['up', '--data-dir', join(dir, 'data'), '--name', name, '--port', '0', '--kubeconfig', join(dir, 'kc')]);
    removeDockerObjects(name);
    assertOneLineError(r, new RegExp(`cannot add context "skiff-${name}" to ${join(dir, 'kc')}: `));
    // The user's file is theirs to fix: untouched, and no cluster is left claiming the data dir.
    assert.equal(readFileSync(join(dir, 'kc'), 'utf8'), broken);
    assert.equal(existsSync(join(dir, 'data', 'skiff.pid')), false);
  });

  it('rejects bad flags and commands with a one-line error', async () => {
    const dir = tempDir();
    const safe = ['--data-dir', dir, '--kubeconfig', join(dir, 'kc')];
    const cases: Array<[string[], RegExp]> = [
      [['up', '--bogus', ...safe], /--bogus/],
      [['up', '--port', 'abc', ...safe], /--port must be a port number.*"abc"/],
      [['up', '--port', '70000', ...safe], /--port must be a port number.*"70000"/],
      [['up', '--name', 'Bad_Name', ...safe], /--name must be a lowercase DNS label.*"Bad_Name"/],
      [['up', ...safe, '--port'], /--port/],
      [['up', 'extra-positional', ...safe], /extra-positional/],
      [['down', '--bogus'], /--bogus/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    for (const [args, pattern] of cases) {
      const r = await runSkiff(args);
      assertOneLineError(r, pattern);
    }
    // None of them started anything.
    assert.equal(existsSync(join(dir, 'skiff.pid')), false);
    assert.equal(existsSync(join(dir, 'kc')), false);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops on ${signal} with exit code 0 and removes the pid file`, async () => {
      const c = await startCluster({ name: `${mainName}${signal.toLowerCase()}` });
      try {
        const pidFile = join(c.dataDir, 'skiff.pid');
        assert.equal(existsSync(pidFile), true);
        c.k(['create', 'configmap', 'before-stop']);
        const { code, ms } = await timedStop(c, signal);
        assert.equal(code, 0, c.output());
        assert.ok(ms < 5_000, `took ${ms} ms to stop`);
        assert.equal(existsSync(pidFile), false);
        assert.match(c.output(), new RegExp(`received ${signal}, stopping`));
      } finally {
        if (c.process.exitCode === null && c.process.signalCode === null) await c.stop('SIGKILL');
        removeDataDir(c);
      }
    });
  }

  it('re-merges the same context on restart instead of adding another', async () => {
    const before = main!;
    assert.equal((await timedStop(before, 'SIGTERM')).code, 0);
    main = await startCluster({ name: mainName, dataDir: mainDir });
    const doc = parse(readFileSync(main.kubeconfig, 'utf8')) as KubeconfigDoc;
    const ctx = `skiff-${mainName}`;
    assert.deepEqual(doc.contexts.map((x) => x.name).sort(), [ctx, 'work'].sort());
    assert.equal(doc.clusters.filter((x) => x.name === ctx).length, 1);
    assert.equal(doc.users.filter((x) => x.name === ctx).length, 1);
    assert.equal(doc.clusters.find((x) => x.name === ctx)?.cluster.server, main.url);
    // State made before the restart is still there.
    assert.match(main.k(['get', 'configmap', 'only-in-one', '-o', 'name']), /configmap\/only-in-one/);
  });
});

