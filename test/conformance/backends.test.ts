// Runs the Backend conformance suite against the memory and SQLite backends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { Backend } from '../../src/api/storage/backend.js';
import { MemoryBackend } from '../../src/api/storage/memory.js';
import { SqliteBackend } from '../../src/api/storage/sqlite.js';
import { runBackendSuite } from './backend.suite.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-storage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
const files = new WeakMap<Backend, string>();
const openSqlite = (file: string): Backend => {
  const backend = SqliteBackend.open(file);
  files.set(backend, file);
  return backend;
};

runBackendSuite('memory', async () => new MemoryBackend());

runBackendSuite('sqlite', async () => openSqlite(join(dir, `store-${++counter}.db`)), {
  reopen: async (backend) => {
    const file = files.get(backend);
    if (!file) throw new Error('not a backend this test opened');
    await backend.close();
    return openSqlite(file);
  },
});

runBackendSuite('sqlite (synchronous=FULL)', async () => SqliteBackend.open(join(dir, `full-${++counter}.db`), { synchronous: 'FULL' }));
