// Endpoint picking (round robin, ClientIP affinity, exclusion) and the HTTP and TCP paths over loopback: retries after a refusal, 503 without endpoints, WebSocket upgrades, TCP pipes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import type { DataPath } from '../../../src/proxy/data-path.js';
import { createHttpPath } from '../../../src/proxy/http-path.js';
import { ProxyMetrics } from '../../../src/proxy/metrics.js';
import { EndpointPicker } from '../../../src/proxy/picker.js';
import { createTcpServer } from '../../../src/proxy/tcp-path.js';
import type { Endpoint, ServicePortRoute } from '../../../src/proxy/types.js';

const ep = (port: number, ip = '127.0.0.1'): Endpoint => ({ ip, port, key: `${ip}:${port}` });

function route(endpoints: Endpoint[], o: Partial<ServicePortRoute> = {}): ServicePortRoute {
  return { key: 'default/web:http', namespace: 'default', service: 'web', portLabel: 'http', port: 80, protocol: 'TCP', mode: 'http', loadBalancer: false, endpoints, ...o };
}

test('round robin over endpoints, skipping excluded ones', () => {
  const p = new EndpointPicker();
  const r = route([ep(1), ep(2), ep(3)]);
  assert.deepEqual([1, 2, 3, 4].map(() => p.pick(r, 'c', 0)?.port), [1, 2, 3, 1]);
  assert.equal(p.pick(r, 'c', 0, new Set(['127.0.0.1:2', '127.0.0.1:3']))?.port, 1);
  assert.equal(p.pick(r, 'c', 0, new Set(['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'])), undefined);
  assert.equal(p.pick(route([]), 'c', 0), undefined);
});

test('ClientIP affinity sticks until the timeout or until the endpoint goes', () => {
  const p = new EndpointPicker();
  const r = route([ep(1), ep(2), ep(3)], { affinityTimeoutMs: 1000 });
  const first = p.pick(r, '10.0.0.1', 0)?.port;
  const other = p.pick(r, '10.0.0.2', 0)?.port;
  assert.notEqual(first, other);
  for (let t = 100; t <= 900; t += 400) assert.equal(p.pick(r, '10.0.0.1', t)?.port, first);
  // Last use at 900: 2000 is 1100 ms later, past the timeout, so round robin picks again.
  const after = p.pick(r, '10.0.0.1', 2000)?.port;
  assert.ok(after !== undefined);
  const gone = route(r.endpoints.filter((e) => e.port !== after), { affinityTimeoutMs: 1000 });
  assert.notEqual(p.pick(gone, '10.0.0.1', 2001)?.port, after);
});

function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

function dataPath(r: () => ServicePortRoute | undefined): DataPath {
  const pickers = new Map<string, EndpointPicker>();
  const metrics = new ProxyMetrics();
  return {
    route: () => r(),
    picker: (k) => pickers.get(k) ?? (pickers.set(k, new EndpointPicker()), pickers.get(k) as EndpointPicker),
    routeMetrics: (x) => metrics.forRoute(x),
    now: () => Date.now(),
  };
}

function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('HTTP path: answers from endpoints, retries a refused one, 503 with a body when there are none', async () => {
  const backend = createHttpServer((req, res) => res.end(`pong ${req.url}`));
  const good = await listen(backend);
  const refused = await closedPort();
  let current = route([ep(refused), ep(good)]);
  const path = createHttpPath(dataPath(() => current));
  const server = path.server(() => current.key);
  const port = await listen(server);
  try {
    // Round robin starts at the refusing endpoint every other request; each must still succeed.
    for (let i = 0; i < 4; i++) assert.deepEqual(await get(port, `/x${i}`), { status: 200, body: `pong /x${i}` });
    current = route([]);
    const none = await get(port);
    assert.equal(none.status, 503);
    assert.match(none.body, /no endpoints available for service "default\/web"/);
    current = route([ep(refused)]);
    assert.equal((await get(port)).status, 502);
  } finally {
    server.close();
    backend.close();
    path.close();
  }
});

test('HTTP path: status, reason and end-to-end headers pass as the pod sent them; hop-by-hop headers stay on their hop', async () => {
  const backend = createHttpServer((_req, res) => {
    res.writeHead(201, 'Made Here', ['X-Mixed-Case', 'a', 'Set-Cookie', 'one', 'Set-Cookie', 'two', 'Keep-Alive', 'timeout=1', 'Connection', 'keep-alive']);
    // No Content-Length: the pod sends chunks; the proxy frames the body for its own client.
    res.write('chunk one, ');
    res.end('chunk two');
  });
  const good = await listen(backend);
  const r = route([ep(good)]);
  const path = createHttpPath(dataPath(() => r));
  const server = path.server(() => r.key);
  const port = await listen(server);
  try {
    const res = await new Promise<{ status: number; reason: string; raw: string[]; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (m) => {
        let body = '';
        m.on('data', (d: Buffer) => (body += d.toString()));
        m.on('end', () => resolve({ status: m.statusCode ?? 0, reason: m.statusMessage ?? '', raw: m.rawHeaders, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 201);
    assert.equal(res.reason, 'Made Here');
    assert.equal(res.body, 'chunk one, chunk two');
    const pairs: string[] = [];
    for (let i = 0; i < res.raw.length; i += 2) pairs.push(`${res.raw[i]}: ${res.raw[i + 1]}`);
    assert.ok(pairs.includes('X-Mixed-Case: a'), pairs.join('\n'));
    assert.deepEqual(pairs.filter((p) => p.startsWith('Set-Cookie')), ['Set-Cookie: one', 'Set-Cookie: two']);
    assert.ok(!pairs.includes('Keep-Alive: timeout=1'), 'the pod\'s Keep-Alive must not reach the client');
  } finally {
    server.close();
    backend.close();
    path.close();
  }
});

test('HTTP path: WebSocket upgrades pass through to the endpoint', async () => {
  const backend = createHttpServer();
  const upgraded: { destroy(): void }[] = [];
  backend.on('upgrade', (_req, socket) => {
    upgraded.push(socket);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(d));
  });
  const good = await listen(backend);
  const r = route([ep(good)]);
  const path = createHttpPath(dataPath(() => r));
  const server = path.server(() => r.key);
  const port = await listen(server);
  try {
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, headers: { Connection: 'Upgrade', Upgrade: 'websocket' } });
      req.on('upgrade', (res, socket) => {
        assert.equal(res.statusCode, 101);
        socket.once('data', (d: Buffer) => {
          resolve(d.toString());
          socket.destroy();
        });
        socket.write('hello over the upgraded socket');
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(echoed, 'hello over the upgraded socket');
  } finally {
    for (const u of upgraded) u.destroy();
    server.close();
    backend.close();
    path.close();
  }
});

test('TCP path: pipes bytes both ways, retries a refused endpoint, closes when there are none', async () => {
  const echo = createNetServer((s) => s.pipe(s));
  const good = await listen(echo);
  const refused = await closedPort();
  let current = route([ep(refused), ep(good)], { mode: 'tcp' });
  const server = createTcpServer(dataPath(() => current), () => current.key);
  const port = await listen(server);
  const roundTrip = (msg: string): Promise<string> => new Promise((resolve, reject) => {
    let got = '';
    const s = connect(port, '127.0.0.1', () => s.end(msg));
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
  try {
    for (let i = 0; i < 3; i++) assert.equal(await roundTrip(`ping ${i}`), `ping ${i}`);
    current = route([], { mode: 'tcp' });
    assert.equal(await roundTrip('nobody'), '');
  } finally {
    server.close();
    echo.close();
  }
});
