// Workload benchmark: a Deployment scaled 0→20 and a rolling update of 5 replicas on skiff, side by side with Docker Swarm
// and the engine's own floor (20 raw two-container pods, 20 single containers) on the same engine; surge samples (also
// with every watch held back 3 s); idle CPU with 100 objects, of the whole process and of controllers + scheduler alone.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Docker from 'dockerode';
import { engineFloor, POOL, type FloorSample } from './engine-floor.js';
import { CLOCK_TICKS, cpuTicks, fmtMs, Http, markdownTable, median, readCreds, ROOT, sampleIdle, sleep, startSkiff, stopChild, type IdleSample, type ResultRow, type Skiff } from './lib.js';

/** Bounds: every wait stops at a deadline, every loop at a count. */
const RUNS = 2;
const SCALE_TO = 20;
const ROLL_REPLICAS = 5;
const IDLE_OBJECTS = 100;
const IDLE_SECONDS = 20;
const DEADLINE_MS = 120_000;
const SWARM_FIRST_TASK_MS = 30_000;
const WATCH_DELAY_MS = 3_000;
const SAMPLE_MS = 100;

const APP_IMAGE = 'skiff/busybox:1.36';
/** Exits at once on SIGTERM, so scale-downs and cleanup stay quick on both sides. */
const APP_CMD = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'];
const NS = 'default';

interface DeploymentStatus {
  metadata?: { generation?: number };
  status?: { observedGeneration?: number; replicas?: number; readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number };
}

interface PodList {
  items: { metadata?: { deletionTimestamp?: string } }[];
}

function deployment(name: string, replicas: number): object {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'app', image: APP_IMAGE, imagePullPolicy: 'IfNotPresent', command: APP_CMD }] },
      },
    },
  };
}

const depPath = (name: string): string => `/apis/apps/v1/namespaces/${NS}/deployments/${name}`;

async function status(http: Http, name: string): Promise<DeploymentStatus> {
  return JSON.parse((await http.ok('GET', depPath(name))).body.toString('utf8')) as DeploymentStatus;
}

/** Polls until `done` holds for the Deployment; resolves with the elapsed ms. */
async function until(http: Http, name: string, done: (d: DeploymentStatus) => boolean, t0: number, onSample?: () => Promise<void>): Promise<number> {
  while (performance.now() - t0 < DEADLINE_MS) {
    const d = await status(http, name);
    if (done(d)) return performance.now() - t0;
    if (onSample) await onSample();
    await sleep(onSample ? SAMPLE_MS : 25);
  }
  throw new Error(`deployment ${name} did not converge in ${DEADLINE_MS} ms`);
}

async function podsOf(http: Http, app: string): Promise<PodList['items']> {
  return (JSON.parse((await http.ok('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3D${app}`)).body.toString('utf8')) as PodList).items;
}

/** Pods not yet being deleted: what maxSurge bounds. */
async function livePods(http: Http, app: string): Promise<number> {
  return (await podsOf(http, app)).filter((p) => !p.metadata?.deletionTimestamp).length;
}

/** Every pod still in the API, terminating ones included. */
async function allPods(http: Http, app: string): Promise<number> {
  return (await podsOf(http, app)).length;
}

/** CPU seconds used so far by dockerd and containerd. */
function engineCpu(): number {
  const pids = spawnSync('pidof', ['dockerd', 'containerd'], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean).map(Number);
  return pids.reduce((sum, pid) => sum + cpuTicks(pid), 0) / CLOCK_TICKS;
}

const complete = (replicas: number) => (d: DeploymentStatus): boolean =>
  (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && d.status?.replicas === replicas &&
  d.status?.updatedReplicas === replicas && d.status?.availableReplicas === replicas;

export interface RolloutSample {
  ms: number;
  maxPods: number;
}

/** Rolling updates of a 5-replica Deployment (default strategy: maxSurge 25% → 2), sampling live pods every 100 ms. */
async function rollouts(http: Http, name: string, runs: number): Promise<RolloutSample[]> {
  await http.ok('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment(name, ROLL_REPLICAS));
  await until(http, name, complete(ROLL_REPLICAS), performance.now());
  const out: RolloutSample[] = [];
  for (let i = 0; i < runs; i++) {
    let maxPods = 0;
    const t0 = performance.now();
    await http.mergePatch(depPath(name), { spec: { template: { metadata: { annotations: { 'bench/rev': String(i + 1) } } } } });
    const ms = await until(http, name, complete(ROLL_REPLICAS), t0, async () => {
      maxPods = Math.max(maxPods, await livePods(http, name));
    });
    maxPods = Math.max(maxPods, await livePods(http, name));
    out.push({ ms, maxPods });
  }
  await http.request('DELETE', depPath(name));
  return out;
}

async function withSkiff<T>(name: string, env: Record<string, string>, fn: (s: Skiff, http: Http) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-wl-'));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let s: Skiff | undefined;
  let http: Http | undefined;
  try {
    s = await startSkiff(dataDir, 0, 60_000, name);
    http = new Http(new URL(s.url), readCreds(dataDir), 8);
    // Pods need the node; wait for it to register.
    const t0 = performance.now();
    while (performance.now() - t0 < 60_000) {
      const nodes = JSON.parse((await http.ok('GET', '/api/v1/nodes')).body.toString('utf8')) as { items: unknown[] };
      if (nodes.items.length) break;
      await sleep(100);
    }
    return await fn(s, http);
  } finally {
    process.env = saved;
    http?.close();
    await s?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface WorkloadResult {
  scale: number[];
  /** CPU seconds during each 0→20: the skiff process, and dockerd + containerd (shims and runc not counted). */
  scaleCpu: { skiff: number; engine: number }[];
  rollouts: RolloutSample[];
  delayedRollouts: RolloutSample[];
  idle?: IdleSample;
  /** The controller manager and scheduler alone, in a child process on the same API server and objects. */
  controlPlaneIdle?: IdleSample;
  floor: FloorSample[];
  swarm: { scale: number[]; update: number[]; note: string };
  loadStart: number;
  loadEnd: number;
}

async function swarmTasksRunning(docker: Docker, service: string): Promise<number> {
  const tasks = (await docker.listTasks({ filters: { service: [service], 'desired-state': ['running'] } })) as { Status?: { State?: string } }[];
  return tasks.filter((t) => t.Status?.State === 'running').length;
}

/** Swarm on the same engine: 1→20 replicas until 20 tasks run, then a rolling update of 5 (its defaults: one at a time, no delay). */
async function runSwarm(docker: Docker, log: (s: string) => void): Promise<WorkloadResult['swarm']> {
  const scale: number[] = [];
  const update: number[] = [];
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
  const wasActive = info.Swarm?.LocalNodeState === 'active';
  if (!wasActive) {
    const r = spawnSync('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) return { scale, update, note: `swarm init failed: ${r.stderr.trim()}` };
  }
  const svc = `skiff-bench-wl-${process.pid}`;
  try {
    for (let i = 0; i < RUNS; i++) {
      spawnSync('docker', ['service', 'create', '--detach', '--name', svc, '--replicas', '1', '--stop-grace-period', '2s', APP_IMAGE, ...APP_CMD], { encoding: 'utf8', timeout: 60_000 });
      const t1 = performance.now();
      while ((await swarmTasksRunning(docker, svc)) < 1 && performance.now() - t1 < SWARM_FIRST_TASK_MS) await sleep(50);
      if ((await swarmTasksRunning(docker, svc)) < 1) {
        // A task that cannot start (e.g. the engine lost its docker0 bridge) would stall every later step until its deadline.
        const tasks = (await docker.listTasks({ filters: { service: [svc] } })) as { Status?: { Err?: string } }[];
        return { scale, update, note: `Swarm not measured: no task ran in ${SWARM_FIRST_TASK_MS / 1000} s (${tasks.find((t) => t.Status?.Err)?.Status?.Err ?? 'no error reported'})` };
      }
      const t0 = performance.now();
      spawnSync('docker', ['service', 'scale', '--detach', `${svc}=${SCALE_TO}`], { encoding: 'utf8', timeout: 60_000 });
      while ((await swarmTasksRunning(docker, svc)) < SCALE_TO && performance.now() - t0 < DEADLINE_MS) await sleep(50);
      scale.push(performance.now() - t0);
      log(`swarm 1→${SCALE_TO}: ${fmtMs(scale[scale.length - 1])}`);
      spawnSync('docker', ['service', 'scale', '--detach', `${svc}=${ROLL_REPLICAS}`], { encoding: 'utf8', timeout: 60_000 });
      const t2 = performance.now();
      while ((await docker.listTasks({ filters: { service: [svc] } })).length > ROLL_REPLICAS && performance.now() - t2 < DEADLINE_MS) await sleep(100);
      // `docker service update` without --detach returns once the update has converged.
      const t3 = performance.now();
      spawnSync('docker', ['service', 'update', '--env-add', `REV=${i + 1}`, svc], { encoding: 'utf8', timeout: DEADLINE_MS });
      update.push(performance.now() - t3);
      log(`swarm rolling update of ${ROLL_REPLICAS}: ${fmtMs(update[update.length - 1])}`);
      spawnSync('docker', ['service', 'rm', svc], { encoding: 'utf8', timeout: 60_000 });
      const t4 = performance.now();
      while ((await docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name=${svc}`] } })).length && performance.now() - t4 < 30_000) await sleep(200);
    }
  } finally {
    spawnSync('docker', ['service', 'rm', svc], { encoding: 'utf8', timeout: 60_000 });
    if (!wasActive) spawnSync('docker', ['swarm', 'leave', '--force'], { encoding: 'utf8', timeout: 30_000 });
  }
  return { scale, update, note: wasActive ? 'engine was already in a swarm; left in place' : 'swarm init on 127.0.0.1, left with --force afterwards' };
}

/** Starts controllers + scheduler in a child process on the cluster's API server, lets them sync, samples their CPU. */
async function controlPlaneIdle(s: Skiff, log: (s: string) => void): Promise<IdleSample> {
  const creds = readCreds(s.dataDir);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/control-plane-child.ts')], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SKIFF_BENCH_API: s.url, SKIFF_BENCH_CA: join(s.dataDir, 'pki', 'ca.crt'), SKIFF_BENCH_TOKEN: creds.token, SKIFF_BENCH_CLUSTER: 'benchwl', SKIFF_LOG_LEVEL: 'warn' },
  });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`controller child not started in 30 s: ${out}`)), 30_000);
      child.once('exit', (code) => reject(new Error(`controller child exited with ${code}: ${out}`)));
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('started')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // Informers list and every controller works through its first queue; then only watches and timers remain.
    await sleep(10_000);
    log('sampling controllers + scheduler child');
    return await sampleIdle(child.pid ?? 0, IDLE_SECONDS);
  } finally {
    child.removeAllListeners('exit');
    await stopChild(child);
  }
}

export async function runWorkloads(log: (s: string) => void = (s) => void process.stderr.write(`[workloads] ${s}\n`)): Promise<WorkloadResult> {
  const docker = new Docker();
  const loadStart = loadavg()[0];
  const result: WorkloadResult = { scale: [], scaleCpu: [], rollouts: [], delayedRollouts: [], floor: [], swarm: { scale: [], update: [], note: '' }, loadStart, loadEnd: 0 };
  await withSkiff('benchwl', {}, async (s, http) => {
    await http.ok('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('scale', 0));
    for (let i = 0; i < RUNS; i++) {
      const skiff0 = cpuTicks(s.pid) / CLOCK_TICKS;
      const engine0 = engineCpu();
      const t0 = performance.now();
      await http.mergePatch(`${depPath('scale')}/scale`, { spec: { replicas: SCALE_TO } });
      result.scale.push(await until(http, 'scale', (d) => d.status?.readyReplicas === SCALE_TO, t0));
      result.scaleCpu.push({ skiff: cpuTicks(s.pid) / CLOCK_TICKS - skiff0, engine: engineCpu() - engine0 });
      log(`skiff 0→${SCALE_TO}: ${fmtMs(result.scale[i])} (CPU s: skiff ${result.scaleCpu[i].skiff.toFixed(1)}, engine ${result.scaleCpu[i].engine.toFixed(1)})`);
      await http.mergePatch(`${depPath('scale')}/scale`, { spec: { replicas: 0 } });
      const t1 = performance.now();
      while ((await allPods(http, 'scale')) > 0 && performance.now() - t1 < DEADLINE_MS) await sleep(200);
    }
    await http.request('DELETE', depPath('scale'));
    result.rollouts = await rollouts(http, 'roll', RUNS);
    for (const r of result.rollouts) log(`skiff rolling update of ${ROLL_REPLICAS}: ${fmtMs(r.ms)}, max ${r.maxPods} pods`);
    const t2 = performance.now();
    while ((await allPods(http, 'roll')) > 0 && performance.now() - t2 < DEADLINE_MS) await sleep(200);
    for (let i = 0; i < IDLE_OBJECTS; i++) {
      await http.ok('POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `idle-${i}` }, data: { k: 'v' } });
    }
    await sleep(3_000);
    result.idle = await sampleIdle(s.pid, IDLE_SECONDS);
    log(`idle with ${IDLE_OBJECTS} objects: ${result.idle.cpuPercent.toFixed(2)}% CPU`);
    result.controlPlaneIdle = await controlPlaneIdle(s, log);
    log(`controllers + scheduler alone, idle: ${result.controlPlaneIdle.cpuPercent.toFixed(2)}% CPU`);
  });
  result.floor = await engineFloor(docker, SCALE_TO, RUNS, log, engineCpu);
  await withSkiff('benchwld', { SKIFF_WATCH_DELAY_MS: String(WATCH_DELAY_MS) }, async (_s, http) => {
    result.delayedRollouts = await rollouts(http, 'roll', 1);
    for (const r of result.delayedRollouts) log(`skiff rolling update, watches 3 s late: ${fmtMs(r.ms)}, max ${r.maxPods} pods`);
  });
  result.swarm = await runSwarm(docker, log);
  result.loadEnd = loadavg()[0];
  return result;
}

export function workloadRows(r: WorkloadResult): ResultRow[] {
  const scaleMed = median(r.scale);
  const swarmScale = median(r.swarm.scale);
  const rollMed = median(r.rollouts.map((x) => x.ms));
  const swarmUpdate = median(r.swarm.update);
  const maxPods = Math.max(...r.rollouts.map((x) => x.maxPods), ...r.delayedRollouts.map((x) => x.maxPods));
  const surgeLimit = ROLL_REPLICAS + Math.ceil(ROLL_REPLICAS * 0.25);
  const floorPods = median(r.floor.map((f) => f.pods));
  const floorOne = median(r.floor.map((f) => f.containers));
  const fmtRatio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : 'n/a');
  return [
    { metric: `Deployment 0→${SCALE_TO} until all Ready (${RUNS} runs)`, value: r.scale.map(fmtMs).join(', '), target: '≤ 0.6× Swarm 1→20', pass: r.swarm.scale.length ? scaleMed <= 0.6 * swarmScale : undefined, note: `${r.swarm.scale.length ? `Swarm ${r.swarm.scale.map(fmtMs).join(', ')}; ratio ${(scaleMed / swarmScale).toFixed(2)}` : r.swarm.note}; CPU s during each: skiff ${r.scaleCpu.map((c) => c.skiff.toFixed(1)).join(', ')}, dockerd + containerd ${r.scaleCpu.map((c) => c.engine.toFixed(1)).join(', ')}` },
    { metric: `Engine floor: ${SCALE_TO} raw pods (sandbox on a bridge network + app in its netns), in parallel through dockerode (${RUNS} runs)`, value: r.floor.map((f) => fmtMs(f.pods)).join(', '), target: 'reference', note: `raw pods ÷ Swarm ${fmtRatio(floorPods, swarmScale)}; dockerd + containerd CPU s ${r.floor.map((f) => f.podsEngineCpu.toFixed(1)).join(', ')}; skiff ÷ raw pods ${fmtRatio(scaleMed, floorPods)}; 0.6× Swarm is ${Number.isFinite(swarmScale) ? fmtMs(0.6 * swarmScale) : 'n/a'}` },
    { metric: `Engine floor: the same ${SCALE_TO} raw pods, at most ${POOL} being started at a time (${RUNS} runs)`, value: r.floor.map((f) => fmtMs(f.podsPooled)).join(', '), target: 'reference', note: `÷ unbounded raw pods ${fmtRatio(median(r.floor.map((f) => f.podsPooled)), floorPods)}` },
    { metric: `Engine floor: ${SCALE_TO} single containers on the same network, in parallel (${RUNS} runs)`, value: r.floor.map((f) => fmtMs(f.containers)).join(', '), target: 'reference', note: `single containers ÷ Swarm ${fmtRatio(floorOne, swarmScale)}` },
    { metric: `Rolling update of ${ROLL_REPLICAS} replicas, no probes (${RUNS} runs)`, value: r.rollouts.map((x) => fmtMs(x.ms)).join(', '), target: '≤ 0.35× Swarm', pass: r.swarm.update.length ? rollMed <= 0.35 * swarmUpdate : undefined, note: r.swarm.update.length ? `Swarm ${r.swarm.update.map(fmtMs).join(', ')}; ratio ${(rollMed / swarmUpdate).toFixed(2)}` : r.swarm.note },
    { metric: 'Most live pods in any 100 ms sample during rollouts (also with watches 3 s late)', value: `${maxPods} (on time: ${r.rollouts.map((x) => x.maxPods).join(', ')}; late: ${r.delayedRollouts.map((x) => x.maxPods).join(', ')})`, target: `≤ replicas + maxSurge = ${surgeLimit}`, pass: maxPods <= surgeLimit },
    { metric: `Whole skiff process idle with ${IDLE_OBJECTS} extra objects (API server, controllers, scheduler, node agent)`, value: r.idle ? `${r.idle.cpuPercent.toFixed(2)}% CPU, RSS ${r.idle.rssEndMiB.toFixed(0)} MiB` : 'not measured', target: 'reference', note: 'includes every component of the process' },
    { metric: `Controllers + scheduler alone (child process on the same API server), idle with ${IDLE_OBJECTS} extra objects`, value: r.controlPlaneIdle ? `${r.controlPlaneIdle.cpuPercent.toFixed(2)}% CPU, RSS ${r.controlPlaneIdle.rssEndMiB.toFixed(0)} MiB` : 'not measured', target: '≤ 1%', pass: r.controlPlaneIdle ? r.controlPlaneIdle.cpuPercent <= 1 : undefined, note: `${IDLE_SECONDS} s sample after 10 s to sync` },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runWorkloads();
  process.stdout.write(`# skiff workloads benchmark\n\n- date: ${new Date().toISOString()}\n- load average: ${r.loadStart.toFixed(2)} → ${r.loadEnd.toFixed(2)}\n\n${markdownTable(workloadRows(r))}\n`);
}
