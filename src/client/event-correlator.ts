/**
 * Decides whether an Event is new or a repeat, as client-go's EventCorrelator does: identical
 * events within the window update one Event (count, series), and a burst of similar events that
 * differ only in their message is folded into one "(combined from similar events)" Event.
 */
import type { EventSource, InvolvedObject } from './events.js';

export interface EventInput {
  involvedObject: InvolvedObject;
  type: string;
  reason: string;
  message: string;
  source: EventSource;
}

export interface CorrelatorOptions {
  /** Distinct messages for one object and reason before they are combined (client-go: 10). */
  maxSimilar?: number;
  /** Repeats further apart than this start a new Event (client-go: 10 minutes). */
  windowMs?: number;
  /** Remembered keys; the oldest is forgotten first. */
  maxEntries?: number;
}

/** What to write: a new Event, or an update of the one recorded earlier under the same key. */
export type Correlation =
  | { action: 'create'; key: string; message: string }
  | { action: 'update'; key: string; message: string; name: string; namespace: string; count: number; firstTimestamp: string };

interface Observed {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastMs: number;
}

interface Similar {
  messages: Set<string>;
  lastMs: number;
}

export const COMBINED_PREFIX = '(combined from similar events): ';

function objectKey(o: InvolvedObject): string {
  return [o.apiVersion, o.kind, o.namespace, o.name, o.uid, o.fieldPath].map((p) => p ?? '').join('/');
}

export class EventCorrelator {
  private readonly observed = new Map<string, Observed>();
  private readonly similar = new Map<string, Similar>();
  private readonly maxSimilar: number;
  private readonly windowMs: number;
  private readonly maxEntries: number;

  constructor(opts: CorrelatorOptions = {}) {
    this.maxSimilar = opts.maxSimilar ?? 10;
    this.windowMs = opts.windowMs ?? 10 * 60_000;
    this.maxEntries = opts.maxEntries ?? 4096;
  }

  correlate(ev: EventInput, nowMs: number): Correlation {
    const aggregateKey = [ev.source.component, ev.source.host ?? '', objectKey(ev.involvedObject), ev.type, ev.reason].join('|');
    let group = this.similar.get(aggregateKey);
    if (!group || nowMs - group.lastMs > this.windowMs) group = { messages: new Set(), lastMs: nowMs };
    group.messages.add(ev.message);
    group.lastMs = nowMs;
    this.remember(this.similar, aggregateKey, group);
    const combined = group.messages.size > this.maxSimilar;
    const key = combined ? aggregateKey : `${aggregateKey}|${ev.message}`;
    const message = combined ? COMBINED_PREFIX + ev.message : ev.message;
    const prev = this.observed.get(key);
    if (!prev || nowMs - prev.lastMs > this.windowMs) return { action: 'create', key, message };
    return { action: 'update', key, message, name: prev.name, namespace: prev.namespace, count: prev.count + 1, firstTimestamp: prev.firstTimestamp };
  }

  /** Called once the Event is written, so a failed write is not counted. */
  recorded(key: string, e: { name: string; namespace: string; count: number; firstTimestamp: string }, nowMs: number): void {
    this.remember(this.observed, key, { ...e, lastMs: nowMs });
  }

  /** The Event is gone (expired or deleted): the next repeat creates a new one. */
  forget(key: string): void {
    this.observed.delete(key);
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > this.maxEntries) map.delete(map.keys().next().value as string);
  }
}
