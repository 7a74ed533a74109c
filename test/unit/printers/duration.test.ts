/** humanDuration follows apimachinery's HumanDuration thresholds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, translateTimestampSince } from '../../../src/api/printers/duration.js';
import { DAY, HOUR, MIN, NOW, SEC, ago } from './fixtures.js';

test('humanDuration matches the Kubernetes thresholds', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [-500, '0s'],
    [-1999, '0s'],
    [-2 * SEC, '<invalid>'],
    [5 * SEC, '5s'],
    [119 * SEC + 999, '119s'],
    [2 * MIN, '2m'],
    [3 * MIN + 20 * SEC, '3m20s'],
    [9 * MIN + 59 * SEC, '9m59s'],
    [10 * MIN + 30 * SEC, '10m'],
    [179 * MIN, '179m'],
    [3 * HOUR, '3h'],
    [4 * HOUR + 5 * MIN, '4h5m'],
    [8 * HOUR + 5 * MIN, '8h'],
    [47 * HOUR + 59 * MIN, '47h'],
    [48 * HOUR, '2d'],
    [2 * DAY + 3 * HOUR, '2d3h'],
    [7 * DAY + 23 * HOUR, '7d23h'],
    [8 * DAY + 5 * HOUR, '8d'],
    [45 * DAY, '45d'],
    [729 * DAY, '729d'],
    [730 * DAY, '2y'],
    [740 * DAY, '2y10d'],
    [8 * 365 * DAY + 40 * DAY, '8y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `humanDuration(${ms})`);
});

test('translateTimestampSince is <unknown> for a missing or unreadable timestamp', () => {
  assert.equal(translateTimestampSince(undefined, NOW), '<unknown>');
  assert.equal(translateTimestampSince('not a time', NOW), '<unknown>');
  assert.equal(translateTimestampSince(ago(5 * MIN), NOW), '5m');
});
