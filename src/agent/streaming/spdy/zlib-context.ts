/** One direction of a SPDY connection's header compression: a zlib stream that lives as long as the connection. */
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';

/**
 * SPDY/3 compresses every header block of a connection with a single zlib stream per direction,
 * flushed (Z_SYNC_FLUSH) at the end of each block, so later blocks refer back to earlier ones.
 * Node offers no synchronous API over a persistent zlib stream, so each block goes through the
 * stream asynchronously; calls are chained so blocks enter and leave the stream in call order,
 * which the shared state requires.
 */
export class ZlibContext {
  private readonly engine: zlib.Deflate | zlib.Inflate;
  private chunks: Buffer[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private failed?: Error;

  constructor(readonly mode: 'deflate' | 'inflate') {
    this.engine =
      mode === 'deflate'
        ? zlib.createDeflate({ dictionary: SPDY3_DICTIONARY, level: zlib.constants.Z_DEFAULT_COMPRESSION })
        : zlib.createInflate({ dictionary: SPDY3_DICTIONARY });
    this.engine.on('data', (c: Buffer) => this.chunks.push(c));
    // A corrupt block poisons the stream for good: every later block would decode wrongly too.
    this.engine.on('error', (err: Error) => {
      this.failed = err;
    });
  }

  /** Compresses or decompresses one header block, continuing the connection's zlib stream. */
  process(input: Buffer): Promise<Buffer> {
    const run = this.chain.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.failed) {
            reject(this.failed);
            return;
          }
          const onError = (err: Error): void => reject(err);
          this.engine.once('error', onError);
          this.engine.write(input);
          this.engine.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            this.engine.off('error', onError);
            if (this.failed) {
              reject(this.failed);
              return;
            }
            const out = Buffer.concat(this.chunks);
            this.chunks = [];
            resolve(out);
          });
        }),
    );
    this.chain = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.engine.destroy();
  }
}
