// Work queue semantics: dedupe, no concurrent processing of a key, requeue when dirty, backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../../src/client/workqueue.js';

test('a key queued twice is processed once', async () => {
  const q = new WorkQueue('t');
  q.add('a');
  q.add('a');
  q.add('b');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
});

test('a key added while processing comes back after done', async () => {
  const q = new WorkQueue('t');
  q.add('a');
  const k = await q.get();
  q.add('a');
  assert.equal(q.length, 0, 'not handed out while processing');
  q.done(k ?? '');
  assert.equal(await q.get(), 'a');
});

test('rate-limited requeues back off per item and forget resets', async () => {
  const q = new WorkQueue('t', 10, 1000);
  // The queue's timers do not hold the process open; this one does, for the test's duration.
  const keepAlive = setTimeout(() => undefined, 5000);
  q.addRateLimited('x');
  q.addRateLimited('x');
  assert.equal(q.numRequeues('x'), 2);
  const started = Date.now();
  assert.equal(await q.get(), 'x');
  assert.ok(Date.now() - started < 1000);
  q.forget('x');
  assert.equal(q.numRequeues('x'), 0);
  q.shutDown();
  assert.equal(await q.get(), undefined);
  clearTimeout(keepAlive);
});
