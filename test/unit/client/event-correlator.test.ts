/** Event correlation: repeats update one Event within the window; similar bursts are combined. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COMBINED_PREFIX, EventCorrelator, type EventInput } from '../../../src/client/event-correlator.js';

const pod = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web', uid: 'u1' };
const ev = (message: string, over: Partial<EventInput> = {}): EventInput => ({
  involvedObject: pod, type: 'Warning', reason: 'BackOff', message, source: { component: 'kubelet', host: 'n1' }, ...over,
});

describe('EventCorrelator', () => {
  it('creates the first event and updates it on each repeat, counting', () => {
    const c = new EventCorrelator();
    const first = c.correlate(ev('Back-off restarting failed container'), 1000);
    assert.equal(first.action, 'create');
    c.recorded(first.key, { name: 'web.1', namespace: 'default', count: 1, firstTimestamp: 'T1' }, 1000);
    for (let i = 2; i <= 4; i++) {
      const r = c.correlate(ev('Back-off restarting failed container'), 1000 * i);
      assert.equal(r.action, 'update');
      assert.ok(r.action === 'update');
      assert.equal(r.name, 'web.1');
      assert.equal(r.count, i);
      assert.equal(r.firstTimestamp, 'T1');
      c.recorded(r.key, { name: r.name, namespace: r.namespace, count: r.count, firstTimestamp: r.firstTimestamp }, 1000 * i);
    }
  });

  it('does not count a write that failed', () => {
    const c = new EventCorrelator();
    const first = c.correlate(ev('m'), 0);
    c.recorded(first.key, { name: 'a', namespace: 'default', count: 1, firstTimestamp: 'T' }, 0);
    const r1 = c.correlate(ev('m'), 1);
    const r2 = c.correlate(ev('m'), 2);
    assert.ok(r1.action === 'update' && r2.action === 'update');
    assert.equal(r2.count, 2);
  });

  it('starts a new event when a repeat comes after the 10-minute window', () => {
    const c = new EventCorrelator();
    const first = c.correlate(ev('m'), 0);
    c.recorded(first.key, { name: 'a', namespace: 'default', count: 1, firstTimestamp: 'T' }, 0);
    assert.equal(c.correlate(ev('m'), 9 * 60_000).action, 'update');
    assert.equal(c.correlate(ev('m'), 10 * 60_000 + 1).action, 'create');
  });

  it('keeps events of other objects, reasons, types and sources apart', () => {
    const c = new EventCorrelator();
    const first = c.correlate(ev('m'), 0);
    c.recorded(first.key, { name: 'a', namespace: 'default', count: 1, firstTimestamp: 'T' }, 0);
    assert.equal(c.correlate(ev('m', { reason: 'Failed' }), 1).action, 'create');
    assert.equal(c.correlate(ev('m', { type: 'Normal' }), 1).action, 'create');
    assert.equal(c.correlate(ev('m', { involvedObject: { ...pod, uid: 'u2' } }), 1).action, 'create');
    assert.equal(c.correlate(ev('m', { source: { component: 'scheduler' } }), 1).action, 'create');
    assert.equal(c.correlate(ev('other message'), 1).action, 'create');
  });

  it('combines more than ten similar events differing only in message into one', () => {
    const c = new EventCorrelator();
    for (let i = 0; i < 10; i++) {
      const r = c.correlate(ev(`probe failed: ${i}`), i);
      assert.equal(r.action, 'create');
      assert.equal(r.message, `probe failed: ${i}`);
      c.recorded(r.key, { name: `e${i}`, namespace: 'default', count: 1, firstTimestamp: 'T' }, i);
    }
    const eleventh = c.correlate(ev('probe failed: 10'), 10);
    assert.equal(eleventh.action, 'create');
    assert.equal(eleventh.message, `${COMBINED_PREFIX}probe failed: 10`);
    c.recorded(eleventh.key, { name: 'combined', namespace: 'default', count: 1, firstTimestamp: 'T' }, 10);
    const twelfth = c.correlate(ev('probe failed: 11'), 11);
    assert.ok(twelfth.action === 'update');
    assert.equal(twelfth.name, 'combined');
    assert.equal(twelfth.count, 2);
    assert.equal(twelfth.message, `${COMBINED_PREFIX}probe failed: 11`);
  });

  it('creates again after the event was forgotten (expired or deleted)', () => {
    const c = new EventCorrelator();
    const first = c.correlate(ev('m'), 0);
    c.recorded(first.key, { name: 'a', namespace: 'default', count: 1, firstTimestamp: 'T' }, 0);
    c.forget(first.key);
    assert.equal(c.correlate(ev('m'), 1).action, 'create');
  });

  it('forgets the oldest keys beyond its capacity', () => {
    const c = new EventCorrelator({ maxEntries: 2 });
    for (const m of ['a', 'b', 'c']) {
      const r = c.correlate(ev(m), 0);
      c.recorded(r.key, { name: m, namespace: 'default', count: 1, firstTimestamp: 'T' }, 0);
    }
    assert.equal(c.correlate(ev('a'), 1).action, 'create');
    assert.equal(c.correlate(ev('c'), 1).action, 'update');
  });
});
