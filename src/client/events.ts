/**
 * Records Events the way Kubernetes components do: one Event per (object, reason, message),
 * counted and re-stamped when it repeats within ten minutes instead of written again.
 */
import { isNotFound } from '../api/machinery/errors.js';
import type { KObject } from '../api/machinery/object.js';
import type { KubeClient } from './rest-client.js';
import { Refs } from './resources.js';
import { EventCorrelator, type CorrelatorOptions, type EventInput } from './event-correlator.js';

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

/** RFC 3339 seconds for first/last timestamps; microseconds for the series' MicroTime. */
function seconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function micro(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export class EventRecorder {
  private readonly correlator: EventCorrelator;
  /** Writes go out one at a time so counts never race each other. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly client: KubeClient, private readonly source: EventSource, opts: CorrelatorOptions & { now?: () => number } = {}) {
    this.correlator = new EventCorrelator(opts);
    this.now = opts.now ?? Date.now;
  }

  private readonly now: () => number;

  event(object: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const at = this.now();
    this.chain = this.chain.then(() => this.write({ involvedObject: object, type, reason, message, source: this.source }, at)).catch(() => undefined);
  }

  /** Resolves once every event recorded so far has been written (or has failed). */
  flush(): Promise<void> {
    return this.chain;
  }

  private async write(ev: EventInput, at: number): Promise<void> {
    const c = this.correlator.correlate(ev, at);
    if (c.action === 'update') {
      try {
        await this.client.patch(Refs.events, c.namespace, c.name, 'merge', {
          count: c.count, lastTimestamp: seconds(at), message: c.message, series: { count: c.count, lastObservedTime: micro(at) },
        });
        this.correlator.recorded(c.key, { name: c.name, namespace: c.namespace, count: c.count, firstTimestamp: c.firstTimestamp }, at);
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.correlator.forget(c.key);
      }
    }
    const object = ev.involvedObject;
    const namespace = object.namespace || 'default';
    const name = `${object.name ?? 'unknown'}.${at.toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
    const now = seconds(at);
    await this.client.create(Refs.events, {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name, namespace },
      involvedObject: object, reason: ev.reason, message: c.message, type: ev.type,
      source: { component: this.source.component, ...(this.source.host ? { host: this.source.host } : {}) },
      firstTimestamp: now, lastTimestamp: now, count: 1,
      reportingComponent: this.source.component, reportingInstance: this.source.host ?? '',
    });
    this.correlator.recorded(c.key, { name, namespace, count: 1, firstTimestamp: now }, at);
  }
}
