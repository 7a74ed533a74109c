/**
 * The agent's own HTTP endpoint, which the API server proxies pod subresources to: container
 * logs, exec, attach and port-forward, with the kubelet's paths. Only callers holding the
 * agent's token are served.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus, Runtime, SandboxStatus } from '../runtime/runtime.js';
import type { MetricsEndpoints } from '../metrics/endpoints.js';

// The streaming protocols (WebSocket, SPDY) load with the first exec, attach or port-forward: an agent that never
// streams does not carry them.
const remoteCommand = (): Promise<typeof import('./streaming/remotecommand.js')> => import('./streaming/remotecommand.js');
const portForward = (): Promise<typeof import('./streaming/portforward.js')> => import('./streaming/portforward.js');

export interface PodLookup {
  pod(namespace: string, name: string): Pod | undefined;
  /** The container instance: the newest, or with `previous` the one before it. */
  container(pod: Pod, name: string, previous: boolean): Promise<ContainerStatus | undefined>;
  sandbox(pod: Pod): Promise<SandboxStatus | undefined>;
}

export interface AgentServerOptions {
  runtime: Runtime;
  lookup: PodLookup;
  token: string;
  bindAddress?: string;
  port?: number;
  /** `/metrics`, `/metrics/cadvisor` and `/stats/summary`, as the kubelet serves them. */
  metrics?: MetricsEndpoints;
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

function rejectUpgrade(socket: Duplex, code: number, message: string): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: code === 404 ? 'NotFound' : 'BadRequest', code });
  socket.end(`HTTP/1.1 ${code} ${code === 404 ? 'Not Found' : code === 401 ? 'Unauthorized' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export class AgentServer {
  private server?: Server;

  constructor(private readonly opts: AgentServerOptions) {}

  private authorized(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    const given = Buffer.from(h.startsWith('Bearer ') ? h.slice(7) : '');
    const want = Buffer.from(this.opts.token);
    return given.length === want.length && timingSafeEqual(given, want);
  }

  /** Finds the pod and container of a request path, or explains why not as the API server would. */
  private async resolve(ns: string, podName: string, containerName: string | undefined, previous: boolean): Promise<{ pod: Pod; container: ContainerStatus } | { code: number; message: string }> {
    const pod = this.opts.lookup.pod(ns, podName);
    if (!pod) return { code: 404, message: `pods "${podName}" not found` };
    const names = (pod.spec?.containers ?? []).map((c) => c.name);
    const all = [...names, ...(pod.spec?.initContainers ?? []).map((c) => c.name)];
    const name = containerName || (names.length === 1 ? names[0] : undefined);
    if (!name) return { code: 400, message: `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]` };
    if (!all.includes(name)) return { code: 400, message: `container ${name} is not valid for pod ${podName}` };
    const c = await this.opts.lookup.container(pod, name, previous);
    if (!c) {
      if (previous) return { code: 400, message: `previous terminated container "${name}" in pod "${podName}" not found` };
      const waiting = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s) => s.name === name)?.state?.waiting?.reason ?? 'ContainerCreating';
      return { code: 400, message: `container "${name}" in pod "${podName}" is waiting to start: ${waiting}` };
    }
    return { pod, container: c };
  }

  private async logs(req: IncomingMessage, res: ServerResponse, parts: string[], query: URLSearchParams): Promise<void> {
    const [ns, podName, containerName] = parts;
    const previous = query.get('previous') === 'true';
    const r = await this.resolve(ns, podName, containerName, previous);
    if ('code' in r) return status(res, r.code, r.code === 404 ? 'NotFound' : 'BadRequest', r.message);
    const since = query.get('sinceTime') ? new Date(query.get('sinceTime') ?? '') : query.get('sinceSeconds') ? new Date(Date.now() - Number(query.get('sinceSeconds')) * 1000) : undefined;
    const stream = await this.opts.runtime.logs(r.container.id, {
      follow: query.get('follow') === 'true' && !previous && r.container.state === 'running',
      timestamps: query.get('timestamps') === 'true',
      ...(query.get('tailLines') ? { tailLines: Number(query.get('tailLines')) } : {}),
      ...(since ? { sinceTime: since } : {}),
      ...(query.get('limitBytes') ? { limitBytes: Number(query.get('limitBytes')) } : {}),
    });
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    stream.pipe(res);
    res.on('close', () => stream.destroy());
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!this.authorized(req)) return rejectUpgrade(socket, 401, 'Unauthorized');
    const url = new URL(req.url ?? '/', 'http://agent');
    const [kind, ns, podName, containerName] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (kind === 'exec' || kind === 'attach') {
      const r = await this.resolve(ns, podName, containerName || url.searchParams.get('container') || undefined, false);
      if ('code' in r) return rejectUpgrade(socket, r.code, r.message);
      if (r.container.state !== 'running') return rejectUpgrade(socket, 400, `container ${r.container.name} is not running`);
      const id = r.container.id;
      const { serveRemoteCommand } = await remoteCommand();
      await serveRemoteCommand(req, socket, head, {
        start: (o) => kind === 'exec'
          ? this.opts.runtime.exec(id, { cmd: o.command, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr, tty: o.tty })
          : this.opts.runtime.attach(id, { stdin: o.stdin, stdout: o.stdout, stderr: o.stderr, tty: o.tty }),
      });
      return;
    }
    if (kind === 'portForward') {
      const pod = this.opts.lookup.pod(ns, podName);
      if (!pod) return rejectUpgrade(socket, 404, `pods "${podName}" not found`);
      const sandbox = await this.opts.lookup.sandbox(pod);
      if (!sandbox) return rejectUpgrade(socket, 400, `pod ${podName} has no running sandbox`);
      const { servePortForward } = await portForward();
      await servePortForward(req, socket, head, { connect: (port) => this.opts.runtime.portForward(sandbox.id, port) });
      return;
    }
    rejectUpgrade(socket, 404, 'the server could not find the requested resource');
  }

  async listen(): Promise<number> {
    const server = createServer((req, res) => {
      if (!this.authorized(req)) return status(res, 401, 'Unauthorized', 'Unauthorized');
      const url = new URL(req.url ?? '/', 'http://agent');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      if (req.method === 'GET' && parts[0] === 'containerLogs') {
        this.logs(req, res, parts.slice(1), url.searchParams).catch((err: unknown) => {
          if (!res.headersSent) status(res, 500, 'InternalError', (err as Error).message);
          else res.end();
        });
        return;
      }
      if (req.method === 'GET' && this.opts.metrics?.serve(url.pathname, res)) return;
      if (parts[0] === 'healthz') {
        res.end('ok');
        return;
      }
      status(res, 404, 'NotFound', 'the server could not find the requested resource');
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      this.upgrade(req, socket, head).catch((err: unknown) => rejectUpgrade(socket, 500, (err as Error).message));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.bindAddress ?? '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}
