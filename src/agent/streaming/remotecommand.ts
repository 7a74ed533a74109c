/** Server side of kubectl exec and attach: the WebSocket channel protocols (v4/v5) and SPDY streams (v2–v5). */
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { ExecSession } from '../../runtime/runtime.js';
import type { SpdySession, SpdyStream } from './spdy/session.js';
import { acceptSpdy, acceptWebSocket, refuseUpgrade, upgradeKind } from './upgrade.js';

export const PROTOCOL_V5 = 'v5.channel.k8s.io';
export const PROTOCOL_V4 = 'v4.channel.k8s.io';
export const PROTOCOL_V3 = 'v3.channel.k8s.io';
export const PROTOCOL_V2 = 'v2.channel.k8s.io';

/** WebSocket: kubectl 1.30+ offers only v5; v4 is for other clients. */
const WEBSOCKET_PROTOCOLS = [PROTOCOL_V5, PROTOCOL_V4] as const;
/**
 * SPDY: v4 first. It carries the exit status as JSON like v5, and v5's only addition (the
 * stdin close signal) is native to SPDY anyway. v2/v3 report failures as plain text.
 */
const SPDY_PROTOCOLS = [PROTOCOL_V4, PROTOCOL_V5, PROTOCOL_V3, PROTOCOL_V2] as const;

/** Channel numbers of the WebSocket protocols (the first byte of every binary message). */
export const Channel = { STDIN: 0, STDOUT: 1, STDERR: 2, ERROR: 3, RESIZE: 4, CLOSE: 255 } as const;

/** What the client asked for, from the query string. */
export interface RemoteCommandRequest {
  /** argv for exec (repeated `command` parameters); empty for attach. */
  command: string[];
  container?: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface RemoteCommandOptions {
  /** Starts the exec or attach once the client's streams are in place. Throwing reports the error to the client. */
  start: (o: RemoteCommandRequest) => Promise<ExecSession>;
  /** How long a SPDY client gets to open all its streams (the kubelet's default is 30 s). */
  streamCreationTimeoutMs?: number;
  /** How long to wait for the client to hang up after the final status before closing ourselves. */
  closeGraceMs?: number;
}

/** A metav1.Status as the error channel carries it. */
export interface StreamStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes: { reason: string; message: string }[] };
}

function truthy(v: string | null): boolean {
  return v === 'true' || v === '1';
}

/** Reads exec/attach options from the request URL (`command` repeats once per argv element). */
export function parseRemoteCommandQuery(url: string): RemoteCommandRequest {
  const q = new URL(url, 'http://localhost').searchParams;
  return {
    command: q.getAll('command'),
    container: q.get('container') ?? undefined,
    stdin: truthy(q.get('stdin')),
    stdout: truthy(q.get('stdout')),
    stderr: truthy(q.get('stderr')),
    tty: truthy(q.get('tty')),
  };
}

/**
 * The status that ends a session. A non-zero exit is a Failure with reason NonZeroExitCode and
 * an ExitCode cause: kubectl turns exactly that shape into "command terminated with exit code N"
 * and exits with N.
 */
export function exitStatus(exitCode: number, command: string[]): StreamStatus {
  if (exitCode === 0) return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command ${JSON.stringify(command)}, exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export function errorStatus(message: string): StreamStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'InternalError',
    code: 500,
  };
}

/** Parses a terminal size message; malformed ones are ignored rather than ending the session. */
export function parseResize(text: string): { width: number; height: number } | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return undefined;
    const { Width, Height } = v as { Width?: unknown; Height?: unknown };
    if (typeof Width !== 'number' || typeof Height !== 'number') return undefined;
    return { width: Width, height: Height };
  } catch {
    return undefined;
  }
}

/** Resolves when a readable has delivered everything (or is gone); immediately for a missing one. */
function drained(r: Readable | undefined): Promise<void> {
  if (!r || r.readableEnded || r.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    r.once('end', resolve);
    r.once('close', resolve);
    r.once('error', () => resolve());
  });
}

/** Waits for the exit code and for all output to be read, so the status is the last thing the client sees. */
async function finish(session: ExecSession): Promise<number> {
  const [code] = await Promise.all([session.exitCode, drained(session.stdout), drained(session.stderr)]);
  return code;
}

/**
 * Entry point for an 'upgrade' event on `.../exec` or `.../attach`: negotiates WebSocket or SPDY
 * and runs the session to completion. Resolves when the connection is finished with.
 */
export async function serveRemoteCommand(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  opts: RemoteCommandOptions,
): Promise<void> {
  const request = parseRemoteCommandQuery(req.url ?? '/');
  if (!request.stdin && !request.stdout && !request.stderr) {
    refuseUpgrade(socket, 400, 'BadRequest', 'you must specify at least 1 of stdin, stdout, stderr');
    return;
  }
  const kind = upgradeKind(req);
  if (kind === 'websocket') {
    const accepted = await acceptWebSocket(req, socket, head, WEBSOCKET_PROTOCOLS);
    if (accepted) await serveWebSocket(accepted.ws, accepted.protocol, request, opts);
  } else if (kind === 'spdy') {
    const accepted = acceptSpdy(req, socket, head, SPDY_PROTOCOLS);
    if (accepted) await serveSpdy(accepted.session, accepted.protocol, request, opts);
  } else {
    refuseUpgrade(socket, 400, 'BadRequest', 'exec and attach need a WebSocket or SPDY/3.1 upgrade');
  }
}

// ---- WebSocket channel protocol ----

/** Messages above this many buffered bytes pause the producing stream until the socket catches up. */
const WS_HIGH_WATER = 1 << 20;

function forwardToChannel(ws: WebSocket, channel: number, from: Readable | undefined): void {
  if (!from) return;
  from.on('data', (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(Buffer.concat([Buffer.from([channel]), chunk]), { binary: true }, () => {
      if (from.isPaused() && ws.bufferedAmount < WS_HIGH_WATER) from.resume();
    });
    if (ws.bufferedAmount >= WS_HIGH_WATER) from.pause();
  });
}

async function serveWebSocket(
  ws: WebSocket,
  protocol: string,
  request: RemoteCommandRequest,
  opts: RemoteCommandOptions,
): Promise<void> {
  // Transport errors end in 'close' too; that is all this side needs to know.
  ws.on('error', () => undefined);
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  // Messages can arrive while the session starts; keep them in order until stdin exists.
  const early: Buffer[] = [];
  let session: ExecSession | undefined;
  const onMessage = (data: Buffer): void => {
    if (data.length === 0) return;
    if (!session) {
      early.push(data);
      return;
    }
    const ch = data[0];
    const payload = data.subarray(1);
    if (ch === Channel.STDIN) {
      if (payload.length > 0 && session.stdin && !session.stdin.writableEnded) session.stdin.write(payload);
    } else if (ch === Channel.RESIZE) {
      const size = parseResize(payload.toString('utf8'));
      if (size) session.resize(size.width, size.height).catch(() => undefined);
    } else if (ch === Channel.CLOSE && protocol === PROTOCOL_V5 && payload[0] === Channel.STDIN) {
      session.stdin?.end();
    }
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) onMessage(data);
  });
  const sendStatus = (status: StreamStatus): void => {
    if (ws.readyState === ws.OPEN) {
      ws.send(Buffer.concat([Buffer.from([Channel.ERROR]), Buffer.from(JSON.stringify(status))]), { binary: true });
      ws.close(1000);
    }
  };
  try {
    session = await opts.start(request);
  } catch (err) {
    sendStatus(errorStatus((err as Error).message));
    await closed;
    return;
  }
  const s = session;
  // The client hanging up means no more input; the process is left to finish on its own.
  void closed.then(() => s.stdin?.end());
  forwardToChannel(ws, Channel.STDOUT, s.stdout);
  forwardToChannel(ws, Channel.STDERR, s.stderr);
  for (const m of early.splice(0)) onMessage(m);
  try {
    const code = await Promise.race([finish(s), closed.then(() => undefined)]);
    if (code !== undefined) sendStatus(exitStatus(code, request.command));
  } catch (err) {
    sendStatus(errorStatus((err as Error).message));
  }
  await closed;
}

// ---- SPDY streams ----

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

/** The streams the client will open, as the kubelet computes them (stderr is merged into a TTY). */
function expectedStreams(request: RemoteCommandRequest, protocol: string): StreamType[] {
  const want: StreamType[] = ['error'];
  if (request.stdin) want.push('stdin');
  if (request.stdout) want.push('stdout');
  if (request.stderr && !request.tty) want.push('stderr');
  if (request.tty && protocol !== PROTOCOL_V2) want.push('resize');
  return want;
}

function collectStreams(
  spdy: SpdySession,
  want: StreamType[],
  timeoutMs: number,
): Promise<Map<StreamType, SpdyStream> | undefined> {
  const got = new Map<StreamType, SpdyStream>();
  return new Promise((resolve) => {
    const done = (v: Map<StreamType, SpdyStream> | undefined): void => {
      clearTimeout(timer);
      spdy.off('stream', onStream);
      spdy.off('close', onClose);
      resolve(v);
    };
    const onStream = (stream: SpdyStream): void => {
      const type = stream.header('streamType') as StreamType | undefined;
      if (!type || !want.includes(type) || got.has(type)) {
        stream.reset();
        return;
      }
      stream.reply();
      got.set(type, stream);
      if (got.size === want.length) done(got);
    };
    const onClose = (): void => done(undefined);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    spdy.on('stream', onStream);
    spdy.on('close', onClose);
  });
}

/** Splits the resize stream's newline-separated JSON objects (Go's json.Encoder output). */
function onResizeMessages(stream: SpdyStream, apply: (w: number, h: number) => void): void {
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const size = parseResize(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (size) apply(size.width, size.height);
    }
  });
}

function pipeOut(from: Readable | undefined, to: SpdyStream | undefined): void {
  if (!to) return;
  if (!from) {
    to.end();
    return;
  }
  from.pipe(to);
  // pipe() leaves `to` open when `from` fails; the client still needs the stream's FIN.
  from.once('error', () => to.end());
}

function pipeIn(from: SpdyStream | undefined, to: Writable | undefined): void {
  if (!from) return;
  if (!to) {
    from.resume();
    return;
  }
  from.pipe(to);
  // Writing into a process that already exited must not take the server down.
  to.on('error', () => from.unpipe(to));
}

async function serveSpdy(
  spdy: SpdySession,
  protocol: string,
  request: RemoteCommandRequest,
  opts: RemoteCommandOptions,
): Promise<void> {
  spdy.on('error', () => undefined);
  const streams = await collectStreams(spdy, expectedStreams(request, protocol), opts.streamCreationTimeoutMs ?? 30_000);
  if (!streams) {
    spdy.destroy();
    return;
  }
  const errorStream = streams.get('error');
  const closed = spdy.isClosed ? Promise.resolve() : new Promise<void>((r) => spdy.once('close', () => r()));
  const report = async (status: StreamStatus): Promise<void> => {
    if (!errorStream || spdy.isClosed) return;
    // v2/v3 clients read the error stream as plain text and treat anything there as a failure.
    const legacy = protocol === PROTOCOL_V2 || protocol === PROTOCOL_V3;
    if (!legacy) errorStream.write(JSON.stringify(status));
    else if (status.status !== 'Success') errorStream.write(status.message ?? 'error');
    errorStream.end();
    // Give the client the chance to hang up first (the kubelet waits for it too), then close.
    const grace = new Promise<void>((r) => setTimeout(r, opts.closeGraceMs ?? 5_000).unref());
    await Promise.race([closed, grace]);
    await spdy.close();
  };
  let session: ExecSession;
  try {
    session = await opts.start(request);
  } catch (err) {
    await report(errorStatus((err as Error).message));
    return;
  }
  pipeIn(streams.get('stdin'), session.stdin);
  pipeOut(session.stdout, streams.get('stdout'));
  pipeOut(session.stderr, streams.get('stderr'));
  const resize = streams.get('resize');
  if (resize) onResizeMessages(resize, (w, h) => void session.resize(w, h).catch(() => undefined));
  void closed.then(() => session.stdin?.end());
  try {
    const code = await Promise.race([finish(session), closed.then(() => undefined)]);
    if (code === undefined) return;
    // The output streams' FINs are queued before the status, so the client has all output first.
    await report(exitStatus(code, request.command));
  } catch (err) {
    await report(errorStatus((err as Error).message));
  }
}
