/**
 * The storage interface every backend implements (SQLite by default, etcd later), modelled on kine:
 * a flat key space of JSON values, one global revision counter, compare-and-swap writes and
 * watches that replay from a revision.
 */

/** A stored value. Revisions are global: every create, update and delete takes the next one. */
export interface KeyValue {
  key: string;
  /** The object as JSON text. */
  value: string;
  /** The revision at which the key was (last) created. */
  createRevision: number;
  /** The revision of the last write to this key (for a delete event: the revision of the delete). */
  modRevision: number;
}

export type WatchEventType = 'create' | 'update' | 'delete';

export interface WatchEvent {
  type: WatchEventType;
  /** For 'delete', the last value the key held, with modRevision set to the revision of the delete. */
  kv: KeyValue;
  /** The value before this write, for 'update' and 'delete'. */
  prevKv?: KeyValue;
}

export interface ListOptions {
  /** At most this many keys; `more` tells whether any are left. 0 or absent: no limit. */
  limit?: number;
  /** Start after this key (exclusive), for pagination. */
  startAfter?: string;
}

export interface ListResult {
  /** The store revision the list reflects. */
  revision: number;
  kvs: KeyValue[];
  more: boolean;
}

export interface Watch {
  /** Stops delivery; idempotent. */
  cancel(): void;
}

/** Thrown by create when the key exists. */
export class KeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
    this.name = 'KeyExistsError';
  }
}

/** Thrown by update/delete when the key is missing. */
export class KeyNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
    this.name = 'KeyNotFoundError';
  }
}

/** Thrown by update/delete when expectedModRevision is not the key's current modRevision. */
export class RevisionConflictError extends Error {
  constructor(readonly key: string, readonly current: KeyValue) {
    super(`revision conflict on ${key}: current is ${current.modRevision}`);
    this.name = 'RevisionConflictError';
  }
}

/** Thrown by watch when fromRevision is older than the oldest revision kept (the client must relist). */
export class CompactedError extends Error {
  constructor(readonly requested: number, readonly compactRevision: number) {
    super(`required revision ${requested} has been compacted (oldest available is ${compactRevision + 1})`);
    this.name = 'CompactedError';
  }
}

/**
 * A store backend. Writes are durable once their promise resolves. Watch handlers are called in
 * revision order, never concurrently, with batches of events; a backend may call them synchronously
 * inside the write that produced the events, so handlers must not write to the store themselves.
 */
export interface Backend {
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys with this prefix in key order, at the current revision. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Throws KeyExistsError. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Compare-and-swap. Throws KeyNotFoundError or RevisionConflictError. */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;
  /** Returns the deleted value with modRevision = the delete's revision. Throws KeyNotFoundError or RevisionConflictError. */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /**
   * Events for keys under prefix with revision > fromRevision: first the history kept since then,
   * then live events. Throws CompactedError when that history is gone.
   */
  watch(prefix: string, fromRevision: number, onEvents: (events: WatchEvent[]) => void): Watch;
  currentRevision(): Promise<number>;
  /** The oldest revision whose history a watch can no longer replay (0 = nothing compacted). */
  compactRevision(): Promise<number>;
  /** Drops history at and below revision (the latest value of each live key is kept). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
