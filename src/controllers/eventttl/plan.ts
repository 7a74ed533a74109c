/** Which Events have outlived the event TTL (Kubernetes' --event-ttl, one hour by default). */

export const DEFAULT_EVENT_TTL_MS = 60 * 60_000;

export interface EventLike {
  metadata: { name?: string; namespace?: string; creationTimestamp?: string; resourceVersion?: string };
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
  series?: { lastObservedTime?: string | null } | null;
  deprecatedLastTimestamp?: string | null;
}

export interface ExpiredEvent {
  namespace: string;
  name: string;
  resourceVersion?: string;
}

/** The last time an Event was seen: a repeat keeps it alive, as a repeat renews the etcd lease in Kubernetes. */
export function lastSeenMs(e: EventLike): number | undefined {
  const times = [e.series?.lastObservedTime, e.lastTimestamp, e.deprecatedLastTimestamp, e.eventTime, e.firstTimestamp, e.metadata.creationTimestamp]
    .map((t) => (t ? Date.parse(t) : NaN))
    .filter((t) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : undefined;
}

export function expiredEvents(events: readonly EventLike[], nowMs: number, ttlMs = DEFAULT_EVENT_TTL_MS): ExpiredEvent[] {
  const out: ExpiredEvent[] = [];
  for (const e of events) {
    const seen = lastSeenMs(e);
    if (seen === undefined || nowMs - seen <= ttlMs) continue;
    out.push({ namespace: e.metadata.namespace ?? 'default', name: e.metadata.name ?? '', resourceVersion: e.metadata.resourceVersion });
  }
  return out;
}
