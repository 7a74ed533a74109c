/**
 * The ingress data plane: an HTTP and an HTTPS listener whose requests are matched against the
 * current route table and proxied to a ready pod with http-proxy over keep-alive connections.
 * It only reads the table and certificates the controller hands it.
 */
import { Agent, createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import httpProxy from 'http-proxy';
import { AccessLog } from './access-log.js';
import { backendLabel, type Endpoint } from './backends.js';
import { certificateFor, type CertificateTable } from './certificates.js';
import { IngressMetrics } from './metrics.js';
import { PortListener, type ListenProblem } from './port-listener.js';
import { EMPTY_ROUTE_TABLE, matchRoute, normalizeHost, type RouteTable, type RouteTarget } from './route-table.js';

export interface IngressServerOptions {
  address: string;
  /** Ports tried in order for HTTP and for HTTPS. */
  httpPorts: number[];
  httpsPorts: number[];
  defaultCertificate: { certPem: string; keyPem: string };
  accessLogPath: string;
  metrics?: IngressMetrics;
  retryMs?: number;
  onProblem?: (scheme: 'http' | 'https', p: ListenProblem) => void;
  onListening?: (scheme: 'http' | 'https', port: number) => void;
}

type Scheme = 'http' | 'https';

/** Methods without a body can be sent again to another pod when the first refuses the connection. */
const RETRYABLE = new Set(['GET', 'HEAD', 'OPTIONS']);

function clientAddress(socket: Socket): string {
  const a = socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

export class IngressServer {
  readonly metrics: IngressMetrics;
  private table: RouteTable = EMPTY_ROUTE_TABLE;
  private certs: CertificateTable = { byHost: new Map(), problems: [] };
  private readonly contexts = new Map<string, SecureContext>();
  private readonly cursor = new Map<string, number>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, timeout: 60_000 });
  private readonly proxy = httpProxy.createProxyServer({ agent: this.agent, ws: true, xfwd: false, proxyTimeout: 120_000 });
  private readonly http: HttpServer;
  private readonly https: HttpsServer;
  private readonly listeners: Record<Scheme, PortListener>;
  private readonly log: AccessLog;

  constructor(private readonly opts: IngressServerOptions) {
    this.metrics = opts.metrics ?? new IngressMetrics();
    this.log = new AccessLog(opts.accessLogPath);
    this.http = createHttpServer((req, res) => this.handle(req, res, 'http'));
    this.https = createHttpsServer({
      cert: opts.defaultCertificate.certPem, key: opts.defaultCertificate.keyPem,
      SNICallback: (servername, cb) => cb(null, this.contextFor(servername)),
    }, (req, res) => this.handle(req, res, 'https'));
    for (const [server, scheme] of [[this.http, 'http'], [this.https, 'https']] as const) {
      server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head, scheme));
      server.on('clientError', (_err, socket: Socket) => socket.destroy());
    }
    // Errors reach the per-request callbacks; this only keeps a stray one from crashing the process.
    this.proxy.on('error', () => undefined);
    const listener = (scheme: Scheme, server: HttpServer | HttpsServer, ports: number[]): PortListener => new PortListener({
      server, address: opts.address, candidates: ports, retryMs: opts.retryMs,
      onProblem: (p) => opts.onProblem?.(scheme, p), onListening: (port) => opts.onListening?.(scheme, port),
    });
    this.listeners = { http: listener('http', this.http, opts.httpPorts), https: listener('https', this.https, opts.httpsPorts) };
  }

  /** Binds both ports (or starts retrying); resolves once each has been tried. */
  async start(): Promise<{ http?: number; https?: number }> {
    const [http, https] = await Promise.all([this.listeners.http.start(), this.listeners.https.start()]);
    return { http, https };
  }

  get ports(): { http?: number; https?: number } {
    return { http: this.listeners.http.port, https: this.listeners.https.port };
  }

  /** Replaces the certificate served when no Secret matches (or the client sends no SNI). */
  setDefaultCertificate(c: { certPem: string; keyPem: string }): void {
    this.https.setSecureContext({ cert: c.certPem, key: c.keyPem });
  }

  setRoutes(table: RouteTable): void {
    this.table = table;
  }

  setCertificates(certs: CertificateTable): void {
    this.certs = certs;
    const live = new Set([...certs.byHost.values()].map((c) => `${c.secret}@${c.version}`));
    for (const k of this.contexts.keys()) if (!live.has(k)) this.contexts.delete(k);
  }

  async stop(): Promise<void> {
    this.http.closeAllConnections();
    this.https.closeAllConnections();
    await Promise.all([this.listeners.http.stop(), this.listeners.https.stop()]);
    this.proxy.close();
    this.agent.destroy();
    await this.log.close();
  }

  private contextFor(servername: string): SecureContext | undefined {
    const cert = certificateFor(this.certs, servername);
    if (!cert) return undefined;
    const key = `${cert.secret}@${cert.version}`;
    let ctx = this.contexts.get(key);
    if (!ctx) {
      try {
        ctx = createSecureContext({ cert: cert.certPem, key: cert.keyPem });
      } catch {
        // A Secret whose PEM does not parse: serve the default certificate rather than fail the handshake.
        return undefined;
      }
      this.contexts.set(key, ctx);
    }
    return ctx;
  }

  /** Round robin over the target's ready endpoints, skipping the ones already tried. */
  private pick(target: RouteTarget, tried: ReadonlySet<string>): Endpoint | undefined {
    const key = `${target.namespace}/${target.ingress}/${target.host}/${target.path}`;
    const n = target.endpoints.length;
    const start = this.cursor.get(key) ?? 0;
    for (let i = 0; i < n; i++) {
      const ep = target.endpoints[(start + i) % n];
      if (!tried.has(`${ep.ip}:${ep.port}`)) {
        this.cursor.set(key, (start + i + 1) % n);
        return ep;
      }
    }
    return undefined;
  }

  private forwardedHeaders(req: IncomingMessage, scheme: Scheme): void {
    const client = clientAddress(req.socket);
    const prior = req.headers['x-forwarded-for'];
    req.headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
    req.headers['x-forwarded-proto'] = scheme;
    req.headers['x-forwarded-host'] = req.headers.host ?? '';
    req.headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  }

  private handle(req: IncomingMessage, res: ServerResponse, scheme: Scheme): void {
    const started = process.hrtime.bigint();
    const host = req.headers.host ?? '';
    const url = req.url ?? '/';
    const target = matchRoute(this.table, host, url);
    const finish = this.metrics.begin(IngressMetrics.labelsOf(target));
    const socket = req.socket;
    const readAtStart = socket.bytesRead;
    const writtenAtStart = socket.bytesWritten;
    let upstream = '-';
    res.once('close', () => {
      const bytes = Math.max(0, socket.bytesWritten - writtenAtStart);
      finish(res.statusCode, Math.max(0, socket.bytesRead - readAtStart), bytes);
      this.log.write({
        time: new Date(), remoteAddress: clientAddress(socket), method: req.method ?? '', url, httpVersion: req.httpVersion,
        status: res.statusCode, bytes, durationMs: Number(process.hrtime.bigint() - started) / 1e6, host, userAgent: String(req.headers['user-agent'] ?? ''),
        ingress: target ? `${target.namespace}/${target.ingress}` : '-', backend: target?.backend ? backendLabel(target.backend) : '-', upstream,
      });
    });

    if (!target) {
      reply(res, 404, `no ingress rule matches host "${normalizeHost(host)}" and path "${url.split('?')[0]}", and no Ingress has a defaultBackend\n`);
      return;
    }
    if (target.endpoints.length === 0) {
      reply(res, 503, `ingress ${target.namespace}/${target.ingress}: ${target.unavailable ?? 'no ready endpoints'}\n`);
      return;
    }
    this.forwardedHeaders(req, scheme);
    const tried = new Set<string>();
    const send = (): void => {
      const ep = this.pick(target, tried);
      if (!ep) {
        reply(res, 502, `ingress ${target.namespace}/${target.ingress}: every endpoint of ${target.backend ? backendLabel(target.backend) : 'the backend'} refused the connection\n`);
        return;
      }
      upstream = `${ep.ip}:${ep.port}`;
      tried.add(upstream);
      this.proxy.web(req, res, { target: `http://${upstream}` }, (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED' && !res.headersSent && RETRYABLE.has(req.method ?? '')) {
          send();
          return;
        }
        if (!res.headersSent) reply(res, 502, `ingress ${target.namespace}/${target.ingress}: upstream ${upstream} failed: ${err.code ?? err.message}\n`);
        else res.destroy();
      });
    };
    send();
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer, scheme: Scheme): void {
    const target = matchRoute(this.table, req.headers.host ?? '', req.url ?? '/');
    const finish = this.metrics.begin(IngressMetrics.labelsOf(target));
    socket.on('error', () => undefined);
    const refuse = (code: number, text: string, body: string): void => {
      finish(code, 0, 0);
      socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    if (!target) return refuse(404, 'Not Found', 'no ingress rule matches this request\n');
    const ep = this.pick(target, new Set());
    if (!ep) return refuse(503, 'Service Unavailable', `ingress ${target.namespace}/${target.ingress}: ${target.unavailable ?? 'no ready endpoints'}\n`);
    this.forwardedHeaders(req, scheme);
    const readAtStart = socket.bytesRead;
    const writtenAtStart = socket.bytesWritten;
    socket.once('close', () => finish(101, socket.bytesRead - readAtStart, socket.bytesWritten - writtenAtStart));
    this.proxy.ws(req, socket, head, { target: `http://${ep.ip}:${ep.port}` }, () => socket.destroy());
  }
}

function reply(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
