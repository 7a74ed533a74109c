// The embedded default store backend: SQLite (better-sqlite3) in WAL mode, with a revision log for watches.
import Database from 'better-sqlite3';
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionConflictError,
  type Backend,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Watch,
  type WatchEvent,
  type WatchEventType,
} from './backend.js';
import { Broadcaster, type WatchHandler } from './broadcaster.js';
import { prefixEnd } from './key-range.js';

/*
 * Layout. Unlike kine, which keeps only a log and finds each key's latest row with max(id) per
 * name, this keeps two tables:
 *   kv   - the live value of every key (what get and list read; startup never scans anything);
 *   log  - one row per revision (create/update/delete with the previous value), the watch history
 *          that compact() trims. A row carries the previous value so replayed events have prevKv
 *          even after the row that wrote it was compacted away.
 *   meta - the current revision and the compact revision. The revision lives here rather than
 *          being derived from max(log.revision) because compacting everything would empty the log,
 *          and a revision must never go backwards across restarts.
 * Each write commits kv, log and meta in one transaction, so the three never disagree.
 *
 * Durability. WAL with synchronous=NORMAL: a commit reaches the WAL file with write(2) before the
 * promise resolves, so it survives kill -9 of the process; only power loss or an OS crash can roll
 * back the last commits. synchronous=FULL adds an fsync per commit for power-loss durability.
 *
 * Throughput. Writes arriving in the same turn of the event loop are queued and committed in one
 * transaction (each op still succeeds or fails on its own), which amortises the commit and, under
 * FULL, the fsync across concurrent callers.
 */

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS kv (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL,
     create_revision INTEGER NOT NULL,
     mod_revision INTEGER NOT NULL
   ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS log (
     revision INTEGER PRIMARY KEY,
     key TEXT NOT NULL,
     type TEXT NOT NULL CHECK (type IN ('create', 'update', 'delete')),
     value TEXT NOT NULL,
     create_revision INTEGER NOT NULL,
     prev_revision INTEGER,
     prev_value TEXT
   )`,
  `CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID`,
];

/** Compaction deletes this many revisions per transaction so one call never blocks the event loop for long. */
const COMPACT_BATCH = 1000;
/** Replayed history is handed to a watcher in batches of this many events. */
const REPLAY_BATCH = 500;

interface KvRow {
  key: string;
  value: string;
  create_revision: number;
  mod_revision: number;
}

interface LogRow {
  revision: number;
  key: string;
  type: WatchEventType;
  value: string;
  create_revision: number;
  prev_revision: number | null;
  prev_value: string | null;
}

type WriteOp =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expectedModRevision: number }
  | { kind: 'delete'; key: string; expectedModRevision?: number };

interface PendingWrite {
  op: WriteOp;
  resolve(kv: KeyValue): void;
  reject(err: unknown): void;
}

type Outcome = { ok: true; event: WatchEvent } | { ok: false; error: Error };

export interface SqliteOptions {
  /** NORMAL (default) survives process crashes; FULL also survives power loss, at an fsync per commit. */
  synchronous?: 'NORMAL' | 'FULL';
}

export class SqliteBackend implements Backend {
  private readonly broadcaster = new Broadcaster();
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private closed = false;
  private revision: number;
  private compacted: number;
  private readonly stmt;
  private readonly listStatements = new Map<string, Database.Statement<Record<string, string | number>, KvRow>>();

  private constructor(private readonly db: Database.Database) {
    this.stmt = {
      getKv: db.prepare<[string], KvRow>('SELECT key, value, create_revision, mod_revision FROM kv WHERE key = ?'),
      insertKv: db.prepare<[string, string, number, number]>(
        'INSERT INTO kv (key, value, create_revision, mod_revision) VALUES (?, ?, ?, ?)',
      ),
      updateKv: db.prepare<[string, number, string]>('UPDATE kv SET value = ?, mod_revision = ? WHERE key = ?'),
      deleteKv: db.prepare<[string]>('DELETE FROM kv WHERE key = ?'),
      insertLog: db.prepare<[number, string, string, string, number, number | null, string | null]>(
        'INSERT INTO log (revision, key, type, value, create_revision, prev_revision, prev_value) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      logAfter: db.prepare<[number], LogRow>(
        'SELECT revision, key, type, value, create_revision, prev_revision, prev_value FROM log WHERE revision > ? ORDER BY revision',
      ),
      deleteLogUpTo: db.prepare<[number]>('DELETE FROM log WHERE revision <= ?'),
      getMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
      setMeta: db.prepare<[string, number]>(
        'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
      ),
      maxLogRevision: db.prepare<[], { revision: number | null }>('SELECT max(revision) AS revision FROM log'),
    };
    // The log's own maximum guards against a meta row that lags (it cannot, being in the same
    // transaction, but the check is one index lookup and a revision must never go backwards).
    const logMax = this.stmt.maxLogRevision.get()?.revision ?? 0;
    this.revision = Math.max(this.stmt.getMeta.get('revision')?.value ?? 0, logMax);
    this.compacted = this.stmt.getMeta.get('compact_revision')?.value ?? 0;
  }

  /** Opens (creating if needed) the database file; ':memory:' gives a throwaway store. */
  static open(file: string, opts: SqliteOptions = {}): SqliteBackend {
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
      // Another process holding the file (a second server by mistake) should wait briefly, not fail at once.
      db.pragma('busy_timeout = 5000');
      for (const sql of SCHEMA) db.exec(sql);
      return new SqliteBackend(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const row = this.stmt.getKv.get(key);
    return row && toKeyValue(row);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const limit = opts.limit ?? 0;
    const afterStart = opts.startAfter !== undefined && opts.startAfter >= prefix;
    const end = prefixEnd(prefix);
    const rows = this.listStatement(afterStart, end !== undefined).all({
      start: afterStart ? opts.startAfter! : prefix,
      ...(end !== undefined ? { end } : {}),
      // One extra row tells whether there is more; -1 is SQLite's "no limit".
      limit: limit > 0 ? limit + 1 : -1,
    });
    const kvs: KeyValue[] = [];
    let more = false;
    for (const row of rows) {
      if (!row.key.startsWith(prefix)) break;
      if (limit > 0 && kvs.length === limit) {
        more = true;
        break;
      }
      kvs.push(toKeyValue(row));
    }
    return { revision: this.revision, kvs, more };
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue({ kind: 'create', key, value });
  }

  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'update', key, value, expectedModRevision });
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'delete', key, ...(expectedModRevision !== undefined ? { expectedModRevision } : {}) });
  }

  /**
   * fromRevision 0 means "only events after now", as in etcd. The history is read synchronously,
   * so no commit can slip between the replay and the live subscription.
   */
  watch(prefix: string, fromRevision: number, onEvents: WatchHandler): Watch {
    this.assertOpen();
    if (fromRevision === 0) return this.broadcaster.subscribe(prefix, this.revision, [], onEvents);
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    const replay: WatchEvent[][] = [];
    let batch: WatchEvent[] = [];
    for (const row of this.stmt.logAfter.iterate(fromRevision)) {
      if (!row.key.startsWith(prefix)) continue;
      batch.push(toEvent(row));
      if (batch.length === REPLAY_BATCH) {
        replay.push(batch);
        batch = [];
      }
    }
    replay.push(batch);
    return this.broadcaster.subscribe(prefix, fromRevision, replay, onEvents);
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async compactRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  /**
   * Trims the log in batches, yielding to the event loop between them. The compact revision is
   * raised in the same transaction as each delete, so a watch never replays a history with holes.
   */
  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.revision) throw new Error(`cannot compact to revision ${revision}: current revision is ${this.revision}`);
    const compactTo = this.db.transaction((upTo: number) => {
      this.stmt.deleteLogUpTo.run(upTo);
      this.stmt.setMeta.run('compact_revision', upTo);
    });
    while (this.compacted < revision) {
      const upTo = Math.min(revision, this.compacted + COMPACT_BATCH);
      compactTo.immediate(upTo);
      this.compacted = upTo;
      if (upTo < revision) await new Promise<void>((resolve) => setImmediate(resolve));
      this.assertOpen();
    }
    // Like kine, fold the WAL back into the main file after a compaction so it does not keep growing.
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** Commits writes already queued, then closes; later calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.broadcaster.cancelAll();
    this.db.close();
  }

  private enqueue(op: WriteOp): Promise<KeyValue> {
    return new Promise<KeyValue>((resolve, reject) => {
      if (this.closed) {
        reject(new Error('storage backend is closed'));
        return;
      }
      this.queue.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits every queued write in one transaction, publishes the events, then acknowledges. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0 || this.closed) return;
    let outcomes: Outcome[];
    let revision = this.revision;
    try {
      outcomes = this.db
        .transaction(() => {
          const results: Outcome[] = [];
          for (const { op } of batch) {
            const result = this.apply(op, revision + 1);
            if (result.ok) revision += 1;
            results.push(result);
          }
          if (revision !== this.revision) this.stmt.setMeta.run('revision', revision);
          return results;
        })
        .immediate();
    } catch (err) {
      // The whole transaction rolled back (disk full, I/O error): nothing in the batch was written.
      for (const write of batch) write.reject(err);
      return;
    }
    this.revision = revision;
    const events: WatchEvent[] = [];
    for (const outcome of outcomes) if (outcome.ok) events.push(outcome.event);
    this.broadcaster.publish(events);
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) batch[i]!.resolve(outcome.event.kv);
      else batch[i]!.reject(outcome.error);
    });
  }

  /** One write inside the batch transaction; precondition failures are outcomes, anything else aborts the batch. */
  private apply(op: WriteOp, revision: number): Outcome {
    const row = this.stmt.getKv.get(op.key);
    const current = row && toKeyValue(row);
    if (op.kind === 'create') {
      if (current) return { ok: false, error: new KeyExistsError(op.key) };
      this.stmt.insertKv.run(op.key, op.value, revision, revision);
      this.stmt.insertLog.run(revision, op.key, 'create', op.value, revision, null, null);
      return { ok: true, event: { type: 'create', kv: { key: op.key, value: op.value, createRevision: revision, modRevision: revision } } };
    }
    if (!current) return { ok: false, error: new KeyNotFoundError(op.key) };
    if (op.expectedModRevision !== undefined && current.modRevision !== op.expectedModRevision) {
      return { ok: false, error: new RevisionConflictError(op.key, current) };
    }
    if (op.kind === 'update') {
      this.stmt.updateKv.run(op.value, revision, op.key);
      this.stmt.insertLog.run(revision, op.key, 'update', op.value, current.createRevision, current.modRevision, current.value);
      const kv = { key: op.key, value: op.value, createRevision: current.createRevision, modRevision: revision };
      return { ok: true, event: { type: 'update', kv, prevKv: current } };
    }
    this.stmt.deleteKv.run(op.key);
    // The delete row's value is the last value the key held, so prev_value would only repeat it.
    this.stmt.insertLog.run(revision, op.key, 'delete', current.value, current.createRevision, current.modRevision, null);
    return { ok: true, event: { type: 'delete', kv: { ...current, modRevision: revision }, prevKv: current } };
  }

  /** Prepared once per shape: lower bound inclusive or exclusive, with or without an upper bound. */
  private listStatement(afterStart: boolean, bounded: boolean): Database.Statement<Record<string, string | number>, KvRow> {
    const shape = `${afterStart}:${bounded}`;
    let stmt = this.listStatements.get(shape);
    if (!stmt) {
      const lower = afterStart ? 'key > @start' : 'key >= @start';
      const upper = bounded ? ' AND key < @end' : '';
      stmt = this.db.prepare<Record<string, string | number>, KvRow>(
        `SELECT key, value, create_revision, mod_revision FROM kv WHERE ${lower}${upper} ORDER BY key LIMIT @limit`,
      );
      this.listStatements.set(shape, stmt);
    }
    return stmt;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('storage backend is closed');
  }
}

function toKeyValue(row: KvRow): KeyValue {
  return { key: row.key, value: row.value, createRevision: row.create_revision, modRevision: row.mod_revision };
}

function toEvent(row: LogRow): WatchEvent {
  const kv: KeyValue = { key: row.key, value: row.value, createRevision: row.create_revision, modRevision: row.revision };
  if (row.type === 'create' || row.prev_revision === null) return { type: row.type, kv };
  const prevValue = row.type === 'delete' ? row.value : (row.prev_value ?? '');
  return { type: row.type, kv, prevKv: { key: row.key, value: prevValue, createRevision: row.create_revision, modRevision: row.prev_revision } };
}
