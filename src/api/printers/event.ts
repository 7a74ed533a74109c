/** Event printers for core/v1 Event and events.k8s.io/v1 Event, which Kubernetes prints with the same columns. */
import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import type { Event as EventsEvent } from 'kubernetes-types/events/v1.js';
import { parseTimestamp, translateTimestampSince } from './duration.js';
import { column, nameColumn, printerOf, type TableColumnDefinition } from './table.js';

/** Event tables lead with LAST SEEN; the name, rarely useful for events, is only a wide column at the end. */
const EVENT_COLUMNS: TableColumnDefinition[] = [
  column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  column('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
  column('Object', 'string', 'The object that this event is about.'),
  column('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', 1),
  column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  column('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
  column('Count', 'string', 'The number of times this event has occurred.', 1),
  nameColumn(1),
];

function sourceCell(component: string, instance: string): string {
  return instance ? `${component}, ${instance}` : component;
}

function coreEventCells(event: CoreEvent, now: Date): unknown[] {
  // New-style events carry eventTime and series instead of first/last timestamps and count.
  const firstSeen =
    parseTimestamp(event.firstTimestamp) !== undefined
      ? translateTimestampSince(event.firstTimestamp, now)
      : translateTimestampSince(event.eventTime, now);
  let lastSeen =
    parseTimestamp(event.lastTimestamp) !== undefined ? translateTimestampSince(event.lastTimestamp, now) : firstSeen;
  let count = event.count ?? 0;
  if (event.series) {
    lastSeen = translateTimestampSince(event.series.lastObservedTime, now);
    count = event.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const involved = event.involvedObject;
  const kind = (involved?.kind ?? '').toLowerCase();
  const target = involved?.name ? `${kind}/${involved.name}` : kind;
  return [
    lastSeen,
    event.type ?? '',
    event.reason ?? '',
    target,
    involved?.fieldPath ?? '',
    sourceCell(event.source?.component || event.reportingComponent || '', event.source?.host || event.reportingInstance || ''),
    (event.message ?? '').trim(),
    firstSeen,
    count,
    event.metadata?.name ?? '',
  ];
}

/** Maps an events.k8s.io/v1 Event onto the core/v1 field names, as the API server's conversion does. */
export function toCoreEvent(event: EventsEvent): CoreEvent {
  return {
    metadata: event.metadata ?? {},
    involvedObject: event.regarding ?? {},
    reason: event.reason,
    message: event.note,
    type: event.type,
    source: event.deprecatedSource,
    firstTimestamp: event.deprecatedFirstTimestamp,
    lastTimestamp: event.deprecatedLastTimestamp,
    count: event.deprecatedCount,
    eventTime: event.eventTime,
    series: event.series ? { count: event.series.count, lastObservedTime: event.series.lastObservedTime } : undefined,
    reportingComponent: event.reportingController,
    reportingInstance: event.reportingInstance,
    action: event.action,
    related: event.related,
  };
}

export const coreEventPrinter = printerOf<CoreEvent>(EVENT_COLUMNS, coreEventCells);

export const eventsEventPrinter = printerOf<EventsEvent>(EVENT_COLUMNS, (event, now) => coreEventCells(toCoreEvent(event), now));
