// Shared pieces of the control-plane benchmarks: start/stop a real `skiff up`, HTTPS requests with keep-alive, statistics, /proc sampling.
import { spawn, type ChildProcess, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export function max(values: number[]): number {
  return values.reduce((m, v) => (v > m ? v : m), Number.NEGATIVE_INFINITY);
}

/** A free TCP port on 127.0.0.1 (bound and released), so the caller knows the port before the server prints it. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolvePort(port));
    });
  });
}

export interface Skiff {
  process: ChildProcess;
  pid: number;
  dataDir: string;
  url: string;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `skiff up` on the given port (0 = any) and data dir; resolves once it prints "ready at". */
export async function startSkiff(dataDir: string, port = 0, timeoutMs = 30_000, name = 'bench'): Promise<Skiff> {
  const child = spawnSkiff(dataDir, port, name);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`skiff up not ready in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`skiff up exited with ${code}:\n${out}`));
    };
    child.once('exit', onExit);
    child.stdout?.on('data', () => {
      const m = /ready at (https:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolveUrl(m[1]);
      }
    });
  });
  return {
    process: child, pid: child.pid ?? 0, dataDir, url, port: Number(new URL(url).port), output: () => out,
    stop: async () => {
      await stopChild(child);
      removeClusterObjects(name);
    },
  };
}

/** `name` is the cluster name: the node agent labels its containers io.skiff.cluster=<name>. */
export function spawnSkiff(dataDir: string, port: number, name = 'bench'): ChildProcess {
  // SKIFF_BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server under the same load.
  const nodeArgs = (process.env.SKIFF_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin/skiff.js'), 'up', '--name', name, '--data-dir', dataDir, '--port', String(port), '--kubeconfig', join(dataDir, 'user-kubeconfig')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Removes the containers, networks and volumes a bench cluster left in the engine (they carry its name as a label). */
export function removeClusterObjects(name: string): void {
  const label = `label=io.skiff.cluster=${name}`;
  const ids = (args: string[]): string[] => spawnSync('docker', args, { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? [];
  const containers = ids(['ps', '-aq', '--filter', label]);
  if (containers.length) spawnSync('docker', ['rm', '-f', '-v', ...containers]);
  const networks = ids(['network', 'ls', '-q', '--filter', label]);
  if (networks.length) spawnSync('docker', ['network', 'rm', ...networks]);
}

/** SIGTERM, then SIGKILL after 10 s: the bench never leaves a server behind. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Credentials for raw HTTPS: the cluster CA and the admin bearer token from the data dir. */
export interface Creds {
  ca: string;
  token: string;
}

export function readCreds(dataDir: string): Creds {
  const ca = readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8');
  const entries = JSON.parse(readFileSync(join(dataDir, 'tokens.json'), 'utf8')) as { name: string; token: string }[];
  const token = entries.find((e) => e.name === 'system:skiff-admin')?.token;
  if (!token) throw new Error('no admin token in tokens.json');
  return { ca, token };
}

export interface Reply {
  status: number;
  body: Buffer;
  /** performance.now() when the last byte of the response arrived. */
  doneAt: number;
}

/** A small HTTPS client over one keep-alive Agent; every request has a deadline. */
export class Http {
  readonly agent: Agent;

  constructor(private readonly base: URL, private readonly creds: Creds, maxSockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, ca: creds.ca });
  }

  request(method: string, path: string, body?: unknown, timeoutMs = 30_000, contentType = 'application/json'): Promise<Reply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${this.creds.token}` };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolveReply, reject) => {
      const req = httpsRequest({ hostname: this.base.hostname, port: this.base.port, path, method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolveReply({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), doneAt: performance.now() }));
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Like request, but a non-2xx status is an error. */
  async ok(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<Reply> {
    const r = await this.request(method, path, body, timeoutMs);
    if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
    return r;
  }

  /** A JSON merge patch; a non-2xx status is an error. */
  async mergePatch(path: string, body: unknown): Promise<Reply> {
    const r = await this.request('PATCH', path, body, 30_000, 'application/merge-patch+json');
    if (r.status < 200 || r.status >= 300) throw new Error(`PATCH ${path}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
    return r;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** CPU time (user+system, in clock ticks) of a process from /proc/PID/stat. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

/** Resident set size in MiB from /proc/PID/status. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Linux USER_HZ; 100 on every mainstream kernel build. */
export const CLOCK_TICKS = 100;

export interface IdleSample {
  seconds: number;
  cpuPercent: number;
  rssStartMiB: number;
  rssEndMiB: number;
  rssMaxMiB: number;
}

/** Samples a process for `seconds` without sending it anything: CPU% of one core and RSS. */
export async function sampleIdle(pid: number, seconds: number): Promise<IdleSample> {
  const t0 = performance.now();
  const c0 = cpuTicks(pid);
  const rssStart = rssMiB(pid);
  let rssMax = rssStart;
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    rssMax = Math.max(rssMax, rssMiB(pid));
  }
  const c1 = cpuTicks(pid);
  const elapsed = (performance.now() - t0) / 1000;
  const rssEnd = rssMiB(pid);
  return { seconds: elapsed, cpuPercent: ((c1 - c0) / CLOCK_TICKS / elapsed) * 100, rssStartMiB: rssStart, rssEndMiB: rssEnd, rssMaxMiB: Math.max(rssMax, rssEnd) };
}

/** One row of the Markdown summary table. */
export interface ResultRow {
  metric: string;
  value: string;
  target?: string;
  pass?: boolean;
  note?: string;
}

export function markdownTable(rows: ResultRow[]): string {
  const lines = ['| metric | measured | target | result | note |', '|---|---|---|---|---|'];
  for (const r of rows) {
    const result = r.pass === undefined ? '–' : r.pass ? 'pass' : '**FAIL**';
    lines.push(`| ${r.metric} | ${r.value} | ${r.target ?? '–'} | ${result} | ${r.note ?? ''} |`);
  }
  return lines.join('\n');
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
