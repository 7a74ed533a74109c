/** The event TTL plan: Events last seen more than the TTL ago are deleted, repeats keep them alive. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_EVENT_TTL_MS, expiredEvents, lastSeenMs } from '../../../src/controllers/eventttl/plan.js';

const now = Date.parse('2026-11-22T12:00:00Z');
const at = (minutesAgo: number): string => new Date(now - minutesAgo * 60_000).toISOString();

describe('event TTL plan', () => {
  it('is one hour by default', () => {
    assert.equal(DEFAULT_EVENT_TTL_MS, 3_600_000);
  });

  it('deletes events last seen more than the TTL ago and keeps the rest', () => {
    const events = [
      { metadata: { namespace: 'a', name: 'old', resourceVersion: '5', creationTimestamp: at(120) }, firstTimestamp: at(120), lastTimestamp: at(61) },
      { metadata: { namespace: 'a', name: 'fresh', creationTimestamp: at(120) }, firstTimestamp: at(120), lastTimestamp: at(59) },
      { metadata: { namespace: 'b', name: 'exactly', creationTimestamp: at(60) } },
    ];
    assert.deepEqual(expiredEvents(events, now), [{ namespace: 'a', name: 'old', resourceVersion: '5' }]);
  });

  it('counts a recent series observation as seen, even with an old lastTimestamp', () => {
    const e = { metadata: { name: 'x', creationTimestamp: at(300) }, lastTimestamp: at(300), series: { lastObservedTime: at(5) } };
    assert.equal(lastSeenMs(e), now - 5 * 60_000);
    assert.deepEqual(expiredEvents([e], now), []);
  });

  it('uses eventTime for new-style events and honours a shorter TTL', () => {
    const e = { metadata: { namespace: 'n', name: 'y' }, eventTime: at(3) };
    assert.deepEqual(expiredEvents([e], now, 2 * 60_000), [{ namespace: 'n', name: 'y', resourceVersion: undefined }]);
  });

  it('skips events with no time at all rather than guessing', () => {
    assert.deepEqual(expiredEvents([{ metadata: { name: 'z' } }], now), []);
  });
});
