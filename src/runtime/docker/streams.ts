// Byte-level helpers for the Docker API's stream formats: the 8-byte-header multiplexed stdio
// stream, the tar archives of GET /containers/{id}/archive, and a byte limit for logs.
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';

/** Stream ids in the multiplexed header (0 is stdin, echoed only with some TTY setups). */
const STDOUT = 1;
const STDERR = 2;

/**
 * Splits Docker's multiplexed stream (used when a container or exec has no TTY) into stdout
 * and stderr. Frames may arrive split across chunks, so partial headers and payloads are
 * buffered. Both outputs end when the source ends or fails.
 */
export function demux(source: Readable, stdout: PassThrough, stderr: PassThrough): void {
  let pending: Buffer = Buffer.alloc(0);
  source.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const kind = pending[0];
      const payload = pending.subarray(8, 8 + size);
      pending = pending.subarray(8 + size);
      if (kind === STDERR) stderr.write(payload);
      else if (kind === STDOUT || kind === 0) stdout.write(payload);
    }
  });
  const finish = (): void => {
    stdout.end();
    stderr.end();
  };
  source.once('end', finish);
  source.once('close', finish);
  source.once('error', finish);
}

/** Decodes a complete multiplexed buffer (non-follow logs) into payloads in arrival order. */
export function demuxBuffer(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    const size = buf.readUInt32BE(off + 4);
    out.push(buf.subarray(off + 8, off + 8 + size));
    off += 8 + size;
  }
  return out;
}

/**
 * Merges multiplexed frames into one byte stream (stdout and stderr interleaved in the order
 * the engine wrote them, as `kubectl logs` shows them).
 */
export function mergeFrames(): Transform {
  let pending: Buffer = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        this.push(pending.subarray(8, 8 + size));
        pending = pending.subarray(8 + size);
      }
      done();
    },
  });
}

/**
 * Passes at most `limit` bytes, then ends; `onLimit` lets the caller close the upstream (a
 * followed log would otherwise stay open forever).
 */
export function limitBytes(limit: number, onLimit: () => void): Transform {
  let left = limit;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      if (left <= 0) return done();
      const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= part.length;
      this.push(part);
      if (left <= 0) {
        this.push(null);
        onLimit();
      }
      done();
    },
  });
}

/**
 * Reads the first regular file of a tar archive, at most maxBytes of it. Docker's archive
 * endpoint returns a one-entry tar for a file path; headers are 512-byte blocks with an octal
 * size at offset 124. PAX/GNU extension headers ('x', 'g', 'L') are skipped.
 */
export function firstFileFromTar(tar: Buffer, maxBytes: number): Buffer | undefined {
  let off = 0;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) return undefined;
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const start = off + 512;
    if (type === '0' || type === '\0' || type === '7') {
      return tar.subarray(start, start + Math.min(size, maxBytes));
    }
    off = start + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

/** Collects a readable stream into one Buffer. */
export async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(parts);
}
