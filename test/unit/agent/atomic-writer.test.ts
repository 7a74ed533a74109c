// writeAtomically: one ..data swap per change, top-level links that follow it, removed keys gone, file modes applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, readdirSync, readlinkSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomically, type FileToWrite } from '../../../src/agent/volumes/atomic-writer.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-atomic-'));
  try {
    fn(join(dir, 'vol'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (path: string, content: string, mode = 0o644): FileToWrite => ({ path, content: Buffer.from(content), mode });

/** The timestamped payload directories present (one after each completed write). */
const payloadDirs = (dir: string): string[] => readdirSync(dir).filter((e) => e.startsWith('..') && e !== '..data');

test('the first write creates ..data, a payload directory and top-level links through ..data', () => withDir((dir) => {
  assert.equal(writeAtomically(dir, [f('a.txt', 'A'), f('conf/app.yaml', 'x: 1')]), true);
  assert.ok(lstatSync(join(dir, '..data')).isSymbolicLink());
  assert.deepEqual(payloadDirs(dir), [readlinkSync(join(dir, '..data'))]);
  assert.equal(readlinkSync(join(dir, 'a.txt')), join('..data', 'a.txt'));
  assert.equal(readlinkSync(join(dir, 'conf')), join('..data', 'conf'));
  assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'A');
  assert.equal(readFileSync(join(dir, 'conf/app.yaml'), 'utf8'), 'x: 1');
  assert.deepEqual(readdirSync(dir).filter((e) => !e.startsWith('..')).sort(), ['a.txt', 'conf']);
}));

test('writing the same contents again changes nothing', () => withDir((dir) => {
  writeAtomically(dir, [f('a', '1'), f('b/c', '2')]);
  const target = readlinkSync(join(dir, '..data'));
  assert.equal(writeAtomically(dir, [f('a', '1'), f('b/c', '2')]), false);
  assert.equal(readlinkSync(join(dir, '..data')), target);
}));

test('an update swaps every file at once, visible through the existing links; readers of the old file keep it', () => withDir((dir) => {
  writeAtomically(dir, [f('a', 'old-a'), f('b', 'old-b')]);
  const oldTarget = readlinkSync(join(dir, '..data'));
  const fd = openSync(join(dir, 'a'), 'r');
  try {
    assert.equal(writeAtomically(dir, [f('a', 'new-a'), f('b', 'new-b')]), true);
    assert.notEqual(readlinkSync(join(dir, '..data')), oldTarget);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'new-a');
    assert.equal(readFileSync(join(dir, 'b'), 'utf8'), 'new-b');
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    assert.equal(buf.subarray(0, n).toString(), 'old-a', 'an open file is never rewritten in place');
  } finally {
    closeSync(fd);
  }
  assert.equal(existsSync(join(dir, oldTarget)), false, 'the old payload is removed');
  assert.equal(payloadDirs(dir).length, 1);
}));

test('removed keys disappear, added ones appear', () => withDir((dir) => {
  writeAtomically(dir, [f('keep', 'k'), f('drop', 'd'), f('nested/x', 'x')]);
  writeAtomically(dir, [f('keep', 'k'), f('added', 'a')]);
  assert.deepEqual(readdirSync(dir).filter((e) => !e.startsWith('..')).sort(), ['added', 'keep']);
  assert.equal(existsSync(join(dir, 'drop')), false);
  assert.equal(existsSync(join(dir, 'nested')), false);
  assert.equal(readFileSync(join(dir, 'added'), 'utf8'), 'a');
  // Everything removed: an empty volume.
  assert.equal(writeAtomically(dir, []), true);
  assert.deepEqual(readdirSync(dir).filter((e) => !e.startsWith('..')), []);
}));

test('file modes are applied, and a mode change alone is a change', () => withDir((dir) => {
  writeAtomically(dir, [f('secret', 's', 0o400), f('script', '#!/bin/sh', 0o755), f('plain', 'p')]);
  assert.equal(statSync(join(dir, 'secret')).mode & 0o777, 0o400);
  assert.equal(statSync(join(dir, 'script')).mode & 0o777, 0o755);
  assert.equal(statSync(join(dir, 'plain')).mode & 0o777, 0o644);
  assert.equal(writeAtomically(dir, [f('secret', 's', 0o440), f('script', '#!/bin/sh', 0o755), f('plain', 'p')]), true);
  assert.equal(statSync(join(dir, 'secret')).mode & 0o777, 0o440);
}));
