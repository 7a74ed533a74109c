// The ingress server on loopback against in-process backends: routing, forwarded headers, 404/503, retries,
// WebSockets, TLS by SNI, the access log, metrics, and ports that are taken.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { WebSocket, WebSocketServer } from 'ws';
import { buildCertificateTable, selfSignedDefault } from '../../../src/proxy/ingress/certificates.js';
import { IngressServer } from '../../../src/proxy/ingress/ingress-server.js';
import { PortListener } from '../../../src/proxy/ingress/port-listener.js';
import { buildRouteTable } from '../../../src/proxy/ingress/route-table.js';
import { ingress, path, service, slice } from './fixtures.js';

interface Reply { status: number; body: string; headers: Record<string, string | string[] | undefined> }

function get(port: number, host: string, p: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: p, headers: { Host: host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function listen(s: Server | NetServer): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

/** A backend that answers with its name and the headers it received. */
function echoBackend(name: string): Server {
  return createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ name, url: req.url, headers: req.headers }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'skiff-ingress-unit-'));
const alpha = echoBackend('alpha');
const beta = echoBackend('beta');
const wsBackend = createServer();
const wss = new WebSocketServer({ server: wsBackend });
wss.on('connection', (sock, req) => sock.on('message', (m) => sock.send(`echo:${m.toString()} xff=${String(req.headers['x-forwarded-for'])}`)));
let server: IngressServer;
let httpPort = 0;
let httpsPort = 0;
let tlsCert = { certPem: '', keyPem: '' };

before(async () => {
  const [a, b, w] = await Promise.all([listen(alpha), listen(beta), listen(wsBackend)]);
  // A port nothing listens on: connections to it are refused.
  const closed = createServer();
  const refused = await listen(closed);
  await new Promise((r) => closed.close(r));
  server = new IngressServer({
    address: '127.0.0.1', httpPorts: [0], httpsPorts: [0], defaultCertificate: await selfSignedDefault(),
    accessLogPath: join(dir, 'access.log'),
  });
  const ports = await server.start();
  httpPort = ports.http ?? 0;
  httpsPort = ports.https ?? 0;
  tlsCert = await selfSignedDefault('secure.test');
  const tlsIngress = ingress('secure', [{ host: 'secure.test', paths: [path('/', 'Prefix', 'alpha', 'http')] }]);
  tlsIngress.spec = { ...tlsIngress.spec, tls: [{ hosts: ['secure.test'], secretName: 'tls' }, { hosts: ['ec.test'], secretName: 'ec' }] };
  server.setRoutes(buildRouteTable({
    ingresses: [tlsIngress, ingress('web', [
      { host: 'a.test', paths: [path('/', 'Prefix', 'alpha', 'http')] },
      { host: 'b.test', paths: [path('/beta', 'Prefix', 'beta', 80), path('/down', 'Prefix', 'empty', 80), path('/ws', 'Prefix', 'ws', 80)] },
      { host: 'r.test', paths: [path('/', 'Prefix', 'retry', 80)] },
    ])],
    services: [service('alpha', [{ name: 'http', port: 80 }]), service('beta', [{ port: 80 }]), service('empty', [{ port: 80 }]), service('ws', [{ port: 80 }]), service('retry', [{ port: 80 }])],
    endpointSlices: [
      slice('alpha', [{ name: 'http', port: a }], [{ ip: '127.0.0.1' }]),
      slice('beta', [{ port: b }], [{ ip: '127.0.0.1' }]),
      slice('ws', [{ port: w }], [{ ip: '127.0.0.1' }]),
      // Two endpoints on different ports need two slices; the first refuses connections.
      slice('retry', [{ port: refused }], [{ ip: '127.0.0.1' }], 'default', 'x'),
      slice('retry', [{ port: a }], [{ ip: '127.0.0.1' }], 'default', 'y'),
    ],
  }));
  const secretOf = (name: string, c: { certPem: string; keyPem: string }): [string, Secret] => [`default/${name}`, { metadata: { name, namespace: 'default', resourceVersion: '1' }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(c.certPem).toString('base64'), 'tls.key': Buffer.from(c.keyPem).toString('base64') } }];
  // An ECDSA certificate beside the RSA default: both key types must be served by SNI.
  const ecKey = join(dir, 'ec.key');
  const ecCrt = join(dir, 'ec.crt');
  const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ecKey, '-out', ecCrt, '-days', '1', '-subj', '/CN=ec.test'], { encoding: 'utf8' });
  assert.equal(ssl.status, 0, ssl.stderr);
  server.setCertificates(buildCertificateTable([tlsIngress], new Map([secretOf('tls', tlsCert), secretOf('ec', { certPem: readFileSync(ecCrt, 'utf8'), keyPem: readFileSync(ecKey, 'utf8') })])));
});

after(async () => {
  await server.stop();
  wss.close();
  await Promise.all([alpha, beta, wsBackend].map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
  rmSync(dir, { recursive: true, force: true });
});

test('requests reach the backend of their host and path, with X-Forwarded-* headers and the Host kept', async () => {
  const r = await get(httpPort, 'a.test', '/hello?x=1', { 'X-Forwarded-For': '203.0.113.7' });
  assert.equal(r.status, 200);
  const body = JSON.parse(r.body) as { name: string; url: string; headers: Record<string, string> };
  assert.equal(body.name, 'alpha');
  assert.equal(body.url, '/hello?x=1');
  assert.equal(body.headers.host, 'a.test');
  assert.equal(body.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  assert.equal(body.headers['x-forwarded-proto'], 'http');
  assert.equal(body.headers['x-forwarded-host'], 'a.test');
  assert.equal(body.headers['x-forwarded-port'], String(httpPort));
  assert.equal((JSON.parse((await get(httpPort, 'b.test', '/beta/x')).body) as { name: string }).name, 'beta');
});

test('nothing matching is a 404 that says so; no ready endpoints is a 503 that says so', async () => {
  const miss = await get(httpPort, 'nowhere.test', '/x');
  assert.equal(miss.status, 404);
  assert.match(miss.body, /no ingress rule matches host "nowhere.test" and path "\/x"/);
  assert.equal((await get(httpPort, 'b.test', '/other')).status, 404);
  const down = await get(httpPort, 'b.test', '/down');
  assert.equal(down.status, 503);
  assert.match(down.body, /default\/empty:80" has no ready endpoints/);
});

test('a refused connection is retried on another endpoint', async () => {
  for (let i = 0; i < 4; i++) {
    const r = await get(httpPort, 'r.test', '/');
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as { name: string }).name, 'alpha');
  }
});

test('WebSocket upgrades pass through to the backend', async () => {
  const sock = new WebSocket(`ws://127.0.0.1:${httpPort}/ws`, { headers: { Host: 'b.test' } });
  const reply = await new Promise<string>((resolve, reject) => {
    sock.on('open', () => sock.send('ping'));
    sock.on('message', (m) => resolve(m.toString()));
    sock.on('error', reject);
  });
  sock.close();
  assert.equal(reply, 'echo:ping xff=127.0.0.1');
});

function tlsGet(servername: string, host: string): Promise<{ subject: string; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: httpsPort, path: '/', servername, rejectUnauthorized: false, headers: { Host: host } }, (res) => {
      const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ subject: cert.subject.CN, status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS serves the Secret\'s certificate by SNI and the default one otherwise', async () => {
  const secure = await tlsGet('secure.test', 'secure.test');
  assert.equal(secure.subject, 'secure.test');
  assert.equal(secure.status, 200);
  assert.equal((JSON.parse(secure.body) as { headers: Record<string, string> }).headers['x-forwarded-proto'], 'https');
  assert.equal((await tlsGet('ec.test', 'ec.test')).subject, 'ec.test');
  const other = await tlsGet('other.test', 'other.test');
  assert.equal(other.subject, 'skiff-ingress-default');
  assert.equal(other.status, 404);
});

test('every request gets an access log line and is counted per rule', async () => {
  await get(httpPort, 'a.test', '/logged');
  const lines = await (async () => {
    for (let i = 0; i < 50; i++) {
      const text = readFileSync(join(dir, 'access.log'), 'utf8');
      if (text.includes('/logged')) return text;
      await new Promise((r) => setTimeout(r, 20));
    }
    return readFileSync(join(dir, 'access.log'), 'utf8');
  })();
  const line = lines.split('\n').find((l) => l.includes('"GET /logged HTTP/1.1"')) ?? '';
  assert.match(line, /^127\.0\.0\.1 - - \[.+\] "GET \/logged HTTP\/1\.1" 200 \d+ .*host="a\.test" ingress=default\/web backend=default\/alpha:http upstream=127\.0\.0\.1:\d+ duration_ms=/);
  assert.match(lines, /"GET \/x HTTP\/1\.1" 404 .* ingress=- backend=- upstream=-/);
  const text = await server.metrics.registry.metrics();
  assert.match(text, /skiff_ingress_requests_total\{namespace="default",ingress="web",host="a.test",path="\/",code="200"\} [1-9]/);
  assert.match(text, /skiff_ingress_requests_total\{namespace="default",ingress="web",host="b.test",path="\/down",code="503"\} 1/);
  assert.match(text, /skiff_ingress_request_duration_seconds_count\{namespace="default",ingress="web",host="a.test",path="\/"\} [1-9]/);
  assert.match(text, /skiff_ingress_response_bytes_total\{namespace="default",ingress="web",host="a.test",path="\/"\} [1-9]/);
  assert.match(text, /skiff_ingress_requests_in_flight\{namespace="default",ingress="web",host="a.test",path="\/"\} 0/);
});

test('a taken port falls back to the next candidate; with none free it reports once and binds when one frees up', async () => {
  const holder = createServer();
  const taken = await listen(holder);
  const s1 = createServer();
  const l1 = new PortListener({ server: s1, address: '127.0.0.1', candidates: [taken, 0] });
  const bound = await l1.start();
  assert.ok(bound !== undefined && bound !== taken);
  await l1.stop();

  const problems: string[] = [];
  const s2 = createServer();
  let listening = 0;
  const l2 = new PortListener({ server: s2, address: '127.0.0.1', candidates: [taken], retryMs: 50, onProblem: (p) => problems.push(p.message), onListening: (p) => (listening = p) });
  assert.equal(await l2.start(), undefined);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(problems.length, 1);
  assert.match(problems[0], new RegExp(`cannot listen on 127\\.0\\.0\\.1 port ${taken} \\(in use\\); retrying`));
  await new Promise((r) => holder.close(r));
  for (let i = 0; i < 100 && listening === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(listening, taken);
  await l2.stop();
});

test('an RSA Secret certificate is served by SNI once the RSA default replaces an ECDSA stand-in', async () => {
  const s = new IngressServer({ address: '127.0.0.1', httpPorts: [0], httpsPorts: [0], defaultCertificate: await selfSignedDefault('stand-in', 'ecdsa'), accessLogPath: join(dir, 'swap.log') });
  const { https } = await s.start();
  const rsa = await selfSignedDefault('rsa.test', 'rsa');
  const ing = ingress('r', [{ host: 'rsa.test', paths: [path('/', 'Prefix', 'alpha', 'http')] }]);
  ing.spec = { ...ing.spec, tls: [{ hosts: ['rsa.test'], secretName: 'rsa' }] };
  s.setCertificates(buildCertificateTable([ing], new Map([['default/rsa', { metadata: { name: 'rsa', namespace: 'default', resourceVersion: '1' }, data: { 'tls.crt': Buffer.from(rsa.certPem).toString('base64'), 'tls.key': Buffer.from(rsa.keyPem).toString('base64') } }]])));
  const subject = (): Promise<string> => new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: https, path: '/', servername: 'rsa.test', rejectUnauthorized: false }, (res) => {
      resolve((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN);
      res.resume();
    });
    req.on('error', reject);
    req.end();
  });
  s.setDefaultCertificate(await selfSignedDefault());
  assert.equal(await subject(), 'rsa.test');
  await s.stop();
});
