/** The ingress access log: one line per request, appended to a file in the data dir. */
import { createWriteStream, type WriteStream } from 'node:fs';

export interface AccessRecord {
  time: Date;
  remoteAddress: string;
  method: string;
  url: string;
  httpVersion: string;
  status: number;
  bytes: number;
  durationMs: number;
  host: string;
  userAgent: string;
  /** `ns/name` of the Ingress that matched, or '-'. */
  ingress: string;
  /** `ns/service:port` of the backend, or '-'. */
  backend: string;
  /** The pod address the request went to, or '-'. */
  upstream: string;
}

function quoted(v: string): string {
  return `"${v.replace(/["\\]/g, (c) => `\\${c}`).replace(/[\x00-\x1f]/g, '')}"`;
}

/** A line in the spirit of the combined log format, with the routing decision appended. */
export function formatAccessLine(r: AccessRecord): string {
  return `${r.remoteAddress || '-'} - - [${r.time.toISOString()}] ${quoted(`${r.method} ${r.url} HTTP/${r.httpVersion}`)} ${r.status} ${r.bytes} ` +
    `${quoted(r.userAgent || '-')} host=${quoted(r.host || '-')} ingress=${r.ingress} backend=${r.backend} upstream=${r.upstream} duration_ms=${r.durationMs.toFixed(1)}\n`;
}

export class AccessLog {
  private readonly stream: WriteStream;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    // A full disk or a removed directory must not take the ingress down with it.
    this.stream.on('error', () => undefined);
  }

  write(r: AccessRecord): void {
    this.stream.write(formatAccessLine(r));
  }

  close(): Promise<void> {
    return new Promise((r) => this.stream.end(r));
  }
}
