/**
 * End-to-end harness: starts a real `skiff up` as a child process on a free port with its own
 * data dir and kubeconfig, and runs the real kubectl binaries against it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpsRequest } from 'node:https';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');

/** The folder holding kubectl.1.27 … kubectl.1.33 (beside the file `kubectl` links to). */
export function kubectlDir(): string {
  const which = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
  if (!which) throw new Error('kubectl is not installed: the end-to-end tests need the real kubectl');
  return dirname(realpathSync(which));
}

export function kubectlBinary(version: string): string {
  const bin = join(kubectlDir(), `kubectl.${version}`);
  const r = spawnSync(bin, ['version', '--client'], { encoding: 'utf8' });
  if (r.error) throw new Error(`kubectl ${version} is not available at ${bin}: ${r.error.message}`);
  return bin;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Cluster {
  name: string;
  dataDir: string;
  kubeconfig: string;
  url: string;
  process: ChildProcess;
  output: () => string;
  /** Runs kubectl (default 1.32) against this cluster. */
  kubectl(args: string[], opts?: { version?: string; input?: string; env?: Record<string, string>; timeoutMs?: number }): KubectlResult;
  /** Like kubectl, but fails the test on a non-zero exit. */
  k(args: string[], opts?: { version?: string; input?: string; env?: Record<string, string> }): string;
  /** Token of the admin user, for raw HTTP requests. */
  token(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  name?: string;
  dataDir?: string;
  extraArgs?: string[];
}

/** Starts `skiff up` and resolves once it prints that it is ready. */
export async function startCluster(opts: StartOptions = {}): Promise<Cluster> {
  const name = opts.name ?? `e2e${process.pid}${Math.floor(Math.random() * 1e4)}`;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  const kubeconfig = join(dataDir, 'user-kubeconfig');
  const child = spawn(process.execPath, [join(ROOT, 'bin/skiff.js'), 'up', '--name', name, '--data-dir', dataDir, '--port', '0', '--kubeconfig', kubeconfig, ...(opts.extraArgs ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started cluster behind: the test could not stop it otherwise.
      child.removeAllListeners('exit');
      child.once('exit', () => reject(new Error(`skiff up did not become ready in 90 s:\n${out}`)));
      child.kill('SIGKILL');
    }, 90_000);
    const check = (): void => {
      const m = /ready at (https:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`skiff up exited with ${code}:\n${out}`));
    });
  });
  const cacheDir = join(dataDir, 'kube-cache');
  const kubectl = (args: string[], o: { version?: string; input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): KubectlResult => {
    const r = spawnSync(kubectlBinary(o.version ?? '1.32'), ['--cache-dir', cacheDir, ...args], {
      encoding: 'utf8', input: o.input, timeout: o.timeoutMs ?? 60_000,
      env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dataDir, ...o.env },
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  return {
    name, dataDir, kubeconfig, url, process: child, output: () => out, kubectl,
    k(args, o = {}) {
      const r = kubectl(args, o);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r.stdout;
    },
    token() {
      const entries = JSON.parse(readFileSync(join(dataDir, 'tokens.json'), 'utf8')) as { name: string; token: string }[];
      return entries.find((e) => e.name === 'system:skiff-admin')?.token ?? '';
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill(signal);
      return exited;
    },
  };
}

/**
 * Removes every container, network and volume of a cluster from an engine (they carry its name as
 * a label); `host` names another engine's socket (`unix:///...`).
 */
export function removeDockerObjects(clusterName: string, host?: string): void {
  const h = host ? ['-H', host] : [];
  const label = `label=io.skiff.cluster=${clusterName}`;
  const docker = (args: string[]): string => spawnSync('docker', [...h, ...args], { encoding: 'utf8', timeout: 60_000 }).stdout ?? '';
  const ids = (args: string[]): string[] => docker(args).split('\n').filter(Boolean);
  const containers = ids(['ps', '-aq', '--filter', label]);
  if (containers.length) docker(['rm', '-f', '-v', ...containers]);
  const networks = ids(['network', 'ls', '-q', '--filter', label]);
  if (networks.length) docker(['network', 'rm', ...networks]);
  const volumes = ids(['volume', 'ls', '-q', '--filter', label]);
  if (volumes.length) docker(['volume', 'rm', '-f', ...volumes]);
}

/**
 * startCluster, tried twice: on a loaded machine `skiff up` can miss the ready timeout; the failed
 * attempt's process is already gone (startCluster kills it) and its Docker objects are removed first.
 */
export async function startClusterRetrying(opts: StartOptions = {}): Promise<Cluster> {
  const named = { ...opts, name: opts.name ?? `e2e${process.pid}${Math.floor(Math.random() * 1e4)}` };
  try {
    return await startCluster(named);
  } catch {
    removeDockerObjects(named.name);
    return startCluster(named);
  }
}

/** Removes a cluster's data dir and its Docker objects (after stop). */
export function removeDataDir(c: Cluster): void {
  removeDockerObjects(c.name);
  // Memory-backed emptyDirs are tmpfs mounts under the data dir; unmount before removing it.
  const mounts = spawnSync('sh', ['-c', `grep -o ' ${c.dataDir}/[^ ]*' /proc/self/mounts`], { encoding: 'utf8' }).stdout?.split('\n').map((m) => m.trim()).filter(Boolean) ?? [];
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  rmSync(c.dataDir, { recursive: true, force: true });
}

/** Polls `fn` until it returns a truthy value or the time runs out. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A raw HTTPS request to the cluster with the admin token (for shapes kubectl hides). */
export function api(c: Cluster, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const ca = readFileSync(join(c.dataDir, 'pki', 'ca.crt'), 'utf8');
  const u = new URL(c.url + path);
  return new Promise((resolveReply, reject) => {
    const req = httpsRequest({
      hostname: u.hostname, port: u.port, path: u.pathname + u.search, method, ca,
      headers: { Authorization: `Bearer ${c.token()}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolveReply({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
