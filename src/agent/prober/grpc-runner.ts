/**
 * The grpc probe: one grpc.health.v1.Health/Check call over plaintext HTTP/2; SERVING is
 * success. The few bytes of protobuf and gRPC framing involved are written by hand.
 */
import * as http2 from 'node:http2';
import type { Probe } from 'kubernetes-types/core/v1.js';
import type { ProbeTarget, RunnerOutcome } from './types.js';
import { PROBE_USER_AGENT, dialErrorText, goSeconds, joinHostPort } from './net-util.js';

const CODE_NAMES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const UNIMPLEMENTED = 12;
const DEADLINE_EXCEEDED = 4;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** A length-prefixed gRPC message holding HealthCheckRequest{service}. */
export function encodeHealthRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  const msg = s.length ? Buffer.concat([Buffer.from([0x0a, ...varint(s.length)]), s]) : Buffer.alloc(0);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/** HealthCheckResponse.status from the first gRPC message in `data` (0 when absent, as proto3 does). */
export function decodeHealthStatus(data: Buffer): number | undefined {
  if (data.length < 5 || data[0] !== 0) return undefined;
  const len = data.readUInt32BE(1);
  const msg = data.subarray(5, 5 + len);
  let i = 0;
  let status = 0;
  while (i < msg.length) {
    const tag = msg[i++]!;
    const field = tag >>> 3;
    const wire = tag & 7;
    let v = 0;
    let shift = 0;
    if (wire === 0) {
      for (;;) {
        const b = msg[i++];
        if (b === undefined) return undefined;
        v |= (b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
      }
      if (field === 1) status = v;
    } else if (wire === 2) {
      for (;;) {
        const b = msg[i++];
        if (b === undefined) return undefined;
        v |= (b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
      }
      i += v;
    } else {
      return undefined;
    }
  }
  return status;
}

function decodeMessage(raw: string | undefined): string {
  if (!raw) return '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export async function grpcRunner(probe: Probe, target: ProbeTarget, signal: AbortSignal): Promise<RunnerOutcome> {
  const action = probe.grpc;
  if (!action) return { result: 'unknown', output: 'probe has no grpc action' };
  const host = target.podIP;
  if (!host) return { result: 'unknown', output: 'pod has no IP yet' };
  if (!Number.isInteger(action.port) || action.port <= 0 || action.port >= 65536) return { result: 'unknown', output: `invalid port number: ${action.port}` };
  const addr = joinHostPort(host, action.port);
  const timeout = goSeconds(Math.max(1, probe.timeoutSeconds ?? 1) * 1000);
  const connectTimeout: RunnerOutcome = { result: 'failure', output: `timeout: failed to connect service ${JSON.stringify(addr)} within ${timeout}: context deadline exceeded` };
  if (signal.aborted) return connectTimeout;

  return new Promise<RunnerOutcome>((resolve) => {
    let connected = false;
    let settled = false;
    const session = http2.connect(`http://${addr}`);
    const finish = (out: RunnerOutcome): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      session.destroy();
      resolve(out);
    };
    const onAbort = (): void =>
      finish(connected ? { result: 'failure', output: `timeout: health rpc did not complete within ${timeout}` } : connectTimeout);
    signal.addEventListener('abort', onAbort, { once: true });
    session.on('error', (err) => {
      finish(connected
        ? { result: 'failure', output: `error: health rpc probe failed: rpc error: code = Unavailable desc = ${err.message}` }
        : { result: 'failure', output: `error: failed to connect service at ${JSON.stringify(addr)}: ${dialErrorText(err, addr)}` });
    });
    session.once('connect', () => {
      connected = true;
      const stream = session.request({
        ':method': 'POST',
        ':path': '/grpc.health.v1.Health/Check',
        'content-type': 'application/grpc',
        te: 'trailers',
        'user-agent': PROBE_USER_AGENT,
      });
      const parts: Buffer[] = [];
      let headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader = {};
      let trailers: http2.IncomingHttpHeaders = {};
      stream.on('response', (h) => {
        headers = h;
      });
      stream.on('trailers', (t) => {
        trailers = t;
      });
      stream.on('data', (b: Buffer) => {
        // A health response is a few bytes; anything larger is not one worth reading.
        if (parts.reduce((n, p) => n + p.length, 0) < 64 * 1024) parts.push(b);
      });
      stream.on('error', (err) => finish({ result: 'failure', output: `error: health rpc probe failed: rpc error: code = Unavailable desc = ${err.message}` }));
      stream.on('end', () => {
        // Errors may come "trailers-only": grpc-status in the response headers.
        const rawCode = trailers['grpc-status'] ?? headers['grpc-status'];
        const rawMsg = trailers['grpc-message'] ?? headers['grpc-message'];
        const code = rawCode === undefined ? (headers[':status'] === 200 ? 2 : 14) : Number(rawCode);
        const desc = decodeMessage(Array.isArray(rawMsg) ? rawMsg[0] : rawMsg) || (rawCode === undefined ? `unexpected HTTP status ${headers[':status']}` : '');
        const rpcError = `rpc error: code = ${CODE_NAMES[code] ?? `Code(${code})`} desc = ${desc}`;
        if (code === UNIMPLEMENTED) return finish({ result: 'failure', output: `this server does not implement the grpc health protocol (grpc.health.v1.Health): ${rpcError}` });
        if (code === DEADLINE_EXCEEDED) return finish({ result: 'failure', output: `timeout: health rpc did not complete within ${timeout}` });
        if (code !== 0) return finish({ result: 'failure', output: `error: health rpc probe failed: ${rpcError}` });
        const status = decodeHealthStatus(Buffer.concat(parts));
        if (status === undefined) return finish({ result: 'failure', output: 'error: health rpc probe failed: rpc error: code = Internal desc = malformed health response' });
        if (status !== 1) return finish({ result: 'failure', output: `service unhealthy (responded with ${JSON.stringify(SERVING_STATUS[status] ?? String(status))})` });
        finish({ result: 'success', output: 'service healthy' });
      });
      stream.end(encodeHealthRequest(action.service ?? ''));
    });
  });
}
