// Pod benchmark against a real `skiff up` and its node agent: apply → Ready vs a raw dockerode pod, a 1/s ramp, restart after kill (vs Swarm),
// idle CPU/RSS of the whole `skiff up` process and of a separate `skiff agent` process running 20 pods.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import Docker from 'dockerode';
import { fmtMs, Http, markdownTable, median, percentile, readCreds, ROOT, sampleIdle, sleep, startSkiff, stopChild, type Creds, type IdleSample, type ResultRow, type Skiff } from './lib.js';

/** Bounds: every loop stops at a count or a deadline. */
const SEQ_PODS = 15;
const RAMP_PODS = 30;
const RAMP_INTERVAL_MS = 1_000;
const KILLS = 10;
const SWARM_KILLS = 5;
const IDLE_PODS = 20;
const IDLE_SECONDS = 20;
const READY_DEADLINE_MS = 60_000;
const RESTART_DEADLINE_MS = 20_000;

const SANDBOX_IMAGE = 'skiff/sandbox:0.1';
const APP_IMAGE = 'skiff/busybox:1.36';
/** Exits at once on SIGTERM (busybox sleep as PID 1 would ignore it), so deletes and cleanup stay fast. */
const APP_CMD = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'];
const NS = 'default';
const BENCH_LABEL = 'io.skiff.bench';
/** The node a separate `skiff agent` process joins for the idle measurement. */
const JOINED_NODE = 'bench-joined';

/** Wall-clock milliseconds with sub-ms resolution: comparable with the engine's event timeNano. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

function podManifest(name: string, nodeName?: string): object {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: NS, labels: { bench: 'podstart' } },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      terminationGracePeriodSeconds: 2,
      containers: [{ name: 'app', image: APP_IMAGE, imagePullPolicy: 'IfNotPresent', command: APP_CMD }],
    },
  };
}

interface PodTimes {
  uid?: string;
  applyAt?: number;
  createdAt?: number;
  scheduledAt?: number;
  readyAt?: number;
}

interface WatchedPod {
  metadata?: { name?: string; uid?: string };
  spec?: { nodeName?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/** One watch on the bench's pods: the first time each pod is seen bound and Ready=True. */
class PodWatch {
  readonly pods = new Map<string, PodTimes>();
  private res?: IncomingMessage;
  private waiters: (() => void)[] = [];

  constructor(private readonly base: URL, private readonly creds: Creds) {}

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({
        hostname: this.base.hostname, port: this.base.port, method: 'GET', ca: this.creds.ca, agent: false,
        path: `/api/v1/namespaces/${NS}/pods?watch=1&labelSelector=bench%3Dpodstart&allowWatchBookmarks=false`,
        headers: { Authorization: `Bearer ${this.creds.token}`, Accept: 'application/json' },
      }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch: ${res.statusCode}`));
        this.res = res;
        let pending = '';
        res.on('data', (chunk: Buffer) => {
          const at = now();
          pending += chunk.toString('utf8');
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            if (line.trim()) this.onEvent(JSON.parse(line) as { type: string; object: WatchedPod }, at);
          }
        });
        res.on('error', () => undefined);
        resolve();
      });
      req.on('error', reject);
      req.end();
    });
  }

  private onEvent(ev: { type: string; object: WatchedPod }, at: number): void {
    const name = ev.object.metadata?.name;
    if (!name || ev.type === 'DELETED') return;
    const t = this.times(name);
    if (ev.object.spec?.nodeName && t.scheduledAt === undefined) t.scheduledAt = at;
    const ready = ev.object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (ready && t.readyAt === undefined) t.readyAt = at;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  times(name: string): PodTimes {
    let t = this.pods.get(name);
    if (!t) this.pods.set(name, (t = {}));
    return t;
  }

  /** Resolves when `done()` holds, or rejects after the deadline. */
  async until(done: () => boolean, deadlineMs: number, what: string): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (!done()) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  stop(): void {
    this.res?.destroy();
  }
}

interface EngineEvent {
  at: number;
  engineAt: number;
  action: string;
  id: string;
  labels: Record<string, string>;
}

/** The engine's container events (create/start/die) as they arrive, for the per-step breakdown and the restart timing. */
class EngineEvents {
  readonly events: EngineEvent[] = [];
  private stream?: Readable;
  private waiters: (() => void)[] = [];

  constructor(private readonly docker: Docker) {}

  async start(): Promise<void> {
    const stream = (await this.docker.getEvents({ filters: { type: ['container'], event: ['create', 'start', 'die'] } })) as unknown as Readable;
    this.stream = stream;
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      const at = now();
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line) continue;
        const ev = JSON.parse(line) as { Action?: string; timeNano?: number; Actor?: { ID?: string; Attributes?: Record<string, string> } };
        this.events.push({ at, engineAt: (ev.timeNano ?? 0) / 1e6, action: ev.Action ?? '', id: ev.Actor?.ID ?? '', labels: ev.Actor?.Attributes ?? {} });
      }
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    stream.on('error', () => undefined);
  }

  /** First event (from index `from`) matching `pred`, waiting up to the deadline. */
  async find(pred: (e: EngineEvent) => boolean, from: number, deadlineMs: number): Promise<EngineEvent | undefined> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      const hit = this.events.slice(from).find(pred);
      if (hit) return hit;
      const left = end - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  podEvent(uid: string, type: 'podsandbox' | 'container', action: string): EngineEvent | undefined {
    return this.events.find((e) => e.action === action && e.labels['io.kubernetes.pod.uid'] === uid && e.labels['io.kubernetes.docker.type'] === type);
  }

  stop(): void {
    this.stream?.destroy();
  }
}

/** Where one pod's apply → Ready went, in ms. */
interface Breakdown {
  total: number;
  post: number;
  schedule: number;
  toSandboxCreate: number;
  sandboxStart: number;
  toAppCreate: number;
  appStart: number;
  toReady: number;
}

export interface PodStartResult {
  loadStart: number;
  loadEnd: number;
  raw: { total: number; sandboxCreate: number; sandboxStart: number; appCreate: number; appStart: number }[];
  skiff: Breakdown[];
  ramp: { latencies: number[]; missing: number; breakdown: Breakdown[] };
  restarts: number[];
  /** Per restart, ms after the kill call: the engine's die event and the new container's create event. */
  restartSteps: { die: number; create: number }[];
  restartReady: number[];
  restartMissing: number;
  swarm: { heals: number[]; missing: number; note: string };
  idle?: IdleSample;
  idlePods: number;
  /** The same pods count on a node served by its own `skiff agent` process: that process alone. */
  agentIdle?: IdleSample;
  agentIdlePods: number;
}

function breakdownOf(t: PodTimes, ev: EngineEvents): Breakdown | undefined {
  if (!t.uid || t.applyAt === undefined || t.readyAt === undefined) return undefined;
  const sc = ev.podEvent(t.uid, 'podsandbox', 'create');
  const ss = ev.podEvent(t.uid, 'podsandbox', 'start');
  const ac = ev.podEvent(t.uid, 'container', 'create');
  const as = ev.podEvent(t.uid, 'container', 'start');
  const sched = t.scheduledAt ?? t.applyAt;
  const nan = Number.NaN;
  return {
    total: t.readyAt - t.applyAt,
    post: (t.createdAt ?? nan) - t.applyAt,
    schedule: sched - t.applyAt,
    toSandboxCreate: (sc?.engineAt ?? nan) - sched,
    sandboxStart: (ss?.engineAt ?? nan) - (sc?.engineAt ?? nan),
    toAppCreate: (ac?.engineAt ?? nan) - (ss?.engineAt ?? nan),
    appStart: (as?.engineAt ?? nan) - (ac?.engineAt ?? nan),
    toReady: t.readyAt - (as?.engineAt ?? nan),
  };
}

/** A two-container pod straight through the engine API: sandbox, then the app joined to its namespaces. */
async function rawPod(docker: Docker, network: string, i: number): Promise<PodStartResult['raw'][number]> {
  const labels = { [BENCH_LABEL]: '1' };
  const t0 = now();
  const sandbox = await docker.createContainer({
    name: `skiff-bench-raw-${process.pid}-${i}-pod`, Image: SANDBOX_IMAGE, Labels: labels,
    HostConfig: { NetworkMode: network, IpcMode: 'shareable', RestartPolicy: { Name: 'no' } },
  });
  const t1 = now();
  await sandbox.start();
  const t2 = now();
  const app = await docker.createContainer({
    name: `skiff-bench-raw-${process.pid}-${i}-app`, Image: APP_IMAGE, Cmd: APP_CMD, Labels: labels,
    HostConfig: { NetworkMode: `container:${sandbox.id}`, IpcMode: `container:${sandbox.id}`, RestartPolicy: { Name: 'no' } },
  });
  const t3 = now();
  await app.start();
  const t4 = now();
  return { total: t4 - t0, sandboxCreate: t1 - t0, sandboxStart: t2 - t1, appCreate: t3 - t2, appStart: t4 - t3 };
}

async function applyPod(http: Http, watch: PodWatch, name: string, nodeName?: string): Promise<void> {
  const t = watch.times(name);
  t.applyAt = now();
  const r = await http.ok('POST', `/api/v1/namespaces/${NS}/pods`, podManifest(name, nodeName));
  t.createdAt = now();
  t.uid = (JSON.parse(r.body.toString('utf8')) as { metadata: { uid: string } }).metadata.uid;
}

async function removeLabelled(docker: Docker, label: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [label] } });
  // Containers in another's network namespace go first: removing a sandbox and its members at the same time can leave
  // a stale endpoint behind, and the network then refuses removal ("has active endpoints").
  const joined = (c: Docker.ContainerInfo): boolean => (c.HostConfig?.NetworkMode ?? '').startsWith('container:');
  const rm = (c: Docker.ContainerInfo): Promise<unknown> => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  await Promise.all(list.filter(joined).map(rm));
  await Promise.all(list.filter((c) => !joined(c)).map(rm));
}

/** Everything a cluster left in the engine: containers, then its networks and volumes. */
async function cleanupCluster(docker: Docker, cluster: string): Promise<void> {
  const label = `io.skiff.cluster=${cluster}`;
  await removeLabelled(docker, label);
  const nets = await docker.listNetworks({ filters: { label: [label] } });
  for (const n of nets) {
    // A loaded engine can report "active endpoints" for a moment after the last container went.
    for (let i = 0; i < 10; i++) {
      const ok = await docker.getNetwork(n.Id).remove().then(() => true, () => false);
      if (ok) break;
      await sleep(1_000);
    }
  }
  const vols = await docker.listVolumes({ filters: { label: [label] } });
  for (const v of vols.Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
}

/** `skiff agent` joining the cluster as JOINED_NODE with the node token `skiff up` wrote; resolves once it has joined. */
async function startJoinedAgent(skiff: Skiff, log: (s: string) => void): Promise<ChildProcess> {
  const token = readFileSync(join(skiff.dataDir, 'node-token'), 'utf8').trim();
  // SKIFF_BENCH_AGENT_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the agent process.
  const nodeArgs = (process.env.SKIFF_BENCH_AGENT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [
    ...nodeArgs, join(ROOT, 'bin/skiff.js'), 'agent', '--server', skiff.url, '--token', token, '--name', JOINED_NODE,
    '--ca-file', join(skiff.dataDir, 'pki', 'ca.crt'), '--data-dir', join(skiff.dataDir, 'joined-agent'),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolveJoined, reject) => {
    const timer = setTimeout(() => reject(new Error(`skiff agent did not join in 60 s:\n${out}`)), 60_000);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`skiff agent exited with ${code}:\n${out}`));
    };
    child.once('exit', onExit);
    child.stdout?.on('data', () => {
      if (!out.includes('joined cluster')) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolveJoined();
    });
  });
  log(`skiff agent ${JOINED_NODE} joined (pid ${child.pid})`);
  return child;
}

/** The app container of a pod that is running now, or undefined. */
async function runningApp(docker: Docker, uid: string): Promise<string | undefined> {
  const list = await docker.listContainers({ filters: { label: [`io.kubernetes.pod.uid=${uid}`, 'io.kubernetes.container.name=app'], status: ['running'] } });
  return list[0]?.Id;
}

/** Swarm's self-heal on the same engine: 1 replica, kill its container, time until the replacement's start event. Runs last. */
async function runSwarm(docker: Docker, events: EngineEvents, log: (s: string) => void): Promise<PodStartResult['swarm']> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
  const wasActive = info.Swarm?.LocalNodeState === 'active';
  const heals: number[] = [];
  let missing = 0;
  const serviceName = `skiff-bench-heal-${process.pid}`;
  if (!wasActive) {
    const r = spawnSync('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) return { heals, missing: SWARM_KILLS, note: `swarm init failed: ${r.stderr.trim()}` };
  }
  try {
    await docker.createService({
      Name: serviceName,
      Labels: { [BENCH_LABEL]: '1' },
      TaskTemplate: {
        ContainerSpec: { Image: APP_IMAGE, Command: APP_CMD, Labels: { [BENCH_LABEL]: '1' } },
        // Restart at once (the CLI's default --restart-delay is 5 s): Swarm's fastest self-heal.
        RestartPolicy: { Condition: 'any', Delay: 0 },
        // This engine has no docker0 bridge, so a task on the default network fails to start; a sleeping task needs no network.
        Networks: [{ Target: 'host' }],
      },
      Mode: { Replicated: { Replicas: 1 } },
    });
    const byService = `com.docker.swarm.service.name=${serviceName}`;
    for (let k = 0; k < SWARM_KILLS; k++) {
      let id: string | undefined;
      const end = Date.now() + 30_000;
      while (!id && Date.now() < end) {
        id = (await docker.listContainers({ filters: { label: [byService], status: ['running'] } }))[0]?.Id;
        if (!id) await sleep(100);
      }
      if (!id) {
        missing++;
        continue;
      }
      await sleep(1_000);
      const from = events.events.length;
      const t0 = now();
      await docker.getContainer(id).kill().catch(() => undefined);
      const ev = await events.find((e) => e.action === 'start' && e.id !== id && e.labels['com.docker.swarm.service.name'] === serviceName, from, RESTART_DEADLINE_MS);
      if (ev) heals.push(ev.engineAt - t0);
      else missing++;
      log(`swarm heal ${k + 1}/${SWARM_KILLS}: ${ev ? fmtMs(ev.engineAt - t0) : 'missing'}`);
    }
  } finally {
    await docker.getService(serviceName).remove().catch(() => undefined);
    if (!wasActive) spawnSync('docker', ['swarm', 'leave', '--force'], { encoding: 'utf8', timeout: 30_000 });
    await removeLabelled(docker, `${BENCH_LABEL}=1`);
  }
  return { heals, missing, note: wasActive ? 'engine was already in a swarm; left it in place' : 'swarm init on 127.0.0.1, left with --force afterwards' };
}

export async function runPodStart(log: (s: string) => void = (s) => void process.stderr.write(`[pod-start] ${s}\n`)): Promise<PodStartResult> {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const cluster = `podbench${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-pods-'));
  const events = new EngineEvents(docker);
  const result: PodStartResult = {
    loadStart: loadavg()[0], loadEnd: 0, raw: [], skiff: [], ramp: { latencies: [], missing: 0, breakdown: [] },
    restarts: [], restartSteps: [], restartReady: [], restartMissing: 0, swarm: { heals: [], missing: 0, note: '' }, idlePods: 0, agentIdlePods: 0,
  };
  let skiff: Skiff | undefined;
  let joined: ChildProcess | undefined;
  let watch: PodWatch | undefined;
  let http: Http | undefined;
  try {
    await events.start();
    skiff = await startSkiff(dir, 0, 60_000, cluster);
    const creds = readCreds(dir);
    http = new Http(new URL(skiff.url), creds, 8);
    watch = new PodWatch(new URL(skiff.url), creds);
    await watch.start();
    const w = watch;
    const h = http;
    // The raw pods use the cluster's own network, so both sides pay the same network setup.
    const network = `skiff-${cluster}`;
    await docker.getNetwork(network).inspect();

    // Warm-up (not counted): one pod each way, so first-use costs (image inspect caches, JIT) are out.
    await rawPod(docker, network, 999);
    await removeLabelled(docker, `${BENCH_LABEL}=1`);
    await applyPod(h, w, 'warm');
    await w.until(() => w.times('warm').readyAt !== undefined, READY_DEADLINE_MS, 'warm-up pod Ready');

    // (1)+(2) interleaved, so both sides see the same machine load.
    for (let i = 0; i < SEQ_PODS; i++) {
      result.raw.push(await rawPod(docker, network, i));
      const name = `seq-${i}`;
      await applyPod(h, w, name);
      await w.until(() => w.times(name).readyAt !== undefined, READY_DEADLINE_MS, `${name} Ready`);
      await sleep(200);
      const b = breakdownOf(w.times(name), events);
      if (b) result.skiff.push(b);
      log(`pod ${i + 1}/${SEQ_PODS}: raw ${fmtMs(result.raw[i].total)}, skiff apply→Ready ${fmtMs(b?.total ?? Number.NaN)}`);
    }
    await removeLabelled(docker, `${BENCH_LABEL}=1`);

    // (3) 30 pods at 1/s, each measured on its own.
    const t0 = Date.now();
    const posts: Promise<void>[] = [];
    for (let i = 0; i < RAMP_PODS; i++) {
      const wait = t0 + i * RAMP_INTERVAL_MS - Date.now();
      if (wait > 0) await sleep(wait);
      posts.push(applyPod(h, w, `ramp-${i}`));
    }
    await Promise.all(posts);
    const rampNames = Array.from({ length: RAMP_PODS }, (_, i) => `ramp-${i}`);
    await w.until(() => rampNames.every((n) => w.times(n).readyAt !== undefined), READY_DEADLINE_MS, 'ramp pods Ready').catch((err: Error) => log(err.message));
    await sleep(200);
    for (const n of rampNames) {
      const b = breakdownOf(w.times(n), events);
      if (b) {
        result.ramp.latencies.push(b.total);
        result.ramp.breakdown.push(b);
      } else result.ramp.missing++;
    }
    log(`ramp: p99 ${fmtMs(percentile([...result.ramp.latencies].sort((a, b) => a - b), 99))}, missing ${result.ramp.missing}`);

    // Down to IDLE_PODS pods: delete the warm-up, the sequential ones and the first ramp pods.
    const keep = rampNames.slice(RAMP_PODS - IDLE_PODS);
    const drop = [...w.pods.keys()].filter((n) => !keep.includes(n));
    await Promise.all(drop.map((n) => h.request('DELETE', `/api/v1/namespaces/${NS}/pods/${n}`)));
    const dropUids = drop.map((n) => w.times(n).uid).filter((u): u is string => !!u);
    const goneBy = Date.now() + 60_000;
    for (;;) {
      const left = await docker.listContainers({ all: true, filters: { label: [`io.skiff.cluster=${cluster}`] } });
      const still = left.filter((c) => dropUids.includes(c.Labels['io.kubernetes.pod.uid'] ?? '')).length;
      if (still === 0 || Date.now() > goneBy) {
        if (still) log(`${still} containers of deleted pods still present after 60 s`);
        break;
      }
      await sleep(250);
    }

    // (4) kill the app container of KILLS different pods (each pod's first restart has no crash backoff).
    for (let k = 0; k < KILLS; k++) {
      const name = keep[k];
      const uid = w.times(name).uid ?? '';
      const id = await runningApp(docker, uid);
      if (!id) {
        result.restartMissing++;
        continue;
      }
      await sleep(1_000);
      const from = events.events.length;
      const t = w.times(name);
      t.readyAt = undefined;
      const tk = now();
      await docker.getContainer(id).kill();
      const ev = await events.find((e) => e.action === 'start' && e.id !== id && e.labels['io.kubernetes.pod.uid'] === uid && e.labels['io.kubernetes.container.name'] === 'app', from, RESTART_DEADLINE_MS);
      if (ev) {
        result.restarts.push(ev.engineAt - tk);
        const die = events.events.slice(from).find((e) => e.action === 'die' && e.id === id);
        const created = events.events.slice(from).find((e) => e.action === 'create' && e.id === ev.id);
        result.restartSteps.push({ die: (die?.engineAt ?? Number.NaN) - tk, create: (created?.engineAt ?? Number.NaN) - tk });
      } else result.restartMissing++;
      // Ready goes False on the kill and True again once the new container runs.
      await w.until(() => t.readyAt !== undefined && t.readyAt > tk, 10_000, `${name} Ready again`).catch(() => undefined);
      if (t.readyAt !== undefined && t.readyAt > tk) result.restartReady.push(t.readyAt - tk);
      log(`kill ${k + 1}/${KILLS}: running again after ${ev ? fmtMs(ev.engineAt - tk) : 'missing'}`);
    }

    // (5) idle with IDLE_PODS pods on the built-in node: the agent runs inside the skiff process, so this is the whole process.
    await sleep(5_000);
    const runningSandboxes = async (node: string): Promise<number> => (await docker.listContainers({
      filters: { label: [`io.skiff.cluster=${cluster}`, `io.skiff.node=${node}`, 'io.kubernetes.docker.type=podsandbox'], status: ['running'] },
    })).length;
    result.idlePods = await runningSandboxes(`${cluster}-control-plane`);
    log(`idle ${IDLE_SECONDS} s with ${result.idlePods} running pods (whole skiff process)`);
    result.idle = await sampleIdle(skiff.pid, IDLE_SECONDS);

    // (6) idle with IDLE_PODS pods on a node served by a separate `skiff agent` process: the agent alone. Joined only
    // now, so the scheduler had one node for the ramp; the pods name the node, so neither cordon nor scheduler matter.
    await Promise.all(keep.map((n) => h.request('DELETE', `/api/v1/namespaces/${NS}/pods/${n}`)));
    joined = await startJoinedAgent(skiff, log);
    const idleNames = Array.from({ length: IDLE_PODS }, (_, i) => `idle-${i}`);
    for (const n of idleNames) await applyPod(h, w, n, JOINED_NODE);
    await w.until(() => idleNames.every((n) => w.times(n).readyAt !== undefined), READY_DEADLINE_MS, 'pods on the joined node Ready').catch((err: Error) => log(err.message));
    // Settle: the deleted pods' containers go, the joined agent's start-up work ends.
    await sleep(10_000);
    result.agentIdlePods = await runningSandboxes(JOINED_NODE);
    log(`idle ${IDLE_SECONDS} s with ${result.agentIdlePods} running pods (skiff agent process)`);
    result.agentIdle = await sampleIdle(joined.pid ?? 0, IDLE_SECONDS);
  } finally {
    watch?.stop();
    http?.close();
    if (joined) await stopChild(joined);
    await skiff?.stop();
    await cleanupCluster(docker, cluster).catch(() => undefined);
    await removeLabelled(docker, `${BENCH_LABEL}=1`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  try {
    // Last and quick: Swarm shares the engine with everything else on the machine.
    result.swarm = await runSwarm(docker, events, log);
  } finally {
    events.stop();
  }
  result.loadEnd = loadavg()[0];
  return result;
}

function dist(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `median ${fmtMs(percentile(s, 50))}, p99 ${fmtMs(percentile(s, 99))} (min ${fmtMs(s[0] ?? Number.NaN)}, n=${s.length})`;
}

function medianOf(rows: Breakdown[], key: keyof Breakdown): string {
  return median(rows.map((r) => r[key]).filter((v) => !Number.isNaN(v))).toFixed(0);
}

export function breakdownLine(rows: Breakdown[]): string {
  return `POST ${medianOf(rows, 'post')} · apply→bound (scheduler, watch) ${medianOf(rows, 'schedule')} · bound→sandbox create (agent watch, relist) ${medianOf(rows, 'toSandboxCreate')} · sandbox create→start ${medianOf(rows, 'sandboxStart')} · sandbox start→app create (relist, volumes, image check, config) ${medianOf(rows, 'toAppCreate')} · app create→start ${medianOf(rows, 'appStart')} · app start→Ready seen (relist, status write, watch) ${medianOf(rows, 'toReady')} ms (medians)`;
}

export function podStartRows(r: PodStartResult): ResultRow[] {
  const rawMed = median(r.raw.map((x) => x.total));
  const skiffMed = median(r.skiff.map((x) => x.total));
  const ratio = skiffMed / rawMed;
  const rampP99 = percentile([...r.ramp.latencies].sort((a, b) => a - b), 99);
  const restartMed = median(r.restarts);
  const swarmMed = median(r.swarm.heals);
  const rows: ResultRow[] = [
    {
      metric: `raw pod (sandbox + app in its netns) via dockerode, create+start (${r.raw.length} runs)`, value: dist(r.raw.map((x) => x.total)),
      note: `sandbox create ${median(r.raw.map((x) => x.sandboxCreate)).toFixed(0)} · start ${median(r.raw.map((x) => x.sandboxStart)).toFixed(0)} · app create ${median(r.raw.map((x) => x.appCreate)).toFixed(0)} · start ${median(r.raw.map((x) => x.appStart)).toFixed(0)} ms (medians)`,
    },
    {
      metric: `skiff pod apply → Ready, sequential (${r.skiff.length} runs, interleaved with the raw ones)`, value: `${dist(r.skiff.map((x) => x.total))}; ratio of medians ${ratio.toFixed(2)}×`,
      target: '≤ 1.2× raw', pass: ratio <= 1.2, note: breakdownLine(r.skiff),
    },
    {
      metric: `${RAMP_PODS} pods at 1/s, apply → Ready per pod`, value: `${dist(r.ramp.latencies)}${r.ramp.missing ? `, ${r.ramp.missing} not Ready in time` : ''}`,
      target: 'p99 ≤ 1 s', pass: r.ramp.missing === 0 && rampP99 <= 1000, note: r.ramp.breakdown.length ? breakdownLine(r.ramp.breakdown) : '',
    },
    {
      metric: `restartPolicy Always: docker kill of the app → new container running (${KILLS} pods)`, value: `${dist(r.restarts)}${r.restartMissing ? `, ${r.restartMissing} missing` : ''}`,
      target: 'median ≤ 0.5 s', pass: r.restartMissing === 0 && restartMed <= 500,
      note: `engine start event time − kill call; after the kill call (medians): die event ${median(r.restartSteps.map((x) => x.die)).toFixed(0)} · new container create ${median(r.restartSteps.map((x) => x.create)).toFixed(0)} · start ${restartMed.toFixed(0)} ms; Ready=True again in the watch: median ${fmtMs(median(r.restartReady))}`,
    },
    {
      metric: `Docker Swarm self-heal, same engine (${SWARM_KILLS} kills, restart delay 0)`, value: r.swarm.heals.length ? `${dist(r.swarm.heals)}${r.swarm.missing ? `, ${r.swarm.missing} missing` : ''}` : `not measured (${r.swarm.note})`,
      note: r.swarm.heals.length ? `skiff ÷ Swarm medians ${(restartMed / swarmMed).toFixed(2)}; ${r.swarm.note}` : '',
    },
  ];
  if (r.idle) {
    rows.push(
      { metric: `idle CPU, skiff up process (API server + controllers + agent) with ${r.idlePods} pods, ${IDLE_SECONDS} s`, value: `${r.idle.cpuPercent.toFixed(2)}% of a core`, note: 'the built-in node\'s agent runs inside the skiff up process; this is the whole process' },
      { metric: `idle RSS, skiff up process with ${r.idlePods} pods`, value: `${r.idle.rssEndMiB.toFixed(1)} MiB (max ${r.idle.rssMaxMiB.toFixed(1)})`, note: 'whole process, API server included' },
    );
  }
  if (r.agentIdle) {
    rows.push(
      { metric: `idle CPU, skiff agent process with ${r.agentIdlePods} pods, ${IDLE_SECONDS} s`, value: `${r.agentIdle.cpuPercent.toFixed(2)}% of a core`, target: '≤ 1%', pass: r.agentIdlePods === IDLE_PODS && r.agentIdle.cpuPercent <= 1, note: `separate \`skiff agent\` joined as ${JOINED_NODE}; the pods name that node` },
      { metric: `idle RSS, skiff agent process with ${r.agentIdlePods} pods`, value: `${r.agentIdle.rssEndMiB.toFixed(1)} MiB (max ${r.agentIdle.rssMaxMiB.toFixed(1)})`, target: '≤ 60 MiB', pass: r.agentIdlePods === IDLE_PODS && r.agentIdle.rssMaxMiB <= 60, note: 'that process alone' },
    );
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  const r = await runPodStart();
  console.log(markdownTable(podStartRows(r)));
  console.log(`\nraw ms: ${r.raw.map((x) => x.total.toFixed(0)).join(' ')}`);
  console.log(`skiff ms: ${r.skiff.map((x) => x.total.toFixed(0)).join(' ')}`);
  console.log(`ramp ms: ${r.ramp.latencies.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`restart ms: ${r.restarts.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`swarm heal ms: ${r.swarm.heals.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`1-minute load average: ${r.loadStart.toFixed(2)} → ${r.loadEnd.toFixed(2)}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
