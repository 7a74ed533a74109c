/** Test fixture: a tiny API server on 127.0.0.1 that serves exec/attach/port-forward with the streaming code, plus kubectl helpers. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ExecSession } from '../../../src/runtime/runtime.js';
import { serveRemoteCommand, type RemoteCommandRequest } from '../../../src/agent/streaming/remotecommand.js';
import { servePortForward } from '../../../src/agent/streaming/portforward.js';

/** The folder holding kubectl.1.27 … kubectl.1.33, beside the file `kubectl` links to. */
export function kubectlBinary(version: string): string {
  const which = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
  if (!which) throw new Error('kubectl is not installed');
  return join(dirname(realpathSync(which)), `kubectl.${version}`);
}

function shellQuote(argv: string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

/**
 * Runs the requested argv as a local process, standing in for a container process. With a TTY
 * it runs under `script`, which gives it a terminal and merges stderr into stdout as a TTY does.
 */
export function localExec(o: RemoteCommandRequest, resizes: { width: number; height: number }[]): ExecSession {
  const argv = o.command.length > 0 ? o.command : ['sh'];
  const child = o.tty ? spawn('script', ['-qec', shellQuote(argv), '/dev/null']) : spawn(argv[0], argv.slice(1));
  if (o.tty) child.stderr.resume();
  const exitCode = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 137 : 1)));
  });
  // A closed stdin pipe on a command that never reads it is normal, not a failure.
  child.stdin.on('error', () => undefined);
  if (!o.stdin) child.stdin.end();
  return {
    stdin: o.stdin ? child.stdin : undefined,
    stdout: child.stdout,
    stderr: o.tty ? undefined : child.stderr,
    resize: async (width, height) => {
      resizes.push({ width, height });
    },
    exitCode,
  };
}

const POD = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name: 'p1', namespace: 'default', uid: '5b7e5c1e-0000-4000-8000-000000000001', resourceVersion: '1' },
  spec: { containers: [{ name: 'c1', image: 'busybox' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
};

const API_RESOURCES = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'v1',
  resources: [
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
    { name: 'pods/exec', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'pods/attach', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'pods/portforward', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
  ],
};

export interface FakeApiServer {
  url: string;
  kubeconfig: string;
  cacheDir: string;
  /** Every request line seen, e.g. `GET /api/v1/namespaces/default/pods/p1` or `UPGRADE websocket POST ...`. */
  log: string[];
  resizes: { width: number; height: number }[];
  /** The port of a local HTTP server that answers every request with `hello from <path>`. */
  httpPort: number;
  close(): Promise<void>;
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export interface FakeApiOptions {
  /** Refuse WebSocket upgrades for exec (forces kubectl 1.30+ onto its SPDY fallback). */
  refuseWebSocket?: boolean;
}

/** Starts the fake API server and a local HTTP target; the kubeconfig points kubectl at the fake. */
export async function startFakeApi(opts: FakeApiOptions = {}): Promise<FakeApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-streaming-'));
  const log: string[] = [];
  const resizes: { width: number; height: number }[] = [];
  const target = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`hello from ${req.url}`);
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const httpPort = (target.address() as AddressInfo).port;

  const api: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    log.push(`${req.method} ${path}`);
    if (path === '/api') json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    else if (path === '/apis') json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    else if (path === '/api/v1') json(res, 200, API_RESOURCES);
    else if (path === '/api/v1/namespaces/default/pods/p1') json(res, 200, POD);
    else json(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: `${path} not found` });
  });
  const sockets = new Set<Duplex>();
  api.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  api.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const path = (req.url ?? '/').split('?')[0];
    log.push(`UPGRADE ${req.headers.upgrade} ${req.method} ${path}`);
    if (path.endsWith('/exec') || path.endsWith('/attach')) {
      if (opts.refuseWebSocket && (req.headers.upgrade ?? '').toLowerCase() === 'websocket') {
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      void serveRemoteCommand(req, socket, head, {
        start: async (o) => localExec(o.command.length > 0 ? o : { ...o, command: ['sh', '-c', 'echo attached; cat'] }, resizes),
        closeGraceMs: 2000,
      });
    } else if (path.endsWith('/portforward')) {
      void servePortForward(req, socket, head, {
        connect: (port) =>
          new Promise<Duplex>((resolve, reject) => {
            // The pod's "port 8080" is the local target server; anything else is refused like a closed port.
            const c = createConnection({ host: '127.0.0.1', port: port === 8080 ? httpPort : 1 });
            c.once('connect', () => resolve(c));
            c.once('error', reject);
          }),
      });
    } else {
      socket.destroy();
    }
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${url}`,
      'users:',
      '- name: fake',
      '  user: {}',
      'contexts:',
      '- name: fake',
      '  context: {cluster: fake, user: fake, namespace: default}',
      'current-context: fake',
      '',
    ].join('\n'),
  );
  return {
    url,
    kubeconfig,
    cacheDir: join(dir, 'cache'),
    log,
    resizes,
    httpPort,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise((r) => api.close(r)), new Promise((r) => target.close(r))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs kubectl asynchronously (the fake server lives in this process, so a synchronous spawn
 * would deadlock) and kills it after timeoutMs.
 */
export function kubectl(
  api: FakeApiServer,
  version: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; wrapInScript?: boolean } = {},
): Promise<RunResult> {
  const bin = kubectlBinary(version);
  const fullArgs = ['--kubeconfig', api.kubeconfig, '--cache-dir', api.cacheDir, ...args];
  let child: ChildProcess;
  if (opts.wrapInScript) {
    // `script` gives kubectl a terminal (needed for -t); the terminal size is set so kubectl sends a resize.
    const quoted = shellQuote([bin, ...fullArgs]);
    child = spawn('script', ['-qec', `stty cols 91 rows 27; ${quoted}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  } else {
    child = spawn(bin, fullArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
  }
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin?.on('error', () => undefined);
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  else if (!opts.wrapInScript) child.stdin?.end();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `kubectl port-forward` in the background and resolves with the local port it reports. */
export async function startPortForward(
  api: FakeApiServer,
  version: string,
  args: string[],
): Promise<{ localPort: number; child: ChildProcess; output: () => string; stop: () => Promise<void> }> {
  const child = spawn(kubectlBinary(version), ['--kubeconfig', api.kubeconfig, '--cache-dir', api.cacheDir, 'port-forward', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
    if (m) return { localPort: Number(m[1]), child, output: () => out, stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`kubectl port-forward did not start:\n${out}`);
}
