// openBackend: endpoint strings to backends, with loud failures for anything unknown.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openBackend } from '../../../src/api/storage/factory.js';
import { MemoryBackend } from '../../../src/api/storage/memory.js';
import { SqliteBackend } from '../../../src/api/storage/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-factory-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('openBackend', () => {
  it('opens memory://', async () => {
    const backend = openBackend('memory://');
    assert.ok(backend instanceof MemoryBackend);
    await backend.close();
  });

  it('opens sqlite:///absolute/path, creating the directory, and persists', async () => {
    const file = join(dir, 'nested', 'state.db');
    const backend = openBackend(`sqlite://${file}`);
    assert.ok(backend instanceof SqliteBackend);
    await backend.create('/a', '1');
    await backend.close();
    assert.ok(existsSync(file));
    const again = openBackend(`sqlite://${file}?synchronous=FULL`);
    assert.equal((await again.get('/a'))?.value, '1');
    await again.close();
  });

  it('rejects unknown schemes and options', () => {
    assert.throws(() => openBackend('etcd://127.0.0.1:2379'), /unsupported storage endpoint/);
    assert.throws(() => openBackend('memory://x'), /unsupported storage endpoint/);
    assert.throws(() => openBackend(`sqlite://${join(dir, 'x.db')}?journal=off`), /unknown option journal=off/);
    assert.throws(() => openBackend(`sqlite://${join(dir, 'x.db')}?synchronous=OFF`), /unsupported storage endpoint/);
  });
});
