/** SPDY/3.1 frames: their in-memory shapes, the byte layout of each, and header blocks. */
import { ZlibContext } from './zlib-context.js';

export const SPDY_VERSION = 3;
/** Longest payload a frame's 24-bit length field can carry. */
export const MAX_FRAME_PAYLOAD = 0xffffff;

export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
export const FLAG_SETTINGS_CLEAR = 0x01;

/** RST_STREAM status codes. */
export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  FRAME_TOO_LARGE: 11,
} as const;

/** GOAWAY status codes. */
export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

/** Header names are lowercase on the wire; a header may carry several values (NUL-separated there). */
export type SpdyHeaders = Record<string, string[]>;

export interface SettingsEntry {
  flags: number;
  id: number;
  value: number;
}

export type Frame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | {
      type: 'syn_stream';
      streamId: number;
      associatedStreamId: number;
      priority: number;
      slot: number;
      fin: boolean;
      unidirectional: boolean;
      headers: SpdyHeaders;
    }
  | { type: 'syn_reply'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; clear: boolean; entries: SettingsEntry[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'window_update'; streamId: number; delta: number };

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

/** One frame cut from the byte stream, before its payload is interpreted. */
export interface RawFrame {
  control: boolean;
  /** Control frames only. */
  version: number;
  /** Control frames: the frame type; data frames: 0. */
  type: number;
  /** Data frames only. */
  streamId: number;
  flags: number;
  payload: Buffer;
}

/**
 * Cuts a byte stream into frames. Bytes arrive in arbitrary pieces (TCP segments, WebSocket
 * messages), so partial frames are kept until the rest arrives.
 */
export class FrameSplitter {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RawFrame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: RawFrame[] = [];
    while (this.buf.length >= 8) {
      const length = this.buf.readUIntBE(5, 3);
      if (this.buf.length < 8 + length) break;
      const first = this.buf.readUInt32BE(0);
      const control = (first & 0x80000000) !== 0;
      out.push({
        control,
        version: control ? (first >>> 16) & 0x7fff : 0,
        type: control ? first & 0xffff : 0,
        streamId: control ? 0 : first & 0x7fffffff,
        flags: this.buf[4],
        // Copied so that holding a frame never pins the whole receive buffer.
        payload: Buffer.from(this.buf.subarray(8, 8 + length)),
      });
      this.buf = this.buf.subarray(8 + length);
    }
    return out;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pending(): number {
    return this.buf.length;
  }
}

/** Serializes a header block before compression: count, then (name length, name, value length, value) pairs. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const entries = Object.entries(headers);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(entries.length);
  parts.push(count);
  for (const [name, values] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    const nl = Buffer.alloc(4);
    nl.writeUInt32BE(n.length);
    const vl = Buffer.alloc(4);
    vl.writeUInt32BE(v.length);
    parts.push(nl, n, vl, v);
  }
  return Buffer.concat(parts);
}

/** Parses an uncompressed header block; names are lowercased (SPDY requires lowercase, not every peer complies). */
export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const need = (off: number, n: number): void => {
    if (off + n > block.length) throw new SpdyProtocolError('truncated header block');
  };
  need(0, 4);
  const count = block.readUInt32BE(0);
  let off = 4;
  const headers: SpdyHeaders = {};
  for (let i = 0; i < count; i++) {
    need(off, 4);
    const nl = block.readUInt32BE(off);
    off += 4;
    need(off, nl);
    const name = block.toString('utf8', off, off + nl).toLowerCase();
    off += nl;
    need(off, 4);
    const vl = block.readUInt32BE(off);
    off += 4;
    need(off, vl);
    const values = block.toString('utf8', off, off + vl).split('\0');
    off += vl;
    if (name === '') throw new SpdyProtocolError('empty header name');
    headers[name] = [...(headers[name] ?? []), ...values];
  }
  return headers;
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError('frame too large');
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head[4] = flags;
  head.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([head, payload]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/**
 * Encodes and decodes frames for one connection. It owns the connection's two zlib contexts
 * (outgoing and incoming header blocks), so one codec must see every frame of its connection,
 * in order, in each direction.
 */
export class FrameCodec {
  private readonly deflate = new ZlibContext('deflate');
  private readonly inflate = new ZlibContext('inflate');

  /** Encodes a frame; only frames with a header block need the (asynchronous) compressor. */
  async encode(frame: Frame): Promise<Buffer> {
    switch (frame.type) {
      case 'syn_stream': {
        const block = await this.deflate.process(encodeHeaderBlock(frame.headers));
        const fixed = Buffer.alloc(10);
        fixed.writeUInt32BE(frame.streamId & 0x7fffffff, 0);
        fixed.writeUInt32BE(frame.associatedStreamId & 0x7fffffff, 4);
        fixed[8] = (frame.priority & 0x7) << 5;
        fixed[9] = frame.slot & 0xff;
        const flags = (frame.fin ? FLAG_FIN : 0) | (frame.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
        return controlFrame(FrameType.SYN_STREAM, flags, Buffer.concat([fixed, block]));
      }
      case 'syn_reply':
      case 'headers': {
        const block = await this.deflate.process(encodeHeaderBlock(frame.headers));
        const type = frame.type === 'syn_reply' ? FrameType.SYN_REPLY : FrameType.HEADERS;
        return controlFrame(type, frame.fin ? FLAG_FIN : 0, Buffer.concat([u32(frame.streamId & 0x7fffffff), block]));
      }
      default:
        return encodePlainFrame(frame);
    }
  }

  /** Interprets a raw frame; control frames of unknown types come back as undefined (SPDY says ignore them). */
  async decode(raw: RawFrame): Promise<Frame | undefined> {
    const p = raw.payload;
    if (!raw.control) {
      return { type: 'data', streamId: raw.streamId, fin: (raw.flags & FLAG_FIN) !== 0, data: p };
    }
    if (raw.version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${raw.version}`);
    const need = (n: number): void => {
      if (p.length < n) throw new SpdyProtocolError(`control frame ${raw.type} too short`);
    };
    const fin = (raw.flags & FLAG_FIN) !== 0;
    switch (raw.type) {
      case FrameType.SYN_STREAM: {
        need(10);
        const headers = decodeHeaderBlock(await this.inflateBlock(p.subarray(10)));
        return {
          type: 'syn_stream',
          streamId: p.readUInt32BE(0) & 0x7fffffff,
          associatedStreamId: p.readUInt32BE(4) & 0x7fffffff,
          priority: p[8] >> 5,
          slot: p[9],
          fin,
          unidirectional: (raw.flags & FLAG_UNIDIRECTIONAL) !== 0,
          headers,
        };
      }
      case FrameType.SYN_REPLY:
      case FrameType.HEADERS: {
        need(4);
        const headers = decodeHeaderBlock(await this.inflateBlock(p.subarray(4)));
        const streamId = p.readUInt32BE(0) & 0x7fffffff;
        return raw.type === FrameType.SYN_REPLY
          ? { type: 'syn_reply', streamId, fin, headers }
          : { type: 'headers', streamId, fin, headers };
      }
      case FrameType.RST_STREAM:
        need(8);
        return { type: 'rst_stream', streamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
      case FrameType.SETTINGS: {
        need(4);
        const n = p.readUInt32BE(0);
        need(4 + n * 8);
        const entries: SettingsEntry[] = [];
        for (let i = 0; i < n; i++) {
          const off = 4 + i * 8;
          entries.push({ flags: p[off], id: p.readUIntBE(off + 1, 3), value: p.readUInt32BE(off + 4) });
        }
        return { type: 'settings', clear: (raw.flags & FLAG_SETTINGS_CLEAR) !== 0, entries };
      }
      case FrameType.PING:
        need(4);
        return { type: 'ping', id: p.readUInt32BE(0) };
      case FrameType.GOAWAY:
        need(8);
        return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
      case FrameType.WINDOW_UPDATE:
        need(8);
        return { type: 'window_update', streamId: p.readUInt32BE(0) & 0x7fffffff, delta: p.readUInt32BE(4) & 0x7fffffff };
      default:
        return undefined;
    }
  }

  /** A block that does not inflate is the peer's fault: a protocol error, not an internal one. */
  private async inflateBlock(block: Buffer): Promise<Buffer> {
    try {
      return await this.inflate.process(block);
    } catch (err) {
      throw new SpdyProtocolError(`bad header block: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.deflate.close();
    this.inflate.close();
  }
}

/** Encodes a frame that has no header block; synchronous because no zlib state is involved. */
export function encodePlainFrame(
  frame: Exclude<Frame, { type: 'syn_stream' | 'syn_reply' | 'headers' }>,
): Buffer {
  switch (frame.type) {
    case 'data': {
      if (frame.data.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError('data frame too large');
      const head = Buffer.alloc(8);
      head.writeUInt32BE(frame.streamId & 0x7fffffff, 0);
      head[4] = frame.fin ? FLAG_FIN : 0;
      head.writeUIntBE(frame.data.length, 5, 3);
      return Buffer.concat([head, frame.data]);
    }
    case 'rst_stream':
      return controlFrame(FrameType.RST_STREAM, 0, u32(frame.streamId & 0x7fffffff, frame.status));
    case 'settings': {
      const body = Buffer.alloc(4 + frame.entries.length * 8);
      body.writeUInt32BE(frame.entries.length, 0);
      frame.entries.forEach((e, i) => {
        const off = 4 + i * 8;
        body[off] = e.flags;
        body.writeUIntBE(e.id, off + 1, 3);
        body.writeUInt32BE(e.value >>> 0, off + 4);
      });
      return controlFrame(FrameType.SETTINGS, frame.clear ? FLAG_SETTINGS_CLEAR : 0, body);
    }
    case 'ping':
      return controlFrame(FrameType.PING, 0, u32(frame.id));
    case 'goaway':
      return controlFrame(FrameType.GOAWAY, 0, u32(frame.lastGoodStreamId & 0x7fffffff, frame.status));
    case 'window_update':
      return controlFrame(FrameType.WINDOW_UPDATE, 0, u32(frame.streamId & 0x7fffffff, frame.delta & 0x7fffffff));
  }
}
