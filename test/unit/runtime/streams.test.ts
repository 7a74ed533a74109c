// Unit tests of the Docker stream helpers: multiplexed stdio, tar extraction and the byte limit.
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { collect, demux, demuxBuffer, firstFileFromTar, limitBytes, mergeFrames } from '../../../src/runtime/docker/streams.js';

function frame(kind: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function tarOf(name: string, content: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  header[156] = '0'.charCodeAt(0);
  const body = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  body.write(content);
  return Buffer.concat([header, body, Buffer.alloc(1024)]);
}

describe('docker stream helpers', () => {
  it('demuxes frames split across chunks into stdout and stderr', async () => {
    const all = Buffer.concat([frame(1, 'out1\n'), frame(2, 'err1\n'), frame(1, 'out2\n')]);
    const src = new PassThrough();
    const out = new PassThrough();
    const err = new PassThrough();
    demux(src, out, err);
    const o = collect(out);
    const e = collect(err);
    for (let i = 0; i < all.length; i += 3) src.write(all.subarray(i, i + 3));
    src.end();
    assert.equal((await o).toString(), 'out1\nout2\n');
    assert.equal((await e).toString(), 'err1\n');
  });

  it('decodes a whole buffer and merges frames in order', async () => {
    const all = Buffer.concat([frame(1, 'a\n'), frame(2, 'b\n'), frame(1, 'c\n')]);
    assert.deepEqual(demuxBuffer(all).map(String), ['a\n', 'b\n', 'c\n']);
    const merged = await collect(Readable.from([all.subarray(0, 5), all.subarray(5)]).pipe(mergeFrames()));
    assert.equal(merged.toString(), 'a\nb\nc\n');
  });

  it('limits bytes and tells the caller to close upstream', async () => {
    let closed = false;
    const out = await collect(Readable.from([Buffer.from('hello '), Buffer.from('world')]).pipe(limitBytes(8, () => (closed = true))));
    assert.equal(out.toString(), 'hello wo');
    assert.equal(closed, true);
  });

  it('reads the first file of a tar archive up to maxBytes', () => {
    const tar = tarOf('termination-log', 'bye now');
    assert.equal(firstFileFromTar(tar, 100)?.toString(), 'bye now');
    assert.equal(firstFileFromTar(tar, 3)?.toString(), 'bye');
    assert.equal(firstFileFromTar(Buffer.alloc(1024), 10), undefined);
  });
});
