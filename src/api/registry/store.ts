/**
 * The generic object store behind every resource: keys, resourceVersions, optimistic
 * concurrency, selectors, pagination and watches, over the storage Backend and the WatchCache
 * (which serves every read, so lists and watches never hit the backend).
 */
import type { Backend, KeyValue, WatchEvent } from '../storage/backend.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError } from '../storage/backend.js';
import type { WatchCache } from '../storage/watch-cache.js';
import {
  OBJECT_MODIFIED, newAlreadyExists, newBadRequest, newConflict, newNotFound, newResourceExpired,
} from '../machinery/errors.js';
import type { KObject } from '../machinery/object.js';
import { apiVersionOf } from '../machinery/object.js';
import {
  type FieldRequirement, type LabelSelector, matchesFields, matchesLabels,
} from '../machinery/selectors.js';
import type { ResourceDefinition } from './resources.js';

export interface ListOptions {
  labelSelector?: LabelSelector;
  fieldSelector?: FieldRequirement[];
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ObjectWatchEvent {
  type: WatchEventType;
  object: KObject;
}

export interface ObjectWatch {
  cancel(): void;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'skiff.v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (t.v !== 'skiff.v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad token');
    return { rv: t.rv, start: t.start };
  } catch {
    throw newBadRequest('continue key is not valid: invalid continue token');
  }
}

/** The fields every kind can be selected by, plus its own. */
export function selectableFields(def: ResourceDefinition, obj: KObject): Record<string, string> {
  const base: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
  if (def.namespaced) base['metadata.namespace'] = obj.metadata.namespace ?? '';
  return def.selectableFields ? { ...base, ...def.selectableFields(obj) } : base;
}

export function validateFieldSelector(def: ResourceDefinition, reqs: FieldRequirement[]): void {
  if (!reqs.length) return;
  const known = Object.keys(selectableFields(def, { metadata: {} }));
  for (const r of reqs) {
    if (!known.includes(r.field)) {
      throw newBadRequest(`field label not supported: ${r.field}`);
    }
  }
}

export class ObjectStore {
  constructor(private readonly backend: Backend, private readonly cache: WatchCache) {}

  get revision(): number {
    return this.cache.revision;
  }

  storageKey(def: ResourceDefinition, namespace: string | undefined, name: string): string {
    return this.storagePrefix(def, namespace) + name;
  }

  storagePrefix(def: ResourceDefinition, namespace?: string): string {
    const group = def.storedAs ? def.storedAs.group : def.group;
    const resource = def.storedAs ? def.storedAs.resource : def.resource;
    const base = `/registry/${group || 'core'}/${resource}/`;
    return def.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  /** The object as the client sees it: JSON decoded, view-converted, resourceVersion from the revision. */
  private decode(def: ResourceDefinition, kv: KeyValue): KObject {
    // Every caller gets its own copy, and parsing the stored string is the cheapest deep copy:
    // a memo of parsed objects still had to be copied (stringify + parse) and thrashed on large lists.
    const copy = JSON.parse(kv.value) as KObject;
    const obj = def.storedAs ? def.storedAs.fromStored(copy) : copy;
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    obj.metadata.resourceVersion = String(kv.modRevision);
    return reorder(obj);
  }

  private encode(def: ResourceDefinition, obj: KObject): string {
    const stored = def.storedAs ? def.storedAs.toStored(obj) : obj;
    const { resourceVersion: _rv, ...metadata } = stored.metadata;
    return JSON.stringify({ ...stored, metadata });
  }

  get(def: ResourceDefinition, namespace: string | undefined, name: string): KObject {
    const kv = this.cache.get(this.storageKey(def, namespace, name));
    if (!kv) throw newNotFound(def, name);
    return this.decode(def, kv);
  }

  tryGet(def: ResourceDefinition, namespace: string | undefined, name: string): KObject | undefined {
    const kv = this.cache.get(this.storageKey(def, namespace, name));
    return kv ? this.decode(def, kv) : undefined;
  }

  list(def: ResourceDefinition, namespace: string | undefined, opts: ListOptions = {}): ListResult {
    const rev = this.cache.revision;
    let start = '';
    let listRev = rev;
    if (opts.continue) {
      const t = decodeContinue(opts.continue);
      start = t.start;
      listRev = t.rv;
    }
    const kvs = this.cache.list(this.storagePrefix(def, namespace));
    const items: KObject[] = [];
    let next: string | undefined;
    let remaining = 0;
    for (const kv of kvs) {
      if (start && kv.key <= start) continue;
      const obj = this.decode(def, kv);
      if (opts.labelSelector?.length && !matchesLabels(opts.labelSelector, obj.metadata.labels)) continue;
      if (opts.fieldSelector?.length && !matchesFields(opts.fieldSelector, selectableFields(def, obj))) continue;
      if (opts.limit && items.length >= opts.limit) {
        if (next === undefined) next = items.length ? this.storageKey(def, items[items.length - 1].metadata.namespace, items[items.length - 1].metadata.name ?? '') : start;
        remaining++;
        continue;
      }
      items.push(obj);
    }
    const result: ListResult = { items, resourceVersion: String(listRev) };
    if (next !== undefined) {
      result.continue = encodeContinue({ rv: listRev, start: next });
      if (!opts.labelSelector?.length && !opts.fieldSelector?.length) result.remainingItemCount = remaining;
    }
    return result;
  }

  /** Every object of a kind in a namespace (or all), unfiltered: for server-side bookkeeping. */
  all(def: ResourceDefinition, namespace?: string): KObject[] {
    return this.cache.list(this.storagePrefix(def, namespace)).map((kv) => this.decode(def, kv));
  }

  async create(def: ResourceDefinition, obj: KObject): Promise<KObject> {
    const key = this.storageKey(def, obj.metadata.namespace, obj.metadata.name ?? '');
    try {
      const kv = await this.backend.create(key, this.encode(def, obj));
      await this.cache.waitUntilFresh(kv.modRevision);
      return this.decode(def, kv);
    } catch (err) {
      if (err instanceof KeyExistsError) throw newAlreadyExists(def, obj.metadata.name ?? '');
      throw err;
    }
  }

  /** Compare-and-swap on metadata.resourceVersion of `obj`. */
  async update(def: ResourceDefinition, obj: KObject, expectedRevision: number): Promise<KObject> {
    const name = obj.metadata.name ?? '';
    const key = this.storageKey(def, obj.metadata.namespace, name);
    try {
      const kv = await this.backend.update(key, this.encode(def, obj), expectedRevision);
      await this.cache.waitUntilFresh(kv.modRevision);
      return this.decode(def, kv);
    } catch (err) {
      if (err instanceof KeyNotFoundError) throw newNotFound(def, name);
      if (err instanceof RevisionConflictError) throw newConflict(def, name, OBJECT_MODIFIED);
      throw err;
    }
  }

  async remove(def: ResourceDefinition, obj: KObject, expectedRevision?: number): Promise<KObject> {
    const name = obj.metadata.name ?? '';
    const key = this.storageKey(def, obj.metadata.namespace, name);
    try {
      const kv = await this.backend.delete(key, expectedRevision);
      await this.cache.waitUntilFresh(kv.modRevision);
      return this.decode(def, kv);
    } catch (err) {
      if (err instanceof KeyNotFoundError) throw newNotFound(def, name);
      if (err instanceof RevisionConflictError) throw newConflict(def, name, OBJECT_MODIFIED);
      throw err;
    }
  }

  /**
   * Read-modify-write with retries on conflicting concurrent writes, as Kubernetes'
   * GuaranteedUpdate: `tryUpdate` sees the latest object and returns the next one, or
   * undefined to leave it unchanged.
   */
  async guaranteedUpdate(
    def: ResourceDefinition, namespace: string | undefined, name: string,
    tryUpdate: (current: KObject) => KObject | undefined | Promise<KObject | undefined>,
  ): Promise<{ object: KObject; changed: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const current = this.get(def, namespace, name);
      const next = await tryUpdate(current);
      if (!next) return { object: current, changed: false };
      try {
        return { object: await this.update(def, next, Number(current.metadata.resourceVersion)), changed: true };
      } catch (err) {
        // A conflict against our own read means someone else wrote in between: read again.
        const raced = (err as { reason?: string }).reason === 'Conflict' && this.tryGet(def, namespace, name)?.metadata.resourceVersion !== current.metadata.resourceVersion;
        if (!raced || attempt >= 20) throw err;
      }
    }
  }

  /**
   * Streams changes of a kind. fromRevision 0 starts with the current objects as ADDED events;
   * a later one replays what changed since. Objects moving into or out of the selectors appear
   * as ADDED or DELETED, as Kubernetes reports them.
   */
  watch(
    def: ResourceDefinition, namespace: string | undefined,
    opts: { fromRevision: number; labelSelector?: LabelSelector; fieldSelector?: FieldRequirement[] },
    onEvents: (events: ObjectWatchEvent[]) => void,
  ): ObjectWatch {
    const matches = (o: KObject): boolean =>
      (!opts.labelSelector?.length || matchesLabels(opts.labelSelector, o.metadata.labels)) &&
      (!opts.fieldSelector?.length || matchesFields(opts.fieldSelector, selectableFields(def, o)));
    const prefix = this.storagePrefix(def, namespace);
    let from = opts.fromRevision;
    if (from === 0) {
      from = this.cache.revision;
      const initial = this.cache.list(prefix).map((kv) => this.decode(def, kv)).filter(matches);
      if (initial.length) onEvents(initial.map((object) => ({ type: 'ADDED', object })));
    }
    const translate = (events: WatchEvent[]): void => {
      const out: ObjectWatchEvent[] = [];
      for (const e of events) {
        const cur = this.decode(def, e.kv);
        const prev = e.prevKv ? this.decode(def, e.prevKv) : undefined;
        if (e.type === 'delete') {
          if (matches(cur)) out.push({ type: 'DELETED', object: cur });
          continue;
        }
        const nowMatches = matches(cur);
        const wasMatching = prev ? matches(prev) : false;
        if (e.type === 'create') {
          if (nowMatches) out.push({ type: 'ADDED', object: cur });
        } else if (nowMatches && wasMatching) out.push({ type: 'MODIFIED', object: cur });
        else if (nowMatches) out.push({ type: 'ADDED', object: cur });
        else if (wasMatching) {
          // The object left the selection: report it gone, with its new state and revision.
          out.push({ type: 'DELETED', object: cur });
        }
      }
      if (out.length) onEvents(out);
    };
    try {
      return this.cache.watch(prefix, from, translate);
    } catch (err) {
      if (err instanceof CompactedError) {
        throw newResourceExpired(`too old resource version: ${opts.fromRevision} (${err.compactRevision + 1})`);
      }
      throw err;
    }
  }
}

/** apiVersion, kind, metadata first, as Kubernetes serializes objects. */
function reorder(obj: KObject): KObject {
  const { apiVersion, kind, metadata, ...rest } = obj;
  return { apiVersion, kind, metadata, ...rest };
}
