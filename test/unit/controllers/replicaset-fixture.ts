// Test fixture for the workload controllers: seeded informer caches, a client that records every action, and an event sink.
import type { KObject } from '../../../src/api/machinery/object.js';
import { newNotFound } from '../../../src/api/machinery/errors.js';
import { keyFor } from '../../../src/api/machinery/object.js';
import type { ResourceRef } from '../../../src/client/rest-client.js';
import type { InvolvedObject } from '../../../src/client/events.js';

export const alwaysReady = (): Promise<void> => Promise.resolve();

/** An informer whose cache the test fills directly; handlers are kept so tests may fire them. */
export class FakeInformer<T extends KObject = KObject> {
  readonly items = new Map<string, T>();
  readonly handlers: { onAdd?(o: T): void; onUpdate?(o: T, n: T): void; onDelete?(o: T): void }[] = [];
  constructor(objs: T[] = []) {
    for (const o of objs) this.items.set(keyFor(o), o);
  }
  add(o: T): void {
    this.items.set(keyFor(o), o);
  }
  get(key: string): T | undefined {
    return this.items.get(key);
  }
  list(): T[] {
    return [...this.items.values()];
  }
  addEventHandler(h: { onAdd?(o: T): void; onUpdate?(o: T, n: T): void; onDelete?(o: T): void }): void {
    this.handlers.push(h);
  }
  start(): void {}
  stop(): void {}
  waitForSync = alwaysReady;
}

export interface Action {
  verb: 'get' | 'create' | 'update' | 'patch' | 'delete';
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  object?: KObject;
  patch?: unknown;
}

/** Records every call in order; creates fill in generated names and resource versions. */
export class FakeClient {
  readonly actions: Action[] = [];
  /** Makes the next calls of a verb on a resource fail with this error. */
  failures = new Map<string, Error>();
  /** Objects `get` returns, by `resource/namespace/name`. */
  readonly objects = new Map<string, KObject>();
  private rv = 100;
  private seq = 0;

  private fail(verb: string, resource: string): void {
    const err = this.failures.get(`${verb}:${resource}`);
    if (err) throw err;
  }

  async get<T extends KObject = KObject>(ref: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    this.actions.push({ verb: 'get', resource: ref.resource, namespace, name });
    const o = this.objects.get(`${ref.resource}/${namespace ?? ''}/${name}`);
    if (!o) throw newNotFound({ group: ref.group, resource: ref.resource }, name);
    return o as T;
  }

  async create<T extends KObject = KObject>(ref: ResourceRef, obj: KObject): Promise<T> {
    this.fail('create', ref.resource);
    const out = structuredClone(obj);
    out.metadata.name ??= `${obj.metadata.generateName ?? ''}${String(++this.seq).padStart(5, 'x')}`;
    out.metadata.resourceVersion = String(++this.rv);
    out.metadata.uid ??= `uid-${out.metadata.name}`;
    this.actions.push({ verb: 'create', resource: ref.resource, namespace: obj.metadata.namespace, name: out.metadata.name, object: obj });
    return out as T;
  }

  async update<T extends KObject = KObject>(ref: ResourceRef, obj: KObject, opts: { subresource?: string } = {}): Promise<T> {
    this.fail('update', ref.resource);
    this.actions.push({ verb: 'update', resource: ref.resource, ...(opts.subresource ? { subresource: opts.subresource } : {}), namespace: obj.metadata.namespace, name: obj.metadata.name, object: obj });
    return { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } } as T;
  }

  updateStatus<T extends KObject = KObject>(ref: ResourceRef, obj: KObject): Promise<T> {
    return this.update(ref, obj, { subresource: 'status' });
  }

  async patch<T extends KObject = KObject>(ref: ResourceRef, namespace: string | undefined, name: string, _type: string, patch: unknown): Promise<T> {
    this.fail('patch', ref.resource);
    this.actions.push({ verb: 'patch', resource: ref.resource, namespace, name, patch });
    return { metadata: { name, namespace, resourceVersion: String(++this.rv) } } as T;
  }

  async delete(ref: ResourceRef, namespace: string | undefined, name: string): Promise<KObject> {
    this.fail('delete', ref.resource);
    this.actions.push({ verb: 'delete', resource: ref.resource, namespace, name });
    return { metadata: { name } };
  }

  /** The actions without reads, as `verb resource[/sub] name` lines: easy to compare exactly. */
  summary(): string[] {
    return this.actions.filter((a) => a.verb !== 'get').map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.name ?? ''}`);
  }
}

export class FakeRecorder {
  readonly events: { object: InvolvedObject; type: string; reason: string; message: string }[] = [];
  event(object: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ object, type, reason, message });
  }
}
