/** Unit tests for SPDY/3.1 framing, header compression state and the server session. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket, type AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from '../../../src/agent/streaming/spdy/dictionary.js';
import {
  FrameCodec,
  FrameSplitter,
  RstStatus,
  decodeHeaderBlock,
  encodeHeaderBlock,
  type Frame,
} from '../../../src/agent/streaming/spdy/frames.js';
import { SpdySession, type SpdyStream } from '../../../src/agent/streaming/spdy/session.js';

test('the dictionary has the published length and checksum', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  // zlib streams name their dictionary by Adler-32; 0xe3c6a7c2 is the DICTID SPDY/3 peers send.
  const deflated = zlib.deflateSync(Buffer.from('x'), { dictionary: SPDY3_DICTIONARY });
  assert.equal(deflated.readUInt32BE(2), 0xe3c6a7c2);
  assert.ok(SPDY3_DICTIONARY.subarray(0, 11).equals(Buffer.from('\0\0\0\x07options', 'latin1')));
  assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith('utf-,*,enq=0.'));
});

test('header blocks round-trip, lowercasing names and splitting NUL-separated values', () => {
  const block = encodeHeaderBlock({ StreamType: ['stdout'], multi: ['a', 'b'] });
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: ['stdout'], multi: ['a', 'b'] });
  assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), /truncated/);
});

const samples: Frame[] = [
  { type: 'data', streamId: 5, fin: true, data: Buffer.from('payload') },
  { type: 'data', streamId: 0x7fffffff, fin: false, data: Buffer.alloc(0) },
  { type: 'rst_stream', streamId: 3, status: RstStatus.CANCEL },
  { type: 'settings', clear: true, entries: [{ flags: 1, id: 7, value: 65536 }, { flags: 0, id: 4, value: 100 }] },
  { type: 'ping', id: 0xfffffffe },
  { type: 'goaway', lastGoodStreamId: 9, status: 1 },
  { type: 'window_update', streamId: 0, delta: 12345 },
  {
    type: 'syn_stream',
    streamId: 1,
    associatedStreamId: 0,
    priority: 7,
    slot: 0,
    fin: true,
    unidirectional: false,
    headers: { streamtype: ['error'], port: ['8080'] },
  },
  { type: 'syn_reply', streamId: 1, fin: false, headers: {} },
  { type: 'headers', streamId: 1, fin: true, headers: { a: ['1'] } },
];

test('every frame type encodes and decodes to itself, also when bytes arrive one at a time', async () => {
  const writer = new FrameCodec();
  const reader = new FrameCodec();
  const wire = Buffer.concat(await Promise.all(samples.map((f) => writer.encode(f))));
  const splitter = new FrameSplitter();
  const raws = [];
  for (const byte of wire) raws.push(...splitter.push(Buffer.from([byte])));
  assert.equal(splitter.pending, 0);
  const decoded = [];
  for (const raw of raws) decoded.push(await reader.decode(raw));
  assert.deepEqual(decoded, samples);
  writer.close();
  reader.close();
});

test('header compression keeps one zlib stream per direction across frames', async () => {
  const writer = new FrameCodec();
  const headers = { streamtype: ['data'], port: ['8080'], requestid: ['0'] };
  const first = await writer.encode({ type: 'syn_reply', streamId: 1, fin: false, headers });
  const second = await writer.encode({ type: 'syn_reply', streamId: 3, fin: false, headers });
  // The second block refers back to the first, so it is much smaller than the first.
  assert.ok(second.length < first.length - 10, `${second.length} vs ${first.length}`);

  // A fresh reader cannot decode the second block alone: it depends on the first one's state.
  const alone = new FrameCodec();
  await assert.rejects(alone.decode(new FrameSplitter().push(second)[0]));
  alone.close();

  const reader = new FrameCodec();
  const [r1, r2] = new FrameSplitter().push(Buffer.concat([first, second]));
  assert.deepEqual(await reader.decode(r1), { type: 'syn_reply', streamId: 1, fin: false, headers });
  assert.deepEqual(await reader.decode(r2), { type: 'syn_reply', streamId: 3, fin: false, headers });

  // Blocks from an independent zlib deflater with the dictionary (as Go's writer produces) decode too.
  const peer = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
  const chunks: Buffer[] = [];
  peer.on('data', (c: Buffer) => chunks.push(c));
  const peerBlock = async (h: Record<string, string[]>): Promise<Buffer> => {
    peer.write(encodeHeaderBlock(h));
    await new Promise<void>((r) => peer.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
    return Buffer.concat(chunks.splice(0));
  };
  const reader2 = new FrameCodec();
  for (const n of [1, 3, 5]) {
    const block = await peerBlock({ streamtype: ['stdin'], n: [String(n)] });
    const frame = Buffer.concat([Buffer.from([0x80, 3, 0, 8, 0, 0, 0, 0]), Buffer.alloc(4), block]);
    frame.writeUIntBE(4 + block.length, 5, 3);
    frame.writeUInt32BE(n, 8);
    const raw = new FrameSplitter().push(frame)[0];
    assert.deepEqual(await reader2.decode(raw), { type: 'headers', streamId: n, fin: false, headers: { streamtype: ['stdin'], n: [String(n)] } });
  }
  peer.destroy();
  writer.close();
  reader.close();
  reader2.close();
});

test('control frames of another SPDY version are rejected; unknown types are skipped', async () => {
  const codec = new FrameCodec();
  const v2ping = Buffer.from([0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]);
  await assert.rejects(codec.decode(new FrameSplitter().push(v2ping)[0]), /version 2/);
  const unknown = Buffer.from([0x80, 3, 0, 0x0a, 0, 0, 0, 0]);
  assert.equal(await codec.decode(new FrameSplitter().push(unknown)[0]), undefined);
  codec.close();
});

/** A SPDY client over a real TCP connection, for driving SpdySession. */
async function sessionPair(): Promise<{
  client: Socket;
  session: Promise<SpdySession>;
  send: (f: Frame) => Promise<void>;
  next: () => Promise<Frame>;
  close: () => Promise<void>;
}> {
  let resolveSession: (s: SpdySession) => void = () => undefined;
  const session = new Promise<SpdySession>((r) => (resolveSession = r));
  const server = createServer((sock) => resolveSession(new SpdySession(sock)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const codec = new FrameCodec();
  const splitter = new FrameSplitter();
  const inbox: Frame[] = [];
  const waiters: ((f: Frame) => void)[] = [];
  let chain = Promise.resolve();
  client.on('data', (chunk: Buffer) => {
    for (const raw of splitter.push(chunk)) {
      chain = chain.then(async () => {
        const f = await codec.decode(raw);
        if (!f) return;
        const w = waiters.shift();
        if (w) w(f);
        else inbox.push(f);
      });
    }
  });
  const next = (): Promise<Frame> => {
    const f = inbox.shift();
    if (f) return Promise.resolve(f);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no frame within 5 s')), 5000);
      waiters.push((fr) => {
        clearTimeout(t);
        resolve(fr);
      });
    });
  };
  let sendChain = Promise.resolve();
  const send = (f: Frame): Promise<void> => {
    sendChain = sendChain.then(async () => {
      client.write(await codec.encode(f));
    });
    return sendChain;
  };
  return {
    client,
    session,
    send,
    next,
    close: async () => {
      client.destroy();
      codec.close();
      await new Promise((r) => server.close(r));
    },
  };
}

test('the session accepts client streams, exchanges data, echoes pings and refuses bad ids', async () => {
  const p = await sessionPair();
  try {
    const session = await p.session;
    const streams: SpdyStream[] = [];
    session.on('stream', (s) => {
      streams.push(s);
      s.reply({ ok: ['yes'] });
    });
    await p.send({ type: 'syn_stream', streamId: 1, associatedStreamId: 0, priority: 0, slot: 0, fin: false, unidirectional: false, headers: { streamtype: ['data'], port: ['80'] } });
    assert.deepEqual(await p.next(), { type: 'syn_reply', streamId: 1, fin: false, headers: { ok: ['yes'] } });
    assert.equal(streams[0].header('streamType'), 'data');
    assert.equal(streams[0].header('PORT'), '80');

    const got: Buffer[] = [];
    streams[0].on('data', (c: Buffer) => got.push(c));
    const ended = new Promise<void>((r) => streams[0].once('end', () => r()));
    await p.send({ type: 'data', streamId: 1, fin: false, data: Buffer.from('ab') });
    await p.send({ type: 'data', streamId: 1, fin: true, data: Buffer.from('cd') });
    await ended;
    assert.equal(Buffer.concat(got).toString(), 'abcd');

    streams[0].end(Buffer.alloc(70_000, 1));
    let total = 0;
    for (;;) {
      const f = await p.next();
      assert.equal(f.type, 'data');
      if (f.type !== 'data') break;
      assert.equal(f.streamId, 1);
      // Large writes are cut into frames so they cannot monopolize the connection.
      assert.ok(f.data.length <= 32 * 1024);
      total += f.data.length;
      if (f.fin) break;
    }
    assert.equal(total, 70_000);

    await p.send({ type: 'ping', id: 7 });
    assert.deepEqual(await p.next(), { type: 'ping', id: 7 });

    // Stream ids must be odd and increasing.
    await p.send({ type: 'syn_stream', streamId: 1, associatedStreamId: 0, priority: 0, slot: 0, fin: false, unidirectional: false, headers: {} });
    assert.deepEqual(await p.next(), { type: 'rst_stream', streamId: 1, status: RstStatus.PROTOCOL_ERROR });
    // Data on a stream that does not exist is answered with INVALID_STREAM.
    await p.send({ type: 'data', streamId: 99, fin: false, data: Buffer.from('x') });
    assert.deepEqual(await p.next(), { type: 'rst_stream', streamId: 99, status: RstStatus.INVALID_STREAM });

    // A reset from the client tears the stream down.
    await p.send({ type: 'syn_stream', streamId: 3, associatedStreamId: 0, priority: 0, slot: 0, fin: false, unidirectional: false, headers: { streamtype: ['error'] } });
    await p.next();
    const closed = new Promise<void>((r) => streams[1].once('close', () => r()));
    await p.send({ type: 'rst_stream', streamId: 3, status: RstStatus.CANCEL });
    await closed;
    assert.equal(streams[1].resetByPeer, true);

    await session.close();
    assert.deepEqual(await p.next(), { type: 'goaway', lastGoodStreamId: 3, status: 0 });
  } finally {
    await p.close();
  }
});

test('a corrupt header block ends the session with GOAWAY PROTOCOL_ERROR', async () => {
  const p = await sessionPair();
  try {
    const session = await p.session;
    const errors: Error[] = [];
    session.on('error', (e) => errors.push(e));
    const closed = new Promise<void>((r) => session.once('close', () => r()));
    const junk = Buffer.from([0x80, 3, 0, 2, 0, 0, 0, 9, 0, 0, 0, 1, 1, 2, 3, 4, 5]);
    p.client.write(junk);
    const f = await p.next();
    assert.deepEqual(f, { type: 'goaway', lastGoodStreamId: 0, status: 1 });
    await closed;
    assert.equal(errors.length, 1);
  } finally {
    await p.close();
  }
});
