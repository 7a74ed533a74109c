/** Real kubectl 1.32 and 1.27 against the streaming code: exec (WebSocket v5 and SPDY), TTY resize, port-forward. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeApi, kubectl, startPortForward, type FakeApiServer } from './fixture.js';

let api: FakeApiServer;
let spdyOnly: FakeApiServer;
before(async () => {
  api = await startFakeApi();
  // Refusing the WebSocket upgrade makes kubectl 1.32 take its SPDY fallback.
  spdyOnly = await startFakeApi({ refuseWebSocket: true });
});
after(async () => {
  await api.close();
  await spdyOnly.close();
});

const cases: { name: string; version: string; server: () => FakeApiServer; transport: string }[] = [
  { name: 'kubectl 1.32 (WebSocket v5)', version: '1.32', server: () => api, transport: 'websocket' },
  { name: 'kubectl 1.32 (SPDY fallback)', version: '1.32', server: () => spdyOnly, transport: 'SPDY/3.1' },
  { name: 'kubectl 1.27 (SPDY)', version: '1.27', server: () => api, transport: 'SPDY/3.1' },
];

for (const c of cases) {
  test(`${c.name}: exec passes stdin through and separates stdout from stderr`, async () => {
    const server = c.server();
    const before = server.log.length;
    const r = await kubectl(server, c.version, ['exec', '-i', 'p1', '--', 'sh', '-c', 'cat; echo to-stderr >&2'], { input: 'hi\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');
    assert.equal(r.stderr, 'to-stderr\n');
    const upgrades = server.log.slice(before).filter((l) => l.startsWith('UPGRADE'));
    assert.equal(upgrades[upgrades.length - 1], `UPGRADE ${c.transport} ${c.transport === 'websocket' ? 'GET' : 'POST'} /api/v1/namespaces/default/pods/p1/exec`);
  });

  test(`${c.name}: exec reports the exit code`, async () => {
    const r = await kubectl(c.server(), c.version, ['exec', 'p1', '--', 'sh', '-c', 'echo partial; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'partial\n');
    assert.match(r.stderr, /command terminated with exit code 3/);
  });

  test(`${c.name}: exec -it runs in a terminal and sends the terminal size`, async () => {
    const server = c.server();
    server.resizes.length = 0;
    const r = await kubectl(server, c.version, ['exec', '-it', 'p1', '--', 'sh', '-c', 'tty; echo tty-ok'], { wrapInScript: true });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+\r\ntty-ok\r\n/);
    assert.deepEqual(server.resizes[0], { width: 91, height: 27 });
  });
}

for (const version of ['1.32', '1.27']) {
  test(`kubectl ${version}: port-forward carries HTTP to the pod port`, async () => {
    const pf = await startPortForward(api, version, ['pod/p1', ':8080']);
    try {
      for (const path of ['/first', '/second']) {
        const res = await fetch(`http://127.0.0.1:${pf.localPort}${path}`, { signal: AbortSignal.timeout(10_000) });
        assert.equal(res.status, 200);
        assert.equal(await res.text(), `hello from ${path}`);
      }
    } finally {
      await pf.stop();
    }
    assert.match(pf.output(), /Handling connection for/);
    const transport = version === '1.32' ? 'UPGRADE websocket GET' : 'UPGRADE SPDY/3.1 POST';
    assert.ok(api.log.includes(`${transport} /api/v1/namespaces/default/pods/p1/portforward`), api.log.join('\n'));
  });
}

test('kubectl 1.32: port-forward to a closed pod port reports the pod-side error', async () => {
  const pf = await startPortForward(api, '1.32', ['pod/p1', ':9999']);
  try {
    await assert.rejects(fetch(`http://127.0.0.1:${pf.localPort}/`, { signal: AbortSignal.timeout(10_000) }));
    const deadline = Date.now() + 5000;
    while (!/error forwarding port 9999/.test(pf.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(pf.output(), /error forwarding port 9999/);
  } finally {
    await pf.stop();
  }
});
