// API benchmark against a real `skiff up`: GET/s, create/s, write latency, LIST of 10,000, watch fan-out to 100 watchers, idle RSS/CPU.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest, Agent, type RequestOptions } from 'node:https';
import type { ClientRequest } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  cpuTicks, CLOCK_TICKS, fmtMs, Http, markdownTable, median, percentile, readCreds, sampleIdle, sleep, startSkiff,
  type Creds, type IdleSample, type ResultRow,
} from './lib.js';

/** Bounds: every loop stops at a count or a deadline, whichever comes first. */
const CLIENTS = 50;
const GET_WARMUP_MS = 1_000;
const GET_SECONDS = 5;
const GET_MAX = 200_000;
const CREATES = 10_000;
const CREATE_DEADLINE_MS = 90_000;
const SINGLE_WRITES = 500;
const SINGLE_DEADLINE_MS = 30_000;
const LIST_RUNS = 5;
const WATCHERS = 100;
const WATCH_WRITES = 200;
const WATCH_EVENT_DEADLINE_MS = 5_000;
const IDLE_SECONDS = 20;

const CM = 'api/v1/namespaces';

function configMap(namespace: string, name: string): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { app: 'bench' } }, data: { 'app.properties': 'log.level=info\ncache.size=128\n', owner: 'bench' } };
}

/** Server CPU (% of one core) over a phase, from /proc/PID/stat. */
class CpuMeter {
  private readonly t0 = performance.now();
  private readonly c0: number;
  private readonly self0 = process.cpuUsage();

  constructor(private readonly pid: number) {
    this.c0 = cpuTicks(pid);
  }

  /** [server %, bench process %] of one core since construction. */
  read(): { server: number; client: number } {
    const s = (performance.now() - this.t0) / 1000;
    const self = process.cpuUsage(this.self0);
    return { server: ((cpuTicks(this.pid) - this.c0) / CLOCK_TICKS / s) * 100, client: ((self.user + self.system) / 1e6 / s) * 100 };
  }
}

export interface ApiResult {
  idleFresh: IdleSample;
  idleLoaded: IdleSample;
  getPerSec: number;
  getP50: number;
  getP99: number;
  getCpu: { server: number; client: number };
  /** The same GET loop against a bare node:https server returning the same bytes: this machine's floor in the same run. */
  refGetPerSec: number;
  refGetCpu: { server: number; client: number };
  createPerSec: number;
  createCount: number;
  createP50: number;
  createP99: number;
  createCpu: { server: number; client: number };
  singleP50: number;
  singleP99: number;
  singleMax: number;
  listMs: number[];
  /** Server CPU time per LIST (10 ms tick resolution): what the LIST costs regardless of contention. */
  listCpuMs: number[];
  listItems: number;
  listBytes: number;
  watchP50: number;
  watchP99: number;
  watchMax: number;
  watchLastP99: number;
  watchFromSendP99: number;
  watchSamples: number;
  watchMissing: number;
  rssAfterLoadMiB: number;
  /** 1-minute load average before and after: the machine is shared, so absolute rates depend on it. */
  loadBefore: number;
  loadAfter: number;
}

/** Runs `fn` on CLIENTS workers until `stop()` says so; each worker has one request in flight. */
async function workers(n: number, fn: (worker: number) => Promise<boolean>): Promise<void> {
  await Promise.all(Array.from({ length: n }, async (_, w) => {
    while (await fn(w)) { /* next request */ }
  }));
}

export async function benchGets(http: Http, pid: number, path = `/${CM}/bench-get/configmaps/one`): Promise<Pick<ApiResult, 'getPerSec' | 'getP50' | 'getP99' | 'getCpu'>> {
  const warmEnd = performance.now() + GET_WARMUP_MS;
  await workers(CLIENTS, async () => (await http.ok('GET', path), performance.now() < warmEnd));
  const lat: number[] = [];
  const cpu = new CpuMeter(pid);
  const t0 = performance.now();
  const end = t0 + GET_SECONDS * 1000;
  await workers(CLIENTS, async () => {
    const s = performance.now();
    await http.ok('GET', path);
    lat.push(performance.now() - s);
    return performance.now() < end && lat.length < GET_MAX;
  });
  const secs = (performance.now() - t0) / 1000;
  const usage = cpu.read();
  lat.sort((a, b) => a - b);
  return { getPerSec: lat.length / secs, getP50: percentile(lat, 50), getP99: percentile(lat, 99), getCpu: usage };
}

/** A bare node:https server (own process, cluster's server certificate) answering every request with `body`. */
const REFERENCE_SERVER = `
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
const [dir, body] = [process.argv[1], process.argv[2]];
const s = createServer({ key: readFileSync(dir + '/pki/apiserver.key'), cert: readFileSync(dir + '/pki/apiserver.crt') }, (req, res) => {
  req.resume();
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(body);
});
s.keepAliveTimeout = 65000;
s.listen(0, '127.0.0.1', () => console.log('port ' + s.address().port));
`;

export async function benchReferenceGets(dir: string, creds: Creds, body: string): Promise<Pick<ApiResult, 'refGetPerSec' | 'refGetCpu'>> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', REFERENCE_SERVER, dir, body], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('reference server did not start in 10 s')), 10_000);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /port (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolvePort(Number(m[1]));
        }
      });
      child.once('exit', (code) => reject(new Error(`reference server exited with ${code}`)));
    });
    const http = new Http(new URL(`https://127.0.0.1:${port}`), creds, CLIENTS);
    try {
      const r = await benchGets(http, child.pid ?? 0, '/');
      return { refGetPerSec: r.getPerSec, refGetCpu: r.getCpu };
    } finally {
      http.close();
    }
  } finally {
    child.kill('SIGKILL');
  }
}

export async function benchCreates(http: Http, pid: number): Promise<Pick<ApiResult, 'createPerSec' | 'createCount' | 'createP50' | 'createP99' | 'createCpu'>> {
  const lat: number[] = [];
  let next = 0;
  const cpu = new CpuMeter(pid);
  const t0 = performance.now();
  const end = t0 + CREATE_DEADLINE_MS;
  await workers(CLIENTS, async () => {
    if (next >= CREATES || performance.now() > end) return false;
    const name = `cm-${String(next++).padStart(5, '0')}`;
    const s = performance.now();
    await http.ok('POST', `/${CM}/bench-list/configmaps`, configMap('bench-list', name));
    lat.push(performance.now() - s);
    return true;
  });
  const secs = (performance.now() - t0) / 1000;
  const usage = cpu.read();
  lat.sort((a, b) => a - b);
  return { createPerSec: lat.length / secs, createCount: lat.length, createP50: percentile(lat, 50), createP99: percentile(lat, 99), createCpu: usage };
}

/** One write in flight at a time: the latency a lone client sees for a durable create. */
export async function benchSingleWrites(http: Http): Promise<Pick<ApiResult, 'singleP50' | 'singleP99' | 'singleMax'>> {
  const lat: number[] = [];
  const end = performance.now() + SINGLE_DEADLINE_MS;
  for (let i = 0; i < SINGLE_WRITES && performance.now() < end; i++) {
    const s = performance.now();
    await http.ok('POST', `/${CM}/bench-write/configmaps`, configMap('bench-write', `single-${i}`));
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  return { singleP50: percentile(lat, 50), singleP99: percentile(lat, 99), singleMax: lat[lat.length - 1] ?? Number.NaN };
}

export async function benchList(http: Http, pid: number): Promise<Pick<ApiResult, 'listMs' | 'listCpuMs' | 'listItems' | 'listBytes'>> {
  const path = `/${CM}/bench-list/configmaps`;
  const first = await http.ok('GET', path, undefined, 60_000);
  const parsed = JSON.parse(first.body.toString('utf8')) as { items: unknown[] };
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < LIST_RUNS; i++) {
    const c0 = cpuTicks(pid);
    const s = performance.now();
    const r = await http.ok('GET', path, undefined, 60_000);
    times.push(r.doneAt - s);
    cpu.push(((cpuTicks(pid) - c0) * 1000) / CLOCK_TICKS);
  }
  return { listMs: times, listCpuMs: cpu, listItems: parsed.items.length, listBytes: first.body.length };
}

interface Watcher {
  req: ClientRequest;
  /** Object name → performance.now() when the line carrying it arrived. */
  seen: Map<string, number>;
}

/** Opens one watch stream and resolves once its headers arrived. */
function openWatcher(base: URL, creds: Creds, agent: Agent, path: string, onEvent: () => void): Promise<Watcher> {
  return new Promise((resolveWatcher, reject) => {
    const seen = new Map<string, number>();
    const opts: RequestOptions = { hostname: base.hostname, port: base.port, path, method: 'GET', agent, headers: { Accept: 'application/json', Authorization: `Bearer ${creds.token}` } };
    const req = httpsRequest(opts, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`watch ${path}: ${res.statusCode}`));
        res.resume();
        return;
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        const at = performance.now();
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as { type: string; object: { metadata?: { name?: string } } };
          const name = ev.object.metadata?.name;
          if (ev.type === 'ADDED' && name) {
            seen.set(name, at);
            onEvent();
          }
        }
      });
      res.on('error', () => undefined);
      resolveWatcher({ req, seen });
    });
    req.setTimeout(30_000, () => req.destroy(new Error('watch headers timed out')));
    req.on('error', (err) => {
      // Destroying the streams at the end is expected; only a failure before headers matters.
      reject(err);
    });
    req.end();
  });
}

export async function benchWatch(http: Http, base: URL, creds: Creds): Promise<Pick<ApiResult, 'watchP50' | 'watchP99' | 'watchMax' | 'watchLastP99' | 'watchFromSendP99' | 'watchSamples' | 'watchMissing'>> {
  const ns = 'bench-watch';
  const list = JSON.parse((await http.ok('GET', `/${CM}/${ns}/configmaps`)).body.toString('utf8')) as { metadata: { resourceVersion: string } };
  const agent = new Agent({ keepAlive: true, maxSockets: WATCHERS, ca: creds.ca });
  const path = `/${CM}/${ns}/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=600`;
  let wake: (() => void) | undefined;
  const onEvent = (): void => wake?.();
  const watchers: Watcher[] = [];
  try {
    for (let i = 0; i < WATCHERS; i++) watchers.push(await openWatcher(base, creds, agent, path, onEvent));
    await sleep(200);
    const fromAck: number[] = [];
    const fromSend: number[] = [];
    const lastPerWrite: number[] = [];
    let missing = 0;
    for (let i = 0; i < WATCH_WRITES; i++) {
      const name = `w-${i}`;
      const sent = performance.now();
      const r = await http.ok('POST', `/${CM}/${ns}/configmaps`, configMap(ns, name));
      const ack = r.doneAt;
      const deadline = ack + WATCH_EVENT_DEADLINE_MS;
      while (watchers.some((w) => !w.seen.has(name)) && performance.now() < deadline) {
        await new Promise<void>((res) => {
          wake = res;
          setTimeout(res, 50);
        });
      }
      wake = undefined;
      let last = 0;
      for (const w of watchers) {
        const at = w.seen.get(name);
        if (at === undefined) {
          missing++;
          continue;
        }
        // An event may arrive before the write's reply: that counts as zero delay after the acknowledgement.
        const d = Math.max(0, at - ack);
        fromAck.push(d);
        fromSend.push(at - sent);
        last = Math.max(last, d);
        w.seen.delete(name);
      }
      lastPerWrite.push(last);
    }
    fromAck.sort((a, b) => a - b);
    fromSend.sort((a, b) => a - b);
    lastPerWrite.sort((a, b) => a - b);
    return {
      watchP50: percentile(fromAck, 50), watchP99: percentile(fromAck, 99), watchMax: fromAck[fromAck.length - 1] ?? Number.NaN,
      watchLastP99: percentile(lastPerWrite, 99), watchFromSendP99: percentile(fromSend, 99), watchSamples: fromAck.length, watchMissing: missing,
    };
  } finally {
    for (const w of watchers) w.req.destroy();
    agent.destroy();
  }
}

export async function runApi(log: (s: string) => void = () => undefined): Promise<ApiResult> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-api-'));
  let skiff: Awaited<ReturnType<typeof startSkiff>> | undefined;
  let http: Http | undefined;
  const loadBefore = loadavg()[0];
  try {
    skiff = await startSkiff(dir, 0);
    const creds = readCreds(dir);
    const base = new URL(skiff.url);
    http = new Http(base, creds, CLIENTS);
    // Let the controllers finish their start-up lists before sampling idle.
    await sleep(3000);
    log(`idle sample (${IDLE_SECONDS} s) on a fresh cluster`);
    const idleFresh = await sampleIdle(skiff.pid, IDLE_SECONDS);
    for (const ns of ['bench-get', 'bench-list', 'bench-write', 'bench-watch']) {
      await http.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    log('GET/s');
    await http.ok('POST', `/${CM}/bench-get/configmaps`, configMap('bench-get', 'one'));
    const gets = await benchGets(http, skiff.pid);
    log('GET/s of a bare node:https server with the same reply');
    const oneBody = (await http.ok('GET', `/${CM}/bench-get/configmaps/one`)).body.toString('utf8');
    const ref = await benchReferenceGets(dir, creds, oneBody);
    log('create/s');
    const creates = await benchCreates(http, skiff.pid);
    log('single writes');
    const single = await benchSingleWrites(http);
    log('LIST 10k');
    const list = await benchList(http, skiff.pid);
    log('watch fan-out');
    const watch = await benchWatch(http, base, creds);
    http.close();
    http = undefined;
    await sleep(2000);
    log(`idle sample (${IDLE_SECONDS} s) after load`);
    const idleLoaded = await sampleIdle(skiff.pid, IDLE_SECONDS);
    return { idleFresh, idleLoaded, ...gets, ...ref, ...creates, ...single, ...list, ...watch, rssAfterLoadMiB: idleLoaded.rssEndMiB, loadBefore, loadAfter: loadavg()[0] };
  } finally {
    http?.close();
    await skiff?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function apiRows(r: ApiResult): ResultRow[] {
  const listMed = median(r.listMs);
  // Requests per second of server CPU: the rate one free core would sustain, less sensitive to other load on the machine.
  const perCore = (rate: number, cpuPercent: number): string => (cpuPercent > 0 ? `${((rate * 100) / cpuPercent).toFixed(0)}/s per server core` : 'n/a');
  return [
    { metric: `GET one ConfigMap, ${CLIENTS} clients`, value: `${r.getPerSec.toFixed(0)}/s (p50 ${fmtMs(r.getP50)}, p99 ${fmtMs(r.getP99)})`, target: '≥ 2,000/s', pass: r.getPerSec >= 2000, note: `server CPU ${r.getCpu.server.toFixed(0)}%, bench client ${r.getCpu.client.toFixed(0)}% of one core; ${perCore(r.getPerSec, r.getCpu.server)}` },
    { metric: `same GET loop, bare node:https server (reference)`, value: `${r.refGetPerSec.toFixed(0)}/s`, note: `server CPU ${r.refGetCpu.server.toFixed(0)}%, bench client ${r.refGetCpu.client.toFixed(0)}%; ${perCore(r.refGetPerSec, r.refGetCpu.server)}; skiff ÷ bare = ${(r.getPerSec / r.refGetPerSec).toFixed(2)}` },
    { metric: `create ConfigMap, ${CLIENTS} clients (${r.createCount})`, value: `${r.createPerSec.toFixed(0)}/s (p50 ${fmtMs(r.createP50)}, p99 ${fmtMs(r.createP99)})`, target: '≥ 500/s', pass: r.createPerSec >= 500, note: `server CPU ${r.createCpu.server.toFixed(0)}%, bench client ${r.createCpu.client.toFixed(0)}%; ${perCore(r.createPerSec, r.createCpu.server)}` },
    { metric: `single-object write (create), 1 in flight, ${SINGLE_WRITES} writes`, value: `p50 ${fmtMs(r.singleP50)}, p99 ${fmtMs(r.singleP99)}`, target: 'p99 ≤ 50 ms', pass: r.singleP99 <= 50, note: `max ${fmtMs(r.singleMax)}` },
    { metric: `LIST ${r.listItems} ConfigMaps (median of ${r.listMs.length})`, value: fmtMs(listMed), target: '≤ 300 ms', pass: listMed <= 300 && r.listItems >= 10_000, note: `${(r.listBytes / 1048576).toFixed(1)} MiB body; runs ${r.listMs.map((v) => v.toFixed(0)).join('/')} ms; server CPU per LIST median ${median(r.listCpuMs).toFixed(0)} ms` },
    { metric: `watch event to ${WATCHERS} watchers, ${WATCH_WRITES} writes`, value: `p50 ${fmtMs(r.watchP50)}, p99 ${fmtMs(r.watchP99)}`, target: 'p99 ≤ 50 ms', pass: r.watchP99 <= 50 && r.watchMissing === 0, note: `after the write's acknowledgement (events arriving before it count 0); ${r.watchSamples} samples, ${r.watchMissing} missing; slowest watcher per write p99 ${fmtMs(r.watchLastP99)}; from request send p99 ${fmtMs(r.watchFromSendP99)}` },
    { metric: `idle RSS, fresh cluster (${r.idleFresh.seconds.toFixed(0)} s)`, value: `${r.idleFresh.rssEndMiB.toFixed(1)} MiB`, target: '≤ 100 MiB', pass: r.idleFresh.rssMaxMiB <= 100, note: `max ${r.idleFresh.rssMaxMiB.toFixed(1)} MiB` },
    { metric: `idle CPU, fresh cluster (${r.idleFresh.seconds.toFixed(0)} s)`, value: `${r.idleFresh.cpuPercent.toFixed(2)}%`, target: '≤ 1%', pass: r.idleFresh.cpuPercent <= 1 },
    { metric: `idle RSS after the load above (${r.listItems + SINGLE_WRITES + WATCH_WRITES} ConfigMaps stored)`, value: `${r.idleLoaded.rssEndMiB.toFixed(1)} MiB`, target: '≤ 100 MiB', pass: r.idleLoaded.rssMaxMiB <= 100, note: `max ${r.idleLoaded.rssMaxMiB.toFixed(1)} MiB` },
    { metric: 'idle CPU after the load above', value: `${r.idleLoaded.cpuPercent.toFixed(2)}%`, target: '≤ 1%', pass: r.idleLoaded.cpuPercent <= 1 },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runApi((s) => console.error(`[api] ${s}`));
  console.log(markdownTable(apiRows(r)));
  console.log(`\n1-minute load average: ${r.loadBefore.toFixed(2)} before, ${r.loadAfter.toFixed(2)} after (2 cores)`);
}
