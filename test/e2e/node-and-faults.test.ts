// End-to-end: the node registers and renews its Lease, images follow their pull policy (a private registry with imagePullSecrets included), and faults (missing image, taken hostPort, a stopped Docker engine) show clear statuses and recover.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { cpus, hostname, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { eventually, kubectlBinary, type Cluster, startClusterRetrying, removeDockerObjects } from './harness.js';

const BUSYBOX = 'skiff/busybox:1.36';
const SANDBOX = 'skiff/sandbox:0.1';
const USER = 'skiff';
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;

function run(cmd: string, args: string[], opts: { input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, input: opts.input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(port: number, path = '/'): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', () => resolve(0));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pod(name: string, image: string, extra: { pullPolicy?: string; secret?: string; ports?: object[]; command?: string[] } = {}): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      ...(extra.secret ? { imagePullSecrets: [{ name: extra.secret }] } : {}),
      containers: [{
        name: 'main', image, command: extra.command ?? ['sleep', '3600'],
        ...(extra.pullPolicy ? { imagePullPolicy: extra.pullPolicy } : {}),
        ...(extra.ports ? { ports: extra.ports } : {}),
      }],
    },
  });
}

function getPod(c: Cluster, name: string): Pod {
  return JSON.parse(c.k(['get', 'pod', name, '-o', 'json'])) as Pod;
}

function waitingReason(c: Cluster, name: string): { reason?: string; message?: string } {
  return getPod(c, name).status?.containerStatuses?.[0]?.state?.waiting ?? {};
}

function isRunning(c: Cluster, name: string): Pod | undefined {
  const p = getPod(c, name);
  return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running ? p : undefined;
}

/** "reason: message" of every event about one pod, oldest first. */
function events(c: Cluster, name: string): string[] {
  const out = c.k(['get', 'events', '--field-selector', `involvedObject.name=${name}`, '--sort-by', '.metadata.creationTimestamp', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
  return lines(out);
}

/**
 * Records every waiting reason a pod's first container passes through, from a `kubectl get -w`
 * (polling can miss a state that lasts a second, as ErrImagePull does before the back-off).
 */
function watchWaiting(c: Cluster, name: string): { reasons: () => string[]; stop: () => void } {
  const child = spawn(kubectlBinary('1.32'), ['get', 'pod', name, '-w', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}{"\\n"}'], {
    env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir }, stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  return {
    reasons: () => lines(out).filter((l, i, all) => i === 0 || all[i - 1] !== l),
    stop: () => {
      if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
    },
  };
}

/** The image id a pod's container runs, read from the engine. */
function engineImageOf(p: Pod, host?: string): string {
  const id = (p.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^docker:\/\//, '');
  return run('docker', [...(host ? ['-H', host] : []), 'inspect', '--format', '{{.Image}}', id]).trim();
}

function imageId(ref: string): string {
  return run('docker', ['image', 'inspect', '--format', '{{.Id}}', ref]).trim();
}

/** Follows a push to its end; a push error arrives inside the stream. */
function followPush(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed?.error));
      else resolve();
    });
  });
}

/** Debian's docker-registry with htpasswd auth on 127.0.0.1. */
class Registry {
  readonly dir = mkdtempSync(join(tmpdir(), 'skiff-nf-registry-'));
  proc?: ChildProcess;
  log = '';
  port = 0;

  async start(): Promise<void> {
    writeFileSync(join(this.dir, 'htpasswd'), run('htpasswd', ['-Bbn', USER, PASSWORD]));
    this.port = await freePort();
    writeFileSync(join(this.dir, 'config.yml'), [
      'version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${join(this.dir, 'data')}`,
      'http:', `  addr: 127.0.0.1:${this.port}`, 'auth:', '  htpasswd:', '    realm: skiff-e2e', `    path: ${join(this.dir, 'htpasswd')}`, '',
    ].join('\n'));
    this.proc = spawn('/usr/bin/docker-registry', ['serve', join(this.dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.on('data', (b: Buffer) => (this.log += b.toString()));
    this.proc.stderr?.on('data', (b: Buffer) => (this.log += b.toString()));
    await eventually(async () => {
      if (this.proc?.exitCode !== null) throw new Error(`registry exited:\n${this.log}`);
      return (await httpStatus(this.port, '/v2/')) === 401;
    }, 20_000, 100);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p?.pid && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      process.kill(p.pid, 'SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (p.exitCode === null && p.signalCode === null) process.kill(p.pid, 'SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A private Docker engine in a temp dir, so the test can stop an engine without touching the
 * machine's own. Its networks come from a /24 of 10.213/16 that nothing else here uses.
 */
class PrivateDockerd {
  readonly dir = mkdtempSync(join(tmpdir(), 'skiff-nf-dockerd-'));
  readonly socket = join(this.dir, 'docker.sock');
  readonly host = `unix://${this.socket}`;
  private readonly pool = `10.213.${Math.floor(Math.random() * 250)}.0/24`;
  proc?: ChildProcess;
  log = '';

  async start(): Promise<void> {
    // A SIGKILLed engine leaves its pid file behind, and dockerd refuses to start over one.
    rmSync(join(this.dir, 'docker.pid'), { force: true });
    this.proc = spawn('dockerd', [
      '--host', this.host, '--data-root', join(this.dir, 'data'), '--exec-root', join(this.dir, 'exec'),
      '--pidfile', join(this.dir, 'docker.pid'), '--bridge', 'none', '--iptables=false', '--ip-masq=false',
      '--default-address-pool', `base=${this.pool},size=24`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.on('data', (b: Buffer) => (this.log += b.toString()));
    this.proc.stderr?.on('data', (b: Buffer) => (this.log += b.toString()));
    const proc = this.proc;
    await eventually(() => {
      if (proc.exitCode !== null) throw new Error(`dockerd exited ${proc.exitCode}:\n${this.log.slice(-2000)}`);
      return spawnSync('docker', ['-H', this.host, 'version', '--format', '{{.Server.Version}}'], { timeout: 10_000 }).status === 0;
    }, 60_000, 250);
  }

  async kill(): Promise<void> {
    const p = this.proc;
    if (!p?.pid || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    process.kill(p.pid, 'SIGKILL');
    await exited;
  }

  /** Removes a cluster's objects, stops the engine gracefully, and removes every trace of it. */
  async cleanup(cluster: string): Promise<void> {
    const p = this.proc;
    if (p?.pid && p.exitCode === null && p.signalCode === null) {
      removeDockerObjects(cluster, this.host);
      const exited = new Promise((r) => p.once('exit', r));
      process.kill(p.pid, 'SIGTERM');
      await Promise.race([exited, sleep(20_000)]);
      if (p.exitCode === null && p.signalCode === null) {
        process.kill(p.pid, 'SIGKILL');
        await exited;
      }
    }
    // Its containerd and shims run from files under this dir: stop any left (a failed run) by pid.
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (cmd.includes(this.dir)) {
        try {
          process.kill(Number(entry), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    // dockerd makes its data root a private mount of itself and leaves it mounted.
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(this.dir));
    for (const m of mounts.sort().reverse()) spawnSync('umount', ['-l', m]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('node registration, images and faults', { timeout: 300_000 }, () => {
  let cluster: Cluster;
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-nf-'));
  const registry = new Registry();
  const docker = new Docker({ socketPath: '/var/run/docker.sock', version: 'v1.41' });
  const repo = `skiff-e2e-${randomBytes(4).toString('hex')}/busybox`;
  let remote = '';
  let variantId = '';
  const renewTimes: string[] = [];
  let leasePoller: NodeJS.Timeout | undefined;
  const listeners: Server[] = [];
  const watchers: { stop: () => void }[] = [];
  let nodeName = '';

  before(async () => {
    const [c] = await Promise.all([startClusterRetrying({ dataDir }), registry.start()]);
    cluster = c;
    nodeName = `${cluster.name}-control-plane`;
    remote = `127.0.0.1:${registry.port}/${repo}`;
    // The registry holds busybox under a fresh name; the local copy of that name is dropped so a pull must fetch it.
    await docker.getImage(BUSYBOX).tag({ repo: remote, tag: '1.36' });
    const auth = { username: USER, password: PASSWORD, serveraddress: `127.0.0.1:${registry.port}` };
    await followPush(docker, await docker.getImage(`${remote}:1.36`).push({ authconfig: auth }));
    await docker.getImage(`${remote}:1.36`).remove();
    // A different image under `:v2` in the registry only, to tell which copy a pod runs.
    run('docker', ['build', '-q', '-t', `${remote}:v2`, '-'], { input: `FROM ${BUSYBOX}\nLABEL io.skiff.e2e=${repo}\n` });
    variantId = imageId(`${remote}:v2`);
    await followPush(docker, await docker.getImage(`${remote}:v2`).push({ authconfig: auth }));
    await docker.getImage(`${remote}:v2`).remove();
    await eventually(() => cluster.kubectl(['get', 'lease', '-n', 'kube-node-lease', nodeName]).code === 0, 60_000, 500);
    const pollLease = (): void => {
      const r = cluster.kubectl(['get', 'lease', '-n', 'kube-node-lease', nodeName, '-o', 'jsonpath={.spec.renewTime}']);
      if (r.code === 0 && r.stdout && renewTimes[renewTimes.length - 1] !== r.stdout) renewTimes.push(r.stdout);
    };
    pollLease();
    leasePoller = setInterval(pollLease, 1000);
  });

  after(async () => {
    clearInterval(leasePoller);
    for (const l of listeners) l.close();
    for (const w of watchers) w.stop();
    if (cluster) {
      await cluster.stop();
      removeDockerObjects(cluster.name);
    }
    rmSync(dataDir, { recursive: true, force: true });
    for (const ref of [`${remote}:1.36`, `${remote}:v2`]) spawnSync('docker', ['rmi', '-f', ref]);
    if (variantId) spawnSync('docker', ['rmi', '-f', variantId]);
    await registry.stop();
  }, { timeout: 60_000 });

  it('registers its Node with capacity, nodeInfo, addresses and conditions', async () => {
    const node = await until(() => {
      const n = JSON.parse(cluster.k(['get', 'node', nodeName, '-o', 'json'])) as Node;
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? n : undefined;
    }, 60_000, 500);
    const st = node.status ?? {};
    const memKi = `${Math.floor(totalmem() / 1024)}Ki`;
    const meminfo = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    assert.equal(memKi, `${meminfo?.[1]}Ki`, 'the reference value should be the host MemTotal');
    for (const res of [st.capacity, st.allocatable]) {
      assert.equal(res?.cpu, String(cpus().length));
      assert.equal(res?.memory, memKi);
      assert.equal(res?.pods, '110');
    }
    const dockerVersion = run('docker', ['version', '--format', '{{.Server.Version}}']).trim();
    const info = st.nodeInfo;
    assert.equal(info?.operatingSystem, 'linux');
    assert.equal(info?.architecture, process.arch === 'x64' ? 'amd64' : process.arch);
    assert.equal(info?.kernelVersion, release());
    assert.equal(info?.containerRuntimeVersion, `docker://${dockerVersion}`);
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    assert.equal(info?.osImage, pretty);
    assert.match(info?.kubeletVersion ?? '', /^v1\.\d+\.\d+/);

    // The InternalIP is the cluster network's gateway: the address pods and the host share.
    const gateway = run('docker', ['network', 'inspect', '--format', '{{(index .IPAM.Config 0).Gateway}}', `skiff-${cluster.name}`]).trim();
    assert.deepEqual(st.addresses, [{ type: 'InternalIP', address: gateway }, { type: 'Hostname', address: hostname() }]);

    const conds = Object.fromEntries((st.conditions ?? []).map((c) => [c.type, c]));
    assert.deepEqual(Object.keys(conds).sort(), ['DiskPressure', 'MemoryPressure', 'PIDPressure', 'Ready']);
    assert.equal(conds.Ready.status, 'True');
    assert.equal(conds.Ready.reason, 'KubeletReady');
    for (const t of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) assert.equal(conds[t].status, 'False', t);
    for (const c of Object.values(conds)) {
      assert.ok(c.lastHeartbeatTime && c.lastTransitionTime && c.message, JSON.stringify(c));
    }

    const wide = lines(cluster.k(['get', 'nodes', '-o', 'wide']));
    const header = wide[0].split(/\s{2,}/);
    assert.deepEqual(header, ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
    const row = wide.find((l) => l.startsWith(`${nodeName} `))?.split(/\s{2,}/) ?? [];
    const cell = (h: string): string => row[header.indexOf(h)];
    assert.equal(cell('STATUS'), 'Ready');
    assert.equal(cell('ROLES'), 'control-plane');
    assert.equal(cell('VERSION'), info?.kubeletVersion);
    assert.equal(cell('INTERNAL-IP'), gateway);
    assert.equal(cell('EXTERNAL-IP'), '<none>');
    assert.equal(cell('OS-IMAGE'), pretty);
    assert.equal(cell('KERNEL-VERSION'), release());
    assert.equal(cell('CONTAINER-RUNTIME'), `docker://${dockerVersion}`);
  });

  it('pulls from a private registry only with its imagePullSecret, showing the registry message and Pulling/Pulled events', async () => {
    cluster.k(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=127.0.0.1:${registry.port}`, `--docker-username=${USER}`, `--docker-password=${PASSWORD}`]);
    cluster.k(['apply', '-f', '-'], { input: pod('no-secret', `${remote}:1.36`) });
    cluster.k(['apply', '-f', '-'], { input: pod('missing', `${remote}:no-such-tag`, { secret: 'regcred' }) });
    const noSecret = watchWaiting(cluster, 'no-secret');
    const missingWatch = watchWaiting(cluster, 'missing');
    watchers.push(noSecret, missingWatch);
    // ErrImagePull first, then the back-off; the status keeps the registry's message throughout.
    const backoff = await until(() => {
      const w = waitingReason(cluster, 'no-secret');
      return w.reason === 'ImagePullBackOff' ? w : undefined;
    }, 60_000, 500);
    await eventually(() => noSecret.reasons().includes('ImagePullBackOff'), 10_000, 200);
    const seen = noSecret.reasons();
    assert.ok(seen.indexOf('ErrImagePull') >= 0 && seen.indexOf('ErrImagePull') < seen.indexOf('ImagePullBackOff'), seen.join(' -> '));
    assert.match(backoff.message ?? '', /no basic auth credentials/);
    assert.match(backoff.message ?? '', new RegExp(`Back-off pulling image "${remote}:1.36"`));
    const described = cluster.k(['describe', 'pod', 'no-secret']);
    assert.match(described, /Reason:\s+(ErrImagePull|ImagePullBackOff)/);
    assert.match(described, /Failed to pull image ".*": .*no basic auth credentials/);
    assert.match(described, /Error: ErrImagePull/);
    assert.match(described, /Back-off pulling image/);
    assert.equal(getPod(cluster, 'no-secret').status?.phase, 'Pending');

    // A tag the registry does not have: the same path, with the registry's "manifest unknown".
    await eventually(() => missingWatch.reasons().includes('ImagePullBackOff'), 60_000, 500);
    const seenMissing = missingWatch.reasons();
    assert.ok(seenMissing.indexOf('ErrImagePull') >= 0 && seenMissing.indexOf('ErrImagePull') < seenMissing.indexOf('ImagePullBackOff'), seenMissing.join(' -> '));
    assert.match(waitingReason(cluster, 'missing').message ?? '', /manifest unknown/);
    for (const w of [noSecret, missingWatch]) w.stop();
    const missing = events(cluster, 'missing').join('\n');
    assert.match(missing, /Failed: Failed to pull image ".*:no-such-tag": .*manifest unknown/);
    assert.match(missing, /Failed: Error: ErrImagePull/);
    assert.match(missing, /BackOff: Back-off pulling image/);

    // With the secret the same image pulls (the image is not on the machine until now).
    cluster.k(['apply', '-f', '-'], { input: pod('private', `${remote}:1.36`, { secret: 'regcred' }) });
    const running = await until(() => isRunning(cluster, 'private'), 90_000, 500);
    assert.equal(engineImageOf(running), imageId(BUSYBOX));
    const ev = events(cluster, 'private');
    const pulling = ev.findIndex((e) => e === `Pulling: Pulling image "${remote}:1.36"`);
    const pulled = ev.findIndex((e) => e.startsWith(`Pulled: Successfully pulled image "${remote}:1.36"`));
    assert.ok(pulling >= 0 && pulled > pulling, ev.join('\n'));
    assert.ok(ev.includes('Started: Started container main'), ev.join('\n'));
  });

  it('follows imagePullPolicy Always, IfNotPresent and Never', async () => {
    // Locally `:v2` is tagged to plain busybox, while the registry's `:v2` is the variant.
    run('docker', ['tag', BUSYBOX, `${remote}:v2`]);
    cluster.k(['apply', '-f', '-'], { input: pod('if-not-present', `${remote}:v2`, { secret: 'regcred', pullPolicy: 'IfNotPresent' }) });
    cluster.k(['apply', '-f', '-'], { input: pod('never-present', BUSYBOX, { pullPolicy: 'Never' }) });
    cluster.k(['apply', '-f', '-'], { input: pod('never-missing', `${remote}:absent`, { pullPolicy: 'Never' }) });
    const local = await until(() => isRunning(cluster, 'if-not-present'), 90_000, 500);
    assert.equal(engineImageOf(local), imageId(BUSYBOX), 'IfNotPresent must use the local copy');
    assert.ok(events(cluster, 'if-not-present').includes(`Pulled: Container image "${remote}:v2" already present on machine`));
    assert.ok(!events(cluster, 'if-not-present').some((e) => e.startsWith('Pulling:')));

    cluster.k(['apply', '-f', '-'], { input: pod('always', `${remote}:v2`, { secret: 'regcred', pullPolicy: 'Always' }) });
    const always = await until(() => isRunning(cluster, 'always'), 90_000, 500);
    assert.equal(engineImageOf(always), variantId, 'Always must fetch the registry copy');
    assert.ok(events(cluster, 'always').some((e) => e.startsWith(`Pulled: Successfully pulled image "${remote}:v2"`)));

    await eventually(() => isRunning(cluster, 'never-present'), 60_000, 500);
    const never = await until(() => {
      const w = waitingReason(cluster, 'never-missing');
      return w.reason === 'ErrImageNeverPull' ? w : undefined;
    }, 60_000, 200);
    assert.equal(never.message, `Container image "${remote}:absent" is not present with pull policy of Never`);
    assert.ok(events(cluster, 'never-missing').some((e) => e.startsWith('ErrImageNeverPull:')));
    assert.ok(!events(cluster, 'never-missing').some((e) => e.startsWith('Pulling:')));
    assert.equal(getPod(cluster, 'never-missing').status?.phase, 'Pending');
  });

  it('reports a taken hostPort and recovers once it is free', async () => {
    const port = await freePort();
    const taken = createServer((s) => s.destroy());
    listeners.push(taken);
    await new Promise<void>((r) => taken.listen(port, '127.0.0.1', () => r()));
    cluster.k(['apply', '-f', '-'], { input: pod('hostport', BUSYBOX, { command: ['httpd', '-f', '-p', '8080', '-h', '/etc'], ports: [{ containerPort: 8080, hostPort: port }] }) });
    const failed = await until(() => events(cluster, 'hostport').find((e) => e.startsWith('FailedCreatePodSandBox:')), 60_000, 500);
    assert.match(failed, new RegExp(`${port}.*(address already in use|port is already allocated)`));
    const p = getPod(cluster, 'hostport');
    assert.equal(p.status?.phase, 'Pending');
    assert.equal(p.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'ContainerCreating');
    assert.match(cluster.k(['describe', 'pod', 'hostport']), /FailedCreatePodSandBox/);

    await new Promise<void>((r) => taken.close(() => r()));
    await eventually(() => isRunning(cluster, 'hostport'), 90_000, 500);
    // The published port now reaches the pod's httpd.
    assert.equal(await eventually(() => httpStatus(port, '/hostname').then((s) => (s === 200 ? s : 0)), 30_000, 500), 200);
  });

  it('renews its Lease in kube-node-lease about every 10 s', async () => {
    await eventually(() => renewTimes.length >= 3, 60_000, 500);
    clearInterval(leasePoller);
    const lease = JSON.parse(cluster.k(['get', 'lease', '-n', 'kube-node-lease', nodeName, '-o', 'json'])) as { spec: { holderIdentity: string; leaseDurationSeconds: number }; metadata: { ownerReferences?: { kind: string; name: string }[] } };
    assert.equal(lease.spec.holderIdentity, nodeName);
    assert.equal(lease.spec.leaseDurationSeconds, 40);
    assert.deepEqual(lease.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`), [`Node/${nodeName}`]);
    const times = renewTimes.map((t) => Date.parse(t));
    for (let i = 1; i < times.length; i++) {
      const gap = times[i] - times[i - 1];
      // Renewals come on a 10 s tick: never in bursts, and always well inside the 40 s lease.
      assert.ok(gap >= 5000 && gap < 40_000, `renewTime gaps: ${renewTimes.join(', ')}`);
    }
  });
});

describe('a stopped Docker engine', { timeout: 300_000 }, () => {
  const engine = new PrivateDockerd();
  let cluster: Cluster | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-nf-eng-'));
  const name = `nfeng${process.pid}${Math.floor(Math.random() * 1e4)}`;

  before(async () => {
    await engine.start();
    // The private engine has no registry to pull from: it gets the images from the machine's engine.
    const load = spawnSync('sh', ['-c', `docker save ${SANDBOX} ${BUSYBOX} | docker -H ${engine.host} load`], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(load.status, 0, load.stderr);
    cluster = await startClusterRetrying({ name, dataDir, extraArgs: ['--docker-socket', engine.socket] });
  });

  after(async () => {
    if (cluster) await cluster.stop();
    await engine.cleanup(name);
    rmSync(dataDir, { recursive: true, force: true });
    assert.ok(!existsSync(engine.dir));
  }, { timeout: 90_000 });

  it('marks the node NotReady while the engine is down and recovers the pod when it returns', async () => {
    const c = cluster as Cluster;
    const node = `${name}-control-plane`;
    const ready = (): { status?: string; reason?: string; message?: string } => {
      const n = JSON.parse(c.k(['get', 'node', node, '-o', 'json'])) as Node;
      return n.status?.conditions?.find((x) => x.type === 'Ready') ?? {};
    };
    await eventually(() => ready().status === 'True', 60_000, 500);
    assert.match(c.k(['get', 'node', node, '-o', 'jsonpath={.status.nodeInfo.containerRuntimeVersion}']), /^docker:\/\/20\./);
    c.k(['create', 'configmap', 'settings', '--from-literal=mode=fast']);
    c.k(['apply', '-f', '-'], { input: pod('survivor', BUSYBOX) });
    const before = await until(() => isRunning(c, 'survivor'), 90_000, 500);
    assert.equal(engineImageOf(before, engine.host), run('docker', ['-H', engine.host, 'image', 'inspect', '--format', '{{.Id}}', BUSYBOX]).trim());

    await engine.kill();
    const down = await until(() => {
      const r = ready();
      return r.status === 'False' || r.status === 'Unknown' ? r : undefined;
    }, 60_000, 500);
    assert.equal(down.reason, 'KubeletNotReady');
    assert.match(down.message ?? '', /container runtime is down/);
    assert.match(down.message ?? '', new RegExp(engine.socket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.match(lines(c.k(['get', 'nodes']))[1], new RegExp(`^${node}\\s+NotReady\\s`));
    // The API keeps every object while the engine is away.
    assert.equal(getPod(c, 'survivor').metadata?.uid, before.metadata?.uid);

    await engine.start();
    await eventually(() => ready().status === 'True', 60_000, 500);
    assert.match(lines(c.k(['get', 'nodes']))[1], new RegExp(`^${node}\\s+Ready\\s`));
    // The engine killed the pod's containers on its way back; the agent runs the pod again.
    // Until the agent has synced, the status may still name the container from before the outage.
    const after = await until(() => {
      const p = isRunning(c, 'survivor');
      const id = (p?.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^docker:\/\//, '');
      const r = id ? spawnSync('docker', ['-H', engine.host, 'inspect', '--format', '{{.State.Running}}', id], { encoding: 'utf8' }) : undefined;
      return r?.stdout.trim() === 'true' ? p : undefined;
    }, 90_000, 500);
    assert.equal(after.metadata?.uid, before.metadata?.uid);
    assert.equal(after.spec?.nodeName, node);
    assert.equal(c.k(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.mode}']), 'fast');
    // Exactly one sandbox and one app container run for the pod: nothing was duplicated.
    const uid = after.metadata?.uid ?? '';
    assert.equal(lines(run('docker', ['-H', engine.host, 'ps', '-q', '--filter', `label=io.kubernetes.pod.uid=${uid}`])).length, 2);
  });
});
