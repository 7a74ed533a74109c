/** HTTP upgrade plumbing shared by exec/attach and port-forward: telling WebSocket from SPDY, accepting or refusing either. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { SpdySession } from './spdy/session.js';

/** The header through which SPDY clients offer stream protocol versions, and the server names its choice. */
export const STREAM_PROTOCOL_HEADER = 'x-stream-protocol-version';

export type UpgradeKind = 'websocket' | 'spdy';

/**
 * Which streaming transport a request asks for. kubectl 1.30+ sends a WebSocket GET; older
 * kubectl (and the newer one as a fallback) sends `Upgrade: SPDY/3.1`, on a POST for exec and
 * attach. Node hands both to the server's 'upgrade' event regardless of method.
 */
export function upgradeKind(req: IncomingMessage): UpgradeKind | undefined {
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  if (upgrade === 'websocket') return 'websocket';
  if (upgrade.startsWith('spdy/3.1')) return 'spdy';
  return undefined;
}

/** Tokens of a comma-separated header that may also be repeated. */
function headerTokens(value: string | string[] | undefined): string[] {
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.flatMap((v) => v.split(',')).map((t) => t.trim()).filter((t) => t !== '');
}

/** Answers an upgrade request with an ordinary HTTP error carrying a metav1.Status, then drops the socket. */
export function refuseUpgrade(socket: Duplex, code: number, reason: string, message: string): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  const statusText: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };
  socket.end(
    `HTTP/1.1 ${code} ${statusText[code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/**
 * Completes a SPDY/3.1 upgrade: picks the first of `supported` (server preference order) that the
 * client offers in X-Stream-Protocol-Version, answers 101 naming it, and starts a session on the
 * socket. Refuses with 403 when there is no common version, as the kubelet does (kubectl then
 * reports the server's message). Returns undefined after refusing.
 */
export function acceptSpdy(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  supported: readonly string[],
): { session: SpdySession; protocol: string } | undefined {
  const offered = headerTokens(req.headers[STREAM_PROTOCOL_HEADER]);
  const protocol = supported.find((p) => offered.includes(p));
  if (protocol === undefined) {
    refuseUpgrade(
      socket,
      403,
      'Forbidden',
      `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(supported)}`,
    );
    return undefined;
  }
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\n' +
      'Connection: Upgrade\r\n' +
      'Upgrade: SPDY/3.1\r\n' +
      `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  // Bytes the client sent right behind its request belong to the SPDY stream.
  if (head.length > 0) socket.unshift(head);
  return { session: new SpdySession(socket), protocol };
}

/**
 * Completes a WebSocket upgrade with the first of `supported` the client offers in
 * Sec-WebSocket-Protocol. With no common subprotocol it refuses with 400 (unless `allowNone`),
 * which is what makes kubectl 1.30+ fall back to SPDY.
 */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  supported: readonly string[],
  allowNone = false,
): Promise<{ ws: WebSocket; protocol: string } | undefined> {
  const offered = headerTokens(req.headers['sec-websocket-protocol']);
  const protocol = supported.find((p) => offered.includes(p));
  if (protocol === undefined && !(allowNone && offered.length === 0)) {
    refuseUpgrade(
      socket,
      400,
      'BadRequest',
      `unable to upgrade: no supported WebSocket subprotocol in ${JSON.stringify(offered)}, server supports ${JSON.stringify(supported)}`,
    );
    return Promise.resolve(undefined);
  }
  // Deflate is off: the payloads are terminal bytes and SPDY frames, and kubectl does not offer it.
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: () => protocol ?? false,
  });
  return new Promise((resolve) => {
    // ws answers a malformed handshake itself and never calls back; the socket closing ends the wait.
    socket.once('close', () => resolve(undefined));
    wss.handleUpgrade(req, socket, head, (ws) => {
      wss.close();
      resolve({ ws, protocol: protocol ?? '' });
    });
  });
}
