/**
 * The L7 path of HTTP Service ports on http-proxy: a keep-alive upstream pool shared by every Service,
 * one endpoint picked per request, a refused (or reset-before-response, for idempotent requests without a
 * body) connection retried on another endpoint, 503 when a Service has no endpoints, WebSocket upgrades
 * passed through.
 */
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import httpProxy from 'http-proxy';
import { noEndpointsMessage, type DataPath } from './data-path.js';
import { MAX_CONNECT_ATTEMPTS, isRetryableConnectError } from './picker.js';
import type { Endpoint, ServicePortRoute } from './types.js';

/**
 * One pool for all upstreams: sockets are keyed by endpoint inside the agent. LIFO reuse keeps the
 * warmest sockets busy so idle ones time out instead of all going stale together.
 */
export function newUpstreamAgent(): Agent {
  return new Agent({ keepAlive: true, keepAliveMsecs: 1000, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo', timeout: 60_000 });
}

export interface HttpPath {
  /** A server for one listener; `routeKey()` says which Service port it serves now. */
  server(routeKey: () => string): Server;
  close(): void;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function clientIP(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '';
}

function sendError(res: ServerResponse, code: number, body: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Connection-level headers of the pod's response: they describe the proxy↔pod hop, not the client's (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * The pod's response as the client gets it: status, reason and end-to-end headers in their original case and
 * order; Node frames the body itself (Content-Length when the pod sent one, chunked or close-delimited otherwise).
 */
export function relayResponse(proxyRes: IncomingMessage, _req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) {
    proxyRes.resume();
    return;
  }
  const raw = proxyRes.rawHeaders;
  const headers: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
  }
  res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, headers);
  proxyRes.pipe(res);
}

export function createHttpPath(dp: DataPath): HttpPath {
  const agent = newUpstreamAgent();
  // toProxy: the request line is used as is (no url.parse per request); no X-Forwarded-*: a Service is L4 in
  // Kubernetes and the request reaches the pod as the client sent it.
  // selfHandleResponse: the response head goes out in one writeHead instead of http-proxy's five outgoing passes
  // and a setHeader per header (see relayResponse).
  const proxy = httpProxy.createProxyServer({ agent, toProxy: true, xfwd: false, proxyTimeout: 0, selfHandleResponse: true });
  // Without a listener, an 'error' not handled by a callback would crash the process.
  proxy.on('error', () => undefined);
  proxy.on('proxyRes', relayResponse);

  const forward = (route: ServicePortRoute, req: IncomingMessage, res: ServerResponse, tried: Set<string> | undefined, attempt: number): void => {
    const ep = dp.picker(route.key).pick(route, clientIP(req), dp.now(), tried);
    if (!ep) {
      if (attempt === 0) sendError(res, 503, noEndpointsMessage(route));
      else sendError(res, 502, `every endpoint of service "${route.namespace}/${route.service}" refused the connection\n`);
      return;
    }
    proxy.web(req, res, { target: { host: ep.ip, port: ep.port } }, (err: Error) => {
      if (res.headersSent || req.destroyed && res.writableEnded) {
        res.destroy();
        return;
      }
      const code = (err as NodeJS.ErrnoException).code;
      const retry = attempt + 1 < MAX_CONNECT_ATTEMPTS && !hasBody(req)
        && (isRetryableConnectError(err) || (code === 'ECONNRESET' && IDEMPOTENT.has(req.method ?? '')));
      if (retry) {
        const t = tried ?? new Set<string>();
        t.add(ep.key);
        // The route may have changed since the first attempt: read the current one.
        forward(dp.route(route.key) ?? route, req, res, t, attempt + 1);
        return;
      }
      sendError(res, 502, `error talking to ${ep.key} for service "${route.namespace}/${route.service}": ${code ?? err.message}\n`);
    });
  };

  const upgrade = (route: ServicePortRoute, req: IncomingMessage, socket: Socket, head: Buffer): void => {
    const ep: Endpoint | undefined = dp.picker(route.key).pick(route, clientIP(req), dp.now());
    if (!ep) {
      const body = noEndpointsMessage(route);
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    proxy.ws(req, socket, head, { target: { host: ep.ip, port: ep.port } }, () => socket.destroy());
  };

  return {
    server(routeKey) {
      const server = createServer({ keepAlive: true }, (req, res) => {
        const route = dp.route(routeKey());
        if (!route) {
          sendError(res, 503, `service port ${routeKey()} is gone\n`);
          return;
        }
        const m = dp.routeMetrics(route);
        const started = performance.now();
        m.inFlight.inc();
        res.once('close', () => {
          m.inFlight.dec();
          m.done(res.statusCode, (performance.now() - started) / 1000);
        });
        forward(route, req, res, undefined, 0);
      });
      // Clients such as busybox wget half-close after sending the request; Node would abort the request
      // then, so keep answering on a half-closed socket.
      (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
      server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
        const route = dp.route(routeKey());
        if (!route) {
          socket.destroy();
          return;
        }
        upgrade(route, req, socket, head);
      });
      server.on('connection', (socket: Socket) => {
        socket.setNoDelay(true);
        socket.once('close', () => {
          const route = dp.route(routeKey());
          if (route) dp.routeMetrics(route).bytes(socket.bytesRead, socket.bytesWritten);
        });
      });
      // A client that sends garbage gets a 400 from Node and must not reach the process' error handling.
      server.on('clientError', (_err, socket: Socket) => socket.destroy());
      return server;
    },
    close() {
      proxy.close();
      agent.destroy();
    },
  };
}
