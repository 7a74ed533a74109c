/** Server side of kubectl port-forward: SPDY (raw or tunnelled in WebSocket) and the WebSocket channel protocol. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, type WebSocket } from 'ws';
import { SpdySession, type SpdyStream } from './spdy/session.js';
import { acceptSpdy, acceptWebSocket, refuseUpgrade, upgradeKind } from './upgrade.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** kubectl 1.30+ tunnels SPDY through WebSocket under this subprotocol. */
export const SPDY_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
/** The channel protocol (not used by kubectl) is accepted under these names, or none at all. */
const CHANNEL_PROTOCOLS = ['v4.channel.k8s.io', PORT_FORWARD_PROTOCOL] as const;

export interface PortForwardOptions {
  /** Opens a TCP connection to `port` in the pod. Throwing reports the error to the client for that connection. */
  connect: (port: number) => Promise<Duplex>;
  /** How long a client gets to open the second stream of a pair (the kubelet's default is 30 s). */
  streamCreationTimeoutMs?: number;
}

/**
 * Entry point for an 'upgrade' event on `.../portforward`. Resolves when the connection is
 * finished with.
 */
export async function servePortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  opts: PortForwardOptions,
): Promise<void> {
  const kind = upgradeKind(req);
  if (kind === 'spdy') {
    const accepted = acceptSpdy(req, socket, head, [PORT_FORWARD_PROTOCOL]);
    if (accepted) await serveSpdySession(accepted.session, opts);
    return;
  }
  if (kind !== 'websocket') {
    refuseUpgrade(socket, 400, 'BadRequest', 'port-forward needs a WebSocket or SPDY/3.1 upgrade');
    return;
  }
  const accepted = await acceptWebSocket(req, socket, head, [SPDY_TUNNEL_PROTOCOL, ...CHANNEL_PROTOCOLS], true);
  if (!accepted) return;
  if (accepted.protocol === SPDY_TUNNEL_PROTOCOL) {
    // Each binary message carries a slice of the SPDY byte stream, so a stream adapter is all it takes.
    const duplex = createWebSocketStream(accepted.ws);
    duplex.on('error', () => undefined);
    await serveSpdySession(new SpdySession(duplex), opts);
    return;
  }
  const ports = parsePorts(req.url ?? '/');
  if (ports === undefined) {
    accepted.ws.close(1008, 'query parameter "ports" must list ports between 1 and 65535');
    return;
  }
  await serveChannels(accepted.ws, ports, opts);
}

/** `?ports=80&ports=443` or `?ports=80,443`; undefined when missing or out of range. */
export function parsePorts(url: string): number[] | undefined {
  const raw = new URL(url, 'http://localhost').searchParams.getAll('ports').flatMap((v) => v.split(','));
  const ports = raw.map((p) => Number(p.trim()));
  if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) return undefined;
  return ports;
}

// ---- SPDY ----

interface StreamPair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

/**
 * Runs the SPDY flavour: each forwarded connection is a pair of client streams sharing a
 * `requestID` header, one `streamType: error` and one `streamType: data`, both naming the
 * remote `port`. Data is copied both ways; a failure is written as text on the error stream.
 * The error stream is closed when the connection is over: kubectl waits for its end before it
 * considers the forwarded connection finished.
 */
export function serveSpdySession(spdy: SpdySession, opts: PortForwardOptions): Promise<void> {
  spdy.on('error', () => undefined);
  const pairs = new Map<string, StreamPair>();
  spdy.on('stream', (stream) => {
    const type = stream.header('streamType');
    // Very old clients send no requestID; the kubelet then pairs streams by arrival, which we mirror.
    const id = stream.header('requestID') ?? `seq-${Math.floor((stream.id - 1) / 4)}`;
    if (type !== 'error' && type !== 'data') {
      stream.reset();
      return;
    }
    stream.reply();
    let pair = pairs.get(id);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(id);
        pair?.error?.reset();
        pair?.data?.reset();
      }, opts.streamCreationTimeoutMs ?? 30_000);
      timer.unref();
      pair = { timer };
      pairs.set(id, pair);
    }
    if (pair[type]) {
      stream.reset();
      return;
    }
    pair[type] = stream;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(id);
      void forwardPair(pair.data, pair.error, opts);
    }
  });
  return new Promise((resolve) => {
    spdy.once('close', () => {
      for (const p of pairs.values()) clearTimeout(p.timer);
      resolve();
    });
  });
}

async function forwardPair(data: SpdyStream, error: SpdyStream, opts: PortForwardOptions): Promise<void> {
  // The client never writes on the error stream; drain it so its FIN is noticed.
  error.resume();
  const portText = data.header('port') ?? '';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    error.end(`invalid port "${portText}"`);
    data.reset();
    return;
  }
  let target: Duplex;
  try {
    target = await opts.connect(port);
  } catch (err) {
    error.end(`error forwarding port ${port} to pod: ${(err as Error).message}`);
    data.reset();
    return;
  }
  if (data.destroyed) {
    target.destroy();
    error.end();
    return;
  }
  let finished = false;
  const finish = (message?: string): void => {
    if (finished) return;
    finished = true;
    if (message) error.write(message);
    error.end();
  };
  target.on('error', (err: Error) => {
    finish(`error forwarding port ${port}: ${err.message}`);
    data.end();
  });
  // Client half-close (FIN) becomes a half-close towards the pod, and vice versa.
  data.pipe(target);
  target.pipe(data);
  target.once('close', () => {
    if (!data.writableEnded && !data.destroyed) data.end();
    finish();
  });
  data.once('close', () => {
    // A reset (or the session going away) leaves nobody to read or write: drop the pod side.
    if (!target.destroyed) target.destroy();
    finish();
  });
}

// ---- WebSocket channel protocol ----

/**
 * Runs the channel flavour (`?ports=`): channel 2i carries data for the i-th port and 2i+1 its
 * errors; the first message on each channel starts with the port as 2 bytes little-endian. The
 * connection closes once every port's connection is over.
 */
async function serveChannels(ws: WebSocket, ports: number[], opts: PortForwardOptions): Promise<void> {
  ws.on('error', () => undefined);
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  const send = (channel: number, payload: Buffer): void => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), payload]), { binary: true });
  };
  const targets: (Duplex | undefined)[] = ports.map(() => undefined);
  const pending: Buffer[][] = ports.map(() => []);
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    if (!isBinary || msg.length === 0) return;
    const ch = msg[0];
    const i = ch >> 1;
    if (ch % 2 !== 0 || i >= ports.length) return;
    const payload = msg.subarray(1);
    const t = targets[i];
    if (t) t.write(payload);
    else pending[i].push(payload);
  });
  const portBytes = (port: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(port);
    return b;
  };
  ports.forEach((port, i) => {
    send(2 * i, portBytes(port));
    send(2 * i + 1, portBytes(port));
  });
  const conns = ports.map(async (port, i) => {
    let target: Duplex;
    try {
      target = await opts.connect(port);
    } catch (err) {
      send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod: ${(err as Error).message}`));
      return;
    }
    targets[i] = target;
    for (const p of pending[i].splice(0)) target.write(p);
    target.on('data', (chunk: Buffer) => send(2 * i, chunk));
    target.on('error', (err: Error) => send(2 * i + 1, Buffer.from(`error forwarding port ${port}: ${err.message}`)));
    void closed.then(() => target.destroy());
    await new Promise<void>((r) => target.once('close', () => r()));
  });
  await Promise.race([Promise.all(conns), closed]);
  if (ws.readyState === ws.OPEN) ws.close(1000);
  await closed;
}
