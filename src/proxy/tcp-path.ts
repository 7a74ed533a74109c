/**
 * The L4 path of TCP Service ports: accept, pick an endpoint, connect, pipe both ways. A refused connect
 * tries another endpoint; a Service without endpoints (or all refusing) gets its connection closed.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { DataPath } from './data-path.js';
import { MAX_CONNECT_ATTEMPTS, isRetryableConnectError } from './picker.js';
import type { ServicePortRoute } from './types.js';

function dial(dp: DataPath, route: ServicePortRoute, client: Socket, tried: Set<string>, attempt: number, onUp: (u: Socket) => void): void {
  const ep = dp.picker(route.key).pick(route, client.remoteAddress ?? '', dp.now(), tried);
  if (!ep) {
    client.destroy();
    return;
  }
  const upstream = connect({ host: ep.ip, port: ep.port, noDelay: true, allowHalfOpen: true });
  const onError = (err: Error): void => {
    upstream.destroy();
    if (attempt + 1 < MAX_CONNECT_ATTEMPTS && isRetryableConnectError(err) && !client.destroyed) {
      tried.add(ep.key);
      dial(dp, dp.route(route.key) ?? route, client, tried, attempt + 1, onUp);
    } else {
      client.destroy();
    }
  };
  upstream.once('error', onError);
  upstream.once('connect', () => {
    upstream.off('error', onError);
    onUp(upstream);
  });
}

export function createTcpServer(dp: DataPath, routeKey: () => string): Server {
  return createServer({ noDelay: true, pauseOnConnect: true, allowHalfOpen: true }, (client) => {
    const route = dp.route(routeKey());
    if (!route) {
      client.destroy();
      return;
    }
    const m = dp.routeMetrics(route);
    const started = process.hrtime.bigint();
    m.inFlight.inc();
    let connected = false;
    client.once('close', () => {
      m.inFlight.dec();
      m.done(connected ? 'tcp' : 'refused', Number(process.hrtime.bigint() - started) / 1e9);
      m.bytes(client.bytesRead, client.bytesWritten);
    });
    client.on('error', () => client.destroy());
    dial(dp, route, client, new Set(), 0, (upstream) => {
      connected = true;
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      // A half-close travels as a half-close (pipe ends the other side); a full close flushes first.
      upstream.on('close', () => client.end());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
}
