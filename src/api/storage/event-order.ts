// Binary search over an event log kept in revision order, for watch replay and compaction.
import type { WatchEvent } from './backend.js';

/** Index of the first event whose revision is above `revision`; events must be in revision order. */
export function firstAbove(events: readonly WatchEvent[], revision: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.kv.modRevision <= revision) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
