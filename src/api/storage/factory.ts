// Opens the store backend named by an endpoint string, with embedded SQLite as the zero-config default.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Backend } from './backend.js';
import { MemoryBackend } from './memory.js';
import { SqliteBackend, type SqliteOptions } from './sqlite.js';

/** Where the store lives when no endpoint is given, relative to the working directory (kine uses ./db too). */
export const DEFAULT_SQLITE_PATH = 'db/state.db';

/**
 * Endpoints: '' (SQLite at DEFAULT_SQLITE_PATH), `sqlite:///abs/path.db` or `sqlite://rel/path.db`,
 * optionally with `?synchronous=FULL|NORMAL`, and `memory://`. Anything else fails loudly rather
 * than falling back, so a mistyped endpoint never silently runs on a throwaway store.
 */
export function openBackend(endpoint: string): Backend {
  if (endpoint === '') return openSqlite(DEFAULT_SQLITE_PATH, {});
  if (endpoint === 'memory://') return new MemoryBackend();
  if (endpoint.startsWith('sqlite://')) {
    const [path = '', query] = endpoint.slice('sqlite://'.length).split('?', 2);
    return openSqlite(path === '' ? DEFAULT_SQLITE_PATH : path, parseSqliteOptions(endpoint, query));
  }
  throw new Error(`unsupported storage endpoint ${JSON.stringify(endpoint)}: use sqlite:///path/to/db or memory://`);
}

function openSqlite(path: string, opts: SqliteOptions): Backend {
  mkdirSync(dirname(path), { recursive: true });
  return SqliteBackend.open(path, opts);
}

function parseSqliteOptions(endpoint: string, query: string | undefined): SqliteOptions {
  const opts: SqliteOptions = {};
  for (const [name, value] of new URLSearchParams(query ?? '')) {
    if (name === 'synchronous' && (value === 'NORMAL' || value === 'FULL')) opts.synchronous = value;
    else throw new Error(`unsupported storage endpoint ${JSON.stringify(endpoint)}: unknown option ${name}=${value}`);
  }
  return opts;
}
