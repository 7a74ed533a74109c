/**
 * Records Events the way Kubernetes components do: one Event per (object, reason, message),
 * counted and re-stamped when it repeats instead of written again.
 */
import { isNotFound } from '../api/machinery/errors.js';
import type { KObject } from '../api/machinery/object.js';
import type { KubeClient } from './rest-client.js';
import { Refs } from './resources.js';

export interface EventSource {
  component: string;
  host?: string;
}

export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export function involvedObjectOf(obj: KObject, fieldPath?: string): InvolvedObject {
  return {
    apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name,
    uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, ...(fieldPath ? { fieldPath } : {}),
  };
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  /** Writes go out one at a time so counts never race each other. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly client: KubeClient, private readonly source: EventSource) {}

  event(object: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const key = `${object.uid ?? object.name}/${type}/${reason}/${message}`;
    this.chain = this.chain.then(() => this.write(key, object, type, reason, message, now)).catch(() => undefined);
  }

  /** Resolves once every event recorded so far has been written (or has failed). */
  flush(): Promise<void> {
    return this.chain;
  }

  private async write(key: string, object: InvolvedObject, type: string, reason: string, message: string, now: string): Promise<void> {
    const namespace = object.namespace || 'default';
    const prev = this.seen.get(key);
    if (prev) {
      try {
        prev.count++;
        await this.client.patch(Refs.events, prev.namespace, prev.name, 'merge', { count: prev.count, lastTimestamp: now });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.seen.delete(key);
      }
    }
    const name = `${object.name ?? 'unknown'}.${Date.now().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
    await this.client.create(Refs.events, {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name, namespace },
      involvedObject: object, reason, message, type,
      source: { component: this.source.component, ...(this.source.host ? { host: this.source.host } : {}) },
      firstTimestamp: now, lastTimestamp: now, count: 1,
      reportingComponent: this.source.component, reportingInstance: this.source.host ?? '',
    });
    this.seen.set(key, { name, namespace, count: 1, firstTimestamp: now });
    if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value as string);
  }
}
