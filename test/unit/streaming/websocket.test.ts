/** Unit tests for the WebSocket channel protocols of exec/attach and port-forward, driven by a plain ws client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage } from 'node:http';
import { createConnection, createServer as createTcpServer, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import {
  exitStatus,
  parseRemoteCommandQuery,
  parseResize,
  serveRemoteCommand,
} from '../../../src/agent/streaming/remotecommand.js';
import { parsePorts, servePortForward } from '../../../src/agent/streaming/portforward.js';
import { localExec } from './fixture.js';

async function withServer(
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
  fn: (base: string) => Promise<void>,
): Promise<void> {
  const server: Server = createServer((_req, res) => res.end());
  const sockets = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onUpgrade(req, socket, head);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
}

/** Collects every binary message until the server closes, with a bound on the wait. */
function collect(ws: WebSocket): Promise<{ messages: Buffer[]; code: number }> {
  const messages: Buffer[] = [];
  ws.on('message', (m: Buffer) => messages.push(m));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no close within 10 s')), 10_000);
    ws.once('close', (code) => {
      clearTimeout(t);
      resolve({ messages, code });
    });
  });
}

function channelText(messages: Buffer[], channel: number): string {
  return Buffer.concat(messages.filter((m) => m[0] === channel).map((m) => m.subarray(1))).toString();
}

test('query and message parsing', () => {
  assert.deepEqual(parseRemoteCommandQuery('/x/exec?command=sh&command=-c&command=echo%20a&container=c1&stdin=true&stdout=1&tty=true'), {
    command: ['sh', '-c', 'echo a'],
    container: 'c1',
    stdin: true,
    stdout: true,
    stderr: false,
    tty: true,
  });
  assert.deepEqual(parseResize('{"Width":80,"Height":24}\n'), { width: 80, height: 24 });
  assert.equal(parseResize('{"Width":"80"}'), undefined);
  assert.equal(parseResize('nope'), undefined);
  assert.deepEqual(exitStatus(0, ['true']), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
  const failed = exitStatus(3, ['false']);
  assert.equal(failed.reason, 'NonZeroExitCode');
  assert.deepEqual(failed.details, { causes: [{ reason: 'ExitCode', message: '3' }] });
  assert.deepEqual(parsePorts('/pf?ports=80,443&ports=8080'), [80, 443, 8080]);
  assert.equal(parsePorts('/pf?ports=0'), undefined);
  assert.equal(parsePorts('/pf'), undefined);
});

for (const protocol of ['v5.channel.k8s.io', 'v4.channel.k8s.io']) {
  test(`exec over WebSocket ${protocol}: stdin, stdout, stderr, resize and exit status`, async () => {
    const resizes: { width: number; height: number }[] = [];
    await withServer(
      (req, socket, head) => void serveRemoteCommand(req, socket, head, { start: async (o) => localExec(o, resizes) }),
      async (base) => {
        const q = 'command=sh&command=-c&command=cat%3B%20echo%20oops%20%3E%262%3B%20exit%205&stdin=true&stdout=true&stderr=true';
        const ws = new WebSocket(`${base}/api/v1/namespaces/default/pods/p1/exec?${q}`, [protocol]);
        const done = collect(ws);
        await new Promise((r) => ws.once('open', r));
        assert.equal(ws.protocol, protocol);
        ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":100,"Height":30}')]));
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('line one\n')]));
        if (protocol === 'v5.channel.k8s.io') {
          // v5 signals stdin EOF in-band and keeps the connection open for the output.
          ws.send(Buffer.from([255, 0]));
        } else {
          // v4 has no close signal; this command is fed by `cat`, which then needs EOF another way.
          ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('line two\n')]));
        }
        if (protocol === 'v4.channel.k8s.io') {
          // Without EOF `cat` would wait forever: check the output so far, then hang up.
          const out: Buffer[] = [];
          ws.on('message', (m: Buffer) => out.push(m));
          const deadline = Date.now() + 5000;
          while (channelText(out, 1) !== 'line one\nline two\n' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          assert.equal(channelText(out, 1), 'line one\nline two\n');
          ws.close();
          await done;
          assert.deepEqual(resizes, [{ width: 100, height: 30 }]);
          return;
        }
        const { messages, code } = await done;
        assert.equal(code, 1000);
        assert.equal(channelText(messages, 1), 'line one\n');
        assert.equal(channelText(messages, 2), 'oops\n');
        const status = JSON.parse(channelText(messages, 3)) as { status: string; details: unknown };
        assert.equal(status.status, 'Failure');
        assert.deepEqual(status.details, { causes: [{ reason: 'ExitCode', message: '5' }] });
        // The status is the last message: the client must have all output before it.
        assert.equal(messages[messages.length - 1][0], 3);
        assert.deepEqual(resizes, [{ width: 100, height: 30 }]);
      },
    );
  });
}

test('exec over WebSocket refuses unknown subprotocols with 400 and reports start failures on channel 3', async () => {
  await withServer(
    (req, socket, head) =>
      void serveRemoteCommand(req, socket, head, {
        start: async () => {
          throw new Error('container c1 is not running');
        },
      }),
    async (base) => {
      const url = `${base}/api/v1/namespaces/default/pods/p1/exec?command=true&stdout=true`;
      const refused = new WebSocket(url, ['base64.channel.k8s.io']);
      const status = await new Promise<number>((resolve) => {
        refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        refused.once('error', () => resolve(-1));
      });
      assert.equal(status, 400);
      refused.terminate();

      const ws = new WebSocket(url, ['v5.channel.k8s.io']);
      const { messages } = await collect(ws);
      const st = JSON.parse(channelText(messages, 3)) as { status: string; message: string };
      assert.equal(st.status, 'Failure');
      assert.match(st.message, /not running/);
    },
  );
});

test('port-forward over the WebSocket channel protocol', async () => {
  const echo = createTcpServer((c) => c.pipe(c));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoPort = (echo.address() as AddressInfo).port;
  try {
    await withServer(
      (req, socket, head) =>
        void servePortForward(req, socket, head, {
          connect: (port) =>
            new Promise<Duplex>((resolve, reject) => {
              if (port !== 80) {
                reject(new Error(`connection refused on ${port}`));
                return;
              }
              const c = createConnection({ host: '127.0.0.1', port: echoPort });
              c.once('connect', () => resolve(c));
              c.once('error', reject);
            }),
        }),
      async (base) => {
        const ws = new WebSocket(`${base}/api/v1/namespaces/default/pods/p1/portforward?ports=80,81`, ['v4.channel.k8s.io']);
        const messages: Buffer[] = [];
        ws.on('message', (m: Buffer) => messages.push(m));
        const closed = new Promise((r) => ws.once('close', r));
        await new Promise((r) => ws.once('open', r));
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping')]));
        const deadline = Date.now() + 5000;
        while (channelText(messages, 0).length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        // Each channel starts with its port, little-endian; then data follows on channel 0.
        assert.deepEqual([...messages.filter((m) => m[0] === 0)[0]], [0, 80, 0]);
        assert.deepEqual([...messages.filter((m) => m[0] === 1)[0]], [1, 80, 0]);
        assert.deepEqual([...messages.filter((m) => m[0] === 2)[0]], [2, 81, 0]);
        assert.equal(channelText(messages, 0).slice(2), 'ping');
        assert.match(channelText(messages, 3).slice(2), /connection refused on 81/);
        ws.close();
        await closed;
      },
    );
  } finally {
    await new Promise((r) => echo.close(r));
  }
});
