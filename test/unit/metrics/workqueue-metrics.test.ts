// Work-queue metrics: adds, retries, depth and latencies per queue name, and reconcile outcomes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { WorkQueue } from '../../../src/client/workqueue.js';
import { PrometheusQueueMetrics } from '../../../src/metrics/workqueue-metrics.js';
import { assertPromtoolClean, sample } from './promtool.js';

test('a queue reports adds, depth, latencies, retries and reconciles under its name', async () => {
  const registry = new Registry();
  const provider = new PrometheusQueueMetrics(registry);
  const q = new WorkQueue('replicaset', 1, 10);
  q.instrument(provider);
  const idle = new WorkQueue('deployment');
  idle.instrument(provider);
  q.add('a');
  q.add('a'); // still queued: not a second add
  q.add('b');
  let text = await registry.metrics();
  assert.equal(sample(text, 'workqueue_adds_total', { name: 'replicaset' }), 2);
  assert.equal(sample(text, 'workqueue_depth', { name: 'replicaset' }), 2);
  assert.equal(sample(text, 'workqueue_depth', { name: 'deployment' }), 0);
  assert.equal(sample(text, 'workqueue_retries_total', { name: 'deployment' }), 0);

  await q.processNextWorkItem(async () => undefined);
  await q.processNextWorkItem(async () => {
    throw new Error('conflict');
  });
  text = await registry.metrics();
  assert.equal(sample(text, 'workqueue_depth', { name: 'replicaset' }), 0);
  assert.equal(sample(text, 'workqueue_retries_total', { name: 'replicaset' }), 1);
  assert.equal(sample(text, 'workqueue_queue_duration_seconds_count', { name: 'replicaset' }), 2);
  assert.equal(sample(text, 'workqueue_work_duration_seconds_count', { name: 'replicaset' }), 2);
  assert.equal(sample(text, 'controller_runtime_reconcile_total', { controller: 'replicaset', result: 'success' }), 1);
  assert.equal(sample(text, 'controller_runtime_reconcile_total', { controller: 'replicaset', result: 'error' }), 1);
  assert.equal(sample(text, 'controller_runtime_reconcile_errors_total', { controller: 'replicaset' }), 1);
  assertPromtoolClean(text, 'work-queue metrics');
  q.shutDown();
  idle.shutDown();
});

test('a key added while processed is counted once and waits until done', async () => {
  const registry = new Registry();
  const q = new WorkQueue('ns');
  q.instrument(new PrometheusQueueMetrics(registry));
  q.add('k');
  const key = await q.get();
  q.add('k');
  assert.equal(q.length, 0, 'not queued while processing');
  q.done(key ?? '');
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'k');
  q.done('k');
  const text = await registry.metrics();
  assert.equal(sample(text, 'workqueue_adds_total', { name: 'ns' }), 2);
  assert.equal(sample(text, 'workqueue_work_duration_seconds_count', { name: 'ns' }), 2);
  q.shutDown();
});
