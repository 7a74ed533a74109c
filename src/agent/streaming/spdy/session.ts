/** A server-side SPDY/3.1 session over any byte Duplex: accepts client streams, answers pings, writes frames in order. */
import { EventEmitter, once } from 'node:events';
import { Duplex } from 'node:stream';
import {
  FrameCodec,
  FrameSplitter,
  GoAwayStatus,
  MAX_FRAME_PAYLOAD,
  RstStatus,
  SpdyProtocolError,
  type Frame,
  type SpdyHeaders,
} from './frames.js';

/** Outgoing data is cut into frames of at most this size, so one big write cannot starve other streams. */
const DATA_CHUNK = 32 * 1024;

/**
 * One client-initiated stream. The readable side yields the client's DATA frames and ends at
 * its FIN; the writable side sends DATA frames, and end() sends an empty DATA frame with FIN
 * (a half-close, as SPDY streams close each direction separately).
 *
 * There is no flow control: the Go client (spdystream) neither sends nor honours
 * WINDOW_UPDATE, so pushing data without waiting for window credit is what it expects.
 */
export class SpdyStream extends Duplex {
  /** True once the client reset the stream (it will not read or write any more). */
  resetByPeer = false;
  private replied = false;
  private localClosed = false;
  private remoteClosed = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    /** The headers of the client's SYN_STREAM (and any later HEADERS frames), names lowercase. */
    readonly headers: SpdyHeaders,
  ) {
    super({ allowHalfOpen: true });
  }

  /** The first value of a header, by case-insensitive name. */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  /**
   * Accepts the stream with a SYN_REPLY. The Go client waits for it when opening a stream and
   * drops data on streams it has no reply for, so every accepted stream needs one; writes send
   * it implicitly if the handler did not.
   */
  reply(headers: SpdyHeaders = {}): void {
    if (this.replied) return;
    this.replied = true;
    void this.session.send({ type: 'syn_reply', streamId: this.id, fin: false, headers });
  }

  /** Aborts the stream in both directions with RST_STREAM. */
  reset(status: number = RstStatus.CANCEL): void {
    if (!this.localClosed || !this.remoteClosed) {
      void this.session.send({ type: 'rst_stream', streamId: this.id, status });
    }
    this.localClosed = true;
    this.remoteClosed = true;
    this.session.forget(this.id);
    this.destroy();
  }

  override _read(): void {
    // Data is pushed as frames arrive; there is no window to reopen.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.reply();
    const sends: Promise<void>[] = [];
    for (let off = 0; off < chunk.length; off += DATA_CHUNK) {
      sends.push(
        this.session.send({ type: 'data', streamId: this.id, fin: false, data: chunk.subarray(off, off + DATA_CHUNK) }),
      );
    }
    Promise.all(sends).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.reply();
    if (this.localClosed) {
      cb();
      return;
    }
    this.localClosed = true;
    this.session
      .send({ type: 'data', streamId: this.id, fin: true, data: Buffer.alloc(0) })
      .then(() => {
        this.maybeForget();
        cb();
      }, cb);
  }

  /** @internal Called by the session for each DATA frame (or FIN on a control frame). */
  receive(data: Buffer, fin: boolean): void {
    if (this.remoteClosed) return;
    if (data.length > 0) this.push(data);
    if (fin) {
      this.remoteClosed = true;
      this.push(null);
      this.maybeForget();
    }
  }

  /** @internal The client reset the stream or the connection went away. */
  abort(byPeer: boolean): void {
    this.resetByPeer = byPeer;
    this.localClosed = true;
    this.remoteClosed = true;
    this.destroy();
  }

  private maybeForget(): void {
    if (this.localClosed && this.remoteClosed) this.session.forget(this.id);
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  close: [];
  error: [Error];
}

/**
 * The server end of one SPDY/3.1 connection. The transport is any Duplex of raw SPDY bytes: an
 * upgraded socket, or a WebSocket carrying SPDY in binary messages.
 *
 * Incoming frames are handled strictly in arrival order (header blocks share one zlib stream,
 * and a stream's data must follow its SYN_STREAM); outgoing frames are written in the order
 * send() was called, for the same zlib reason. Emits 'stream' for each SYN_STREAM, 'close'
 * once the transport is gone.
 */
export class SpdySession extends EventEmitter<SpdySessionEvents> {
  private readonly codec = new FrameCodec();
  private readonly splitter = new FrameSplitter();
  private readonly streams = new Map<number, SpdyStream>();
  private inChain: Promise<void> = Promise.resolve();
  private outChain: Promise<void> = Promise.resolve();
  private lastClientStreamId = 0;
  private goingAway = false;
  private closed = false;

  constructor(private readonly conn: Duplex) {
    super();
    conn.on('data', (chunk: Buffer) => this.onBytes(chunk));
    conn.on('end', () => this.shutdown());
    conn.on('close', () => this.shutdown());
    conn.on('error', (err: Error) => {
      // The peer vanishing mid-write is routine for port-forward and exec; report, then tear down.
      if (this.listenerCount('error') > 0) this.emit('error', err);
      this.shutdown();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues a frame; resolves once it is handed to the transport (dropped silently after close). */
  send(frame: Frame): Promise<void> {
    const run = this.outChain.then(async () => {
      if (this.closed) return;
      const bytes = await this.codec.encode(frame);
      if (this.closed) return;
      if (!this.conn.write(bytes)) {
        await Promise.race([once(this.conn, 'drain'), once(this.conn, 'close')]).catch(() => undefined);
      }
    });
    this.outChain = run.catch((err: Error) => this.fail(err));
    return this.outChain;
  }

  /** Says GOAWAY, then ends the transport once queued frames are written. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.goingAway) {
      this.goingAway = true;
      await this.send({ type: 'goaway', lastGoodStreamId: this.lastClientStreamId, status: GoAwayStatus.OK });
    }
    await this.outChain;
    if (!this.closed) this.conn.end();
  }

  /** Drops the transport at once. */
  destroy(): void {
    this.conn.destroy();
    this.shutdown();
  }

  /** @internal A stream is fully closed; later frames for its id are stale. */
  forget(id: number): void {
    this.streams.delete(id);
  }

  private onBytes(chunk: Buffer): void {
    let raws;
    try {
      raws = this.splitter.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    if (this.splitter.pending > MAX_FRAME_PAYLOAD + 8) {
      this.fail(new SpdyProtocolError('frame larger than the protocol allows'));
      return;
    }
    for (const raw of raws) {
      this.inChain = this.inChain.then(async () => {
        if (this.closed) return;
        const frame = await this.codec.decode(raw);
        if (frame) this.handle(frame);
      });
    }
    this.inChain = this.inChain.catch((err: Error) => this.fail(err));
  }

  private handle(frame: Frame): void {
    switch (frame.type) {
      case 'syn_stream': {
        // Client streams have odd, increasing ids; anything else is a protocol violation.
        if (frame.streamId % 2 !== 1 || frame.streamId <= this.lastClientStreamId) {
          void this.send({ type: 'rst_stream', streamId: frame.streamId, status: RstStatus.PROTOCOL_ERROR });
          return;
        }
        this.lastClientStreamId = frame.streamId;
        if (this.goingAway) {
          void this.send({ type: 'rst_stream', streamId: frame.streamId, status: RstStatus.REFUSED_STREAM });
          return;
        }
        const stream = new SpdyStream(this, frame.streamId, frame.headers);
        this.streams.set(frame.streamId, stream);
        this.emit('stream', stream);
        if (frame.fin) stream.receive(Buffer.alloc(0), true);
        return;
      }
      case 'data': {
        const stream = this.streams.get(frame.streamId);
        if (!stream) {
          void this.send({ type: 'rst_stream', streamId: frame.streamId, status: RstStatus.INVALID_STREAM });
          return;
        }
        stream.receive(frame.data, frame.fin);
        return;
      }
      case 'headers': {
        const stream = this.streams.get(frame.streamId);
        if (!stream) return;
        for (const [k, v] of Object.entries(frame.headers)) stream.headers[k] = [...(stream.headers[k] ?? []), ...v];
        if (frame.fin) stream.receive(Buffer.alloc(0), true);
        return;
      }
      case 'rst_stream': {
        const stream = this.streams.get(frame.streamId);
        this.streams.delete(frame.streamId);
        stream?.abort(true);
        return;
      }
      case 'ping':
        // Echo the client's pings (odd ids); even ids would be answers to our own, which we never send.
        if (frame.id % 2 === 1) void this.send({ type: 'ping', id: frame.id });
        return;
      case 'goaway':
        this.goingAway = true;
        if (this.streams.size === 0) void this.close();
        return;
      case 'syn_reply':
        // This end never opens streams, so a reply can only be a confused peer.
        void this.send({ type: 'rst_stream', streamId: frame.streamId, status: RstStatus.PROTOCOL_ERROR });
        return;
      case 'settings':
      case 'window_update':
        // Nothing to adjust: no flow control (see SpdyStream) and no setting changes our behaviour.
        return;
    }
  }

  private fail(err: Error): void {
    if (this.closed) return;
    if (this.listenerCount('error') > 0) this.emit('error', err);
    const status = err instanceof SpdyProtocolError ? GoAwayStatus.PROTOCOL_ERROR : GoAwayStatus.INTERNAL_ERROR;
    // Best effort: the codec may be the thing that failed, and GOAWAY needs no header block.
    void this.codec
      .encode({ type: 'goaway', lastGoodStreamId: this.lastClientStreamId, status })
      .then((b) => this.conn.end(b), () => this.conn.destroy());
    this.shutdown();
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.abort(false);
    this.streams.clear();
    this.codec.close();
    this.emit('close');
  }
}
