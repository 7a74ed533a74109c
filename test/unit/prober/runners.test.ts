// Probe runners against real servers on 127.0.0.1: HTTP(S), TCP, gRPC health, and exec through a fake execSync.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as https from 'node:https';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import { httpRunner, MAX_BODY } from '../../../src/agent/prober/http-runner.js';
import { tcpRunner } from '../../../src/agent/prober/tcp-runner.js';
import { execRunner, MAX_EXEC_OUTPUT, type ExecSync } from '../../../src/agent/prober/exec-runner.js';
import { grpcRunner, encodeHealthRequest, decodeHealthStatus } from '../../../src/agent/prober/grpc-runner.js';
import { createProber } from '../../../src/agent/prober/prober.js';
import type { ProbeTarget, RunnerOutcome } from '../../../src/agent/prober/types.js';

const HOST = '127.0.0.1';
let httpServer: http.Server;
let httpPort = 0;
let closedPort = 0;
/** Requests the HTTP server saw, for header assertions. */
const seen: http.IncomingHttpHeaders[] = [];

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, HOST, () => resolve((server.address() as net.AddressInfo).port)));
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function target(container: Partial<Container> = {}): ProbeTarget {
  return { podIP: HOST, containerId: 'fake://c1', container: { name: 'c', ...container } };
}

function signal(ms = 2000): AbortSignal {
  return AbortSignal.timeout(ms);
}

before(async () => {
  httpServer = http.createServer((req, res) => {
    seen.push(req.headers);
    const url = req.url ?? '/';
    if (url === '/ok') return res.end('fine');
    if (url === '/fail') {
      res.statusCode = 500;
      return res.end('broken');
    }
    if (url === '/redirect') {
      res.writeHead(302, { location: '/ok' });
      return res.end();
    }
    if (url === '/loop') {
      res.writeHead(302, { location: '/loop' });
      return res.end();
    }
    if (url === '/elsewhere') {
      res.writeHead(301, { location: 'http://example.invalid/ok' });
      return res.end('moved');
    }
    if (url === '/big') return res.end('x'.repeat(MAX_BODY * 3));
    if (url === '/hang') return; // never answers
    res.statusCode = 404;
    res.end();
  });
  httpPort = await listen(httpServer);
  const tmp = net.createServer();
  closedPort = await listen(tmp);
  await close(tmp);
});

after(async () => {
  httpServer.closeAllConnections();
  await close(httpServer);
});

function get(path: string, extra: Partial<NonNullable<Probe['httpGet']>> = {}): Probe {
  return { httpGet: { port: httpPort, path, ...extra }, timeoutSeconds: 1 };
}

test('httpGet: 200 is success with the body as output', async () => {
  const r = await httpRunner(get('/ok'), target(), signal());
  assert.deepEqual(r, { result: 'success', output: 'fine' });
});

test('httpGet: 500 is failure with the kubelet message', async () => {
  const r = await httpRunner(get('/fail'), target(), signal());
  assert.deepEqual(r, { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
});

test('httpGet: a redirect to the same host is followed', async () => {
  const r = await httpRunner(get('/redirect'), target(), signal());
  assert.deepEqual(r, { result: 'success', output: 'fine' });
});

test('httpGet: a redirect to another host is not followed and gives a warning success', async () => {
  const r = await httpRunner(get('/elsewhere'), target(), signal());
  assert.equal(r.result, 'success');
  assert.equal(r.warning, true);
  assert.equal(r.output, 'Probe terminated redirects, Response body: moved');
});

test('httpGet: a redirect loop fails after 10 redirects', async () => {
  const r = await httpRunner(get('/loop'), target(), signal());
  assert.equal(r.result, 'failure');
  assert.equal(r.output, `Get "http://${HOST}:${httpPort}/loop": stopped after 10 redirects`);
});

test('httpGet: sends the kube-probe User-Agent, Accept and the probe headers, Host override included', async () => {
  seen.length = 0;
  const r = await httpRunner(get('/ok', { httpHeaders: [{ name: 'X-Custom', value: 'v1' }, { name: 'Host', value: 'svc.example' }] }), target(), signal());
  assert.equal(r.result, 'success');
  assert.equal(seen[0]?.['user-agent'], 'kube-probe/1.32');
  assert.equal(seen[0]?.['accept'], '*/*');
  assert.equal(seen[0]?.['x-custom'], 'v1');
  assert.equal(seen[0]?.['host'], 'svc.example');
});

test('httpGet: a probe header overrides the default User-Agent', async () => {
  seen.length = 0;
  await httpRunner(get('/ok', { httpHeaders: [{ name: 'User-Agent', value: 'mine' }] }), target(), signal());
  assert.equal(seen[0]?.['user-agent'], 'mine');
});

test('httpGet: port by the container port name; host defaults to the pod IP', async () => {
  const probe: Probe = { httpGet: { port: 'web', path: '/ok' } };
  const r = await httpRunner(probe, target({ ports: [{ name: 'web', containerPort: httpPort }] }), signal());
  assert.equal(r.result, 'success');
});

test('httpGet: an unknown port name or no pod IP yields no verdict', async () => {
  const r1 = await httpRunner({ httpGet: { port: 'nope', path: '/ok' } }, target(), signal());
  assert.equal(r1.result, 'unknown');
  assert.match(r1.output, /port "nope" not found/);
  const r2 = await httpRunner(get('/ok'), { ...target(), podIP: undefined }, signal());
  assert.equal(r2.result, 'unknown');
});

test('httpGet: the body read is capped at 10 KiB', async () => {
  const r = await httpRunner(get('/big'), target(), signal());
  assert.equal(r.result, 'success');
  assert.equal(r.output.length, MAX_BODY);
});

test('httpGet: a closed port fails with Go-style connection refused text', async () => {
  const r = await httpRunner({ httpGet: { port: closedPort, path: '/healthz' } }, target(), signal());
  assert.deepEqual(r, { result: 'failure', output: `Get "http://${HOST}:${closedPort}/healthz": dial tcp ${HOST}:${closedPort}: connect: connection refused` });
});

test('httpGet: a server that never answers fails when the signal aborts', async () => {
  const started = Date.now();
  const r = await httpRunner(get('/hang'), target(), signal(150));
  assert.equal(r.result, 'failure');
  assert.equal(r.output, `Get "http://${HOST}:${httpPort}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
  assert.ok(Date.now() - started < 1500);
});

test('httpGet: HTTPS with a self-signed certificate passes (verification off)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prober-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=selfsigned', '-days', '1'], { stdio: 'ignore' });
    const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('secure'));
    const port = await listen(server);
    try {
      const r = await httpRunner({ httpGet: { port, path: '/', scheme: 'HTTPS' } }, target(), signal());
      assert.deepEqual(r, { result: 'success', output: 'secure' });
    } finally {
      server.closeAllConnections();
      await close(server);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tcpSocket: a listening port is success, a closed one failure', async () => {
  const server = net.createServer((s) => s.destroy());
  const port = await listen(server);
  try {
    assert.deepEqual(await tcpRunner({ tcpSocket: { port } }, target(), signal()), { result: 'success', output: '' });
    assert.deepEqual(await tcpRunner({ tcpSocket: { port: closedPort } }, target(), signal()), {
      result: 'failure',
      output: `dial tcp ${HOST}:${closedPort}: connect: connection refused`,
    });
  } finally {
    await close(server);
  }
});

test('tcpSocket: an already aborted signal is an i/o timeout', async () => {
  const r = await tcpRunner({ tcpSocket: { port: httpPort } }, target(), AbortSignal.abort());
  assert.deepEqual(r, { result: 'failure', output: `dial tcp ${HOST}:${httpPort}: i/o timeout` });
});

function fakeExec(impl: (id: string, cmd: string[], timeoutMs: number) => Promise<{ exitCode: number; output: string }>): { exec: ExecSync; calls: { id: string; cmd: string[]; timeoutMs: number }[] } {
  const calls: { id: string; cmd: string[]; timeoutMs: number }[] = [];
  return {
    calls,
    exec: (id, cmd, timeoutMs) => {
      calls.push({ id, cmd, timeoutMs });
      return impl(id, cmd, timeoutMs);
    },
  };
}

test('exec: exit 0 is success, other exits failure, output captured; timeoutSeconds passed on', async () => {
  const ok = fakeExec(async () => ({ exitCode: 0, output: 'healthy\n' }));
  const r1 = await execRunner(ok.exec)({ exec: { command: ['cat', '/tmp/healthy'] }, timeoutSeconds: 3 }, target(), signal());
  assert.deepEqual(r1, { result: 'success', output: 'healthy\n' });
  assert.deepEqual(ok.calls, [{ id: 'fake://c1', cmd: ['cat', '/tmp/healthy'], timeoutMs: 3000 }]);
  const bad = fakeExec(async () => ({ exitCode: 1, output: 'cat: /tmp/healthy: No such file or directory\n' }));
  const r2 = await execRunner(bad.exec)({ exec: { command: ['cat', '/tmp/healthy'] } }, target(), signal());
  assert.deepEqual(r2, { result: 'failure', output: 'cat: /tmp/healthy: No such file or directory\n' });
});

test('exec: output is capped at 10 KiB', async () => {
  const big = fakeExec(async () => ({ exitCode: 0, output: 'y'.repeat(MAX_EXEC_OUTPUT + 100) }));
  const r = await execRunner(big.exec)({ exec: { command: ['x'] } }, target(), signal());
  assert.equal(r.output.length, MAX_EXEC_OUTPUT);
});

test('exec: a runtime timeout or an aborted signal is a timed-out failure; a runtime error no verdict', async () => {
  const timeout = fakeExec(async () => {
    const e = new Error('killed');
    e.name = 'TimeoutError';
    throw e;
  });
  assert.deepEqual(await execRunner(timeout.exec)({ exec: { command: ['sleep', '10'] } }, target(), signal()), { result: 'failure', output: 'command "sleep 10" timed out' });
  const hang = fakeExec(() => new Promise(() => undefined));
  assert.deepEqual(await execRunner(hang.exec)({ exec: { command: ['sleep', '10'] } }, target(), signal(50)), { result: 'failure', output: 'command "sleep 10" timed out' });
  const broken = fakeExec(async () => {
    throw new Error('No such container: c1');
  });
  assert.deepEqual(await execRunner(broken.exec)({ exec: { command: ['true'] } }, target(), signal()), { result: 'unknown', output: 'No such container: c1' });
});

test('prober: dispatches on the handler and retries a run with no verdict up to 3 times', async () => {
  let n = 0;
  const flaky = fakeExec(async () => {
    n++;
    if (n < 3) throw new Error('engine hiccup');
    return { exitCode: 0, output: 'ok' };
  });
  const unknown: () => Promise<RunnerOutcome> = async () => ({ result: 'unknown', output: 'x' });
  const prober = createProber({ exec: execRunner(flaky.exec), httpGet: unknown, tcpSocket: unknown, grpc: unknown });
  assert.deepEqual(await prober({ exec: { command: ['true'] } }, target(), signal()), { result: 'success', output: 'ok' });
  assert.equal(n, 3);
  const never = fakeExec(async () => {
    throw new Error('down');
  });
  const p2 = createProber({ exec: execRunner(never.exec), httpGet: unknown, tcpSocket: unknown, grpc: unknown });
  assert.deepEqual(await p2({ exec: { command: ['true'] } }, target(), signal()), { result: 'unknown', output: 'down' });
  assert.equal(never.calls.length, 3);
  assert.equal((await p2({}, target(), signal())).result, 'unknown');
});

test('grpc: health request and response framing round-trips', () => {
  assert.deepEqual([...encodeHealthRequest('')], [0, 0, 0, 0, 0]);
  assert.deepEqual([...encodeHealthRequest('db')], [0, 0, 0, 0, 4, 0x0a, 2, 0x64, 0x62]);
  assert.equal(decodeHealthStatus(Buffer.from([0, 0, 0, 0, 2, 0x08, 1])), 1);
  assert.equal(decodeHealthStatus(Buffer.from([0, 0, 0, 0, 0])), 0);
});

test('grpc: SERVING is success, NOT_SERVING failure, an unimplemented service and a closed port fail', async () => {
  const services: Record<string, number> = { '': 1, down: 2 };
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    if (headers[':path'] !== '/grpc.health.v1.Health/Check') {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown service' }, { endStream: true });
      return;
    }
    const parts: Buffer[] = [];
    stream.on('data', (b: Buffer) => parts.push(b));
    stream.on('end', () => {
      const req = Buffer.concat(parts);
      const service = req.length > 7 ? req.subarray(7).toString('utf8') : '';
      const status = services[service];
      if (status === undefined) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'unknown%20service' }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, status]));
    });
  });
  const port = await listen(server);
  try {
    assert.deepEqual(await grpcRunner({ grpc: { port } }, target(), signal()), { result: 'success', output: 'service healthy' });
    assert.deepEqual(await grpcRunner({ grpc: { port, service: 'down' } }, target(), signal()), { result: 'failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
    assert.deepEqual(await grpcRunner({ grpc: { port, service: 'other' } }, target(), signal()), { result: 'failure', output: 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service' });
    assert.deepEqual(await grpcRunner({ grpc: { port: closedPort } }, target(), signal()), {
      result: 'failure',
      output: `error: failed to connect service at "${HOST}:${closedPort}": dial tcp ${HOST}:${closedPort}: connect: connection refused`,
    });
  } finally {
    await close(server);
  }
});

test('grpc: a server without the health service is reported as such', async () => {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown service grpc.health.v1.Health' }, { endStream: true });
  });
  const port = await listen(server);
  try {
    const r = await grpcRunner({ grpc: { port } }, target(), signal());
    assert.equal(r.result, 'failure');
    assert.equal(r.output, 'this server does not implement the grpc health protocol (grpc.health.v1.Health): rpc error: code = Unimplemented desc = unknown service grpc.health.v1.Health');
  } finally {
    await close(server);
  }
});
