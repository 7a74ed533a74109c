// SQLite backend durability and startup: acknowledged writes survive kill -9; reopening a large store is fast.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteBackend } from '../../../src/api/storage/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-durability-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const writerScript = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));

/** Runs the writer, SIGKILLs it after `killAfter` acknowledgements, and returns the acknowledged key → revision. */
async function writeAndKill(file: string, killAfter: number, sync: 'NORMAL' | 'FULL'): Promise<Map<string, number>> {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, file, '100000', sync], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked = new Map<string, number>();
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const [word, key, revision] = line.split(' ');
      if (word === 'ack' && key && revision) acked.set(key, Number(revision));
    }
    if (acked.size >= killAfter && child.exitCode === null && !child.killed) child.kill('SIGKILL');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const signal = await exited;
  clearTimeout(timer);
  assert.equal(signal, 'SIGKILL', `writer was expected to be killed mid-way; stderr: ${stderr}`);
  return acked;
}

describe('SqliteBackend durability', () => {
  for (const sync of ['NORMAL', 'FULL'] as const) {
    it(`keeps every acknowledged write after kill -9 (synchronous=${sync})`, async (t) => {
      const file = join(dir, `crash-${sync}.db`);
      const acked = await writeAndKill(file, 2000, sync);
      assert.ok(acked.size >= 2000, `only ${acked.size} acknowledgements`);
      const backend = SqliteBackend.open(file);
      try {
        let maxAcked = 0;
        for (const [key, revision] of acked) {
          const kv = await backend.get(key);
          assert.ok(kv, `acknowledged key ${key} was lost`);
          assert.equal(kv.modRevision, revision);
          assert.ok(kv.value.startsWith(`${key}:`));
          maxAcked = Math.max(maxAcked, revision);
        }
        const current = await backend.currentRevision();
        assert.ok(current >= maxAcked, `revision went backwards: ${current} < ${maxAcked}`);
        // Revisions are dense, so the store holds exactly `current` keys (acked or not yet acked).
        assert.equal((await backend.list('/crash/')).kvs.length, current);
        assert.equal((await backend.create('/after-crash', '1')).modRevision, current + 1);
        t.diagnostic(`acknowledged ${acked.size}, found ${current} after kill -9`);
      } finally {
        await backend.close();
      }
      const db = new Database(file, { readonly: true });
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      db.close();
    });
  }
});

describe('SqliteBackend startup', () => {
  it('reopens a store of 10,000 keys with history and lists them all', async (t) => {
    const file = join(dir, 'large.db');
    const backend = SqliteBackend.open(file);
    const value = 'v'.repeat(1024);
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => backend.create(`/registry/configmaps/default/cm-${i}`, value)));
    await backend.close();

    const started = performance.now();
    const reopened = SqliteBackend.open(file);
    const revision = await reopened.currentRevision();
    const openMs = performance.now() - started;
    try {
      assert.equal(revision, 10_000);
      const listStarted = performance.now();
      const listed = await reopened.list('/registry/configmaps/');
      const listMs = performance.now() - listStarted;
      assert.equal(listed.kvs.length, 10_000);
      // Timings are reported, not asserted: bench/storage.ts measures them.
      t.diagnostic(`open ${openMs.toFixed(1)} ms, list of 10,000 ${listMs.toFixed(1)} ms`);
    } finally {
      await reopened.close();
    }
  });

  it('rejects writes after close and commits writes queued before it', async () => {
    const backend = SqliteBackend.open(join(dir, 'close.db'));
    const pending = backend.create('/queued', '1');
    await backend.close();
    assert.equal((await pending).modRevision, 1);
    await assert.rejects(backend.create('/late', '1'), /closed/);
    const reopened = SqliteBackend.open(join(dir, 'close.db'));
    assert.equal((await reopened.get('/queued'))?.value, '1');
    await reopened.close();
  });
});
