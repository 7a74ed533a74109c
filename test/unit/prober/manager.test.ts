// ProbeWorker and ProbeManager semantics in virtual time: thresholds, delays, startup gating, hold, cleanup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../src/agent/prober/fake-clock.js';
import { ProbeManager } from '../../../src/agent/prober/prober-manager.js';
import { ResultsManager, type ResultUpdate } from '../../../src/agent/prober/results-manager.js';
import type { ProbeEvent, ProbeResult, RunnerOutcome } from '../../../src/agent/prober/types.js';

const UID = 'uid-1';

/** Probes are exec probes whose first word names the verdict to script (`live`, `ready`, `start`). */
function probe(name: string, extra: Partial<Probe> = {}): Probe {
  return { exec: { command: [name] }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3, ...extra };
}

function pod(container: Partial<Container>, uid = UID): Pod {
  return { metadata: { uid, name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'img', ...container }] } };
}

interface Harness {
  clock: FakeClock;
  mgr: ProbeManager;
  events: ProbeEvent[];
  updates: ResultUpdate[];
  /** Runs per probe name, with the container id probed. */
  calls: { name: string; id: string }[];
  verdict: Map<string, RunnerOutcome | ((signal: AbortSignal) => Promise<RunnerOutcome>)>;
  count(name: string): number;
}

function harness(random = 0): Harness {
  const clock = new FakeClock();
  const events: ProbeEvent[] = [];
  const updates: ResultUpdate[] = [];
  const calls: Harness['calls'] = [];
  const verdict: Harness['verdict'] = new Map();
  const mgr = new ProbeManager({
    execSync: () => Promise.reject(new Error('the scripted runner replaces exec')),
    clock,
    random: () => random,
    recordEvent: (e) => events.push(e),
    runner: async (p, target, signal) => {
      const name = p.exec?.command?.[0] ?? '?';
      calls.push({ name, id: target.containerId });
      const v = verdict.get(name) ?? { result: 'success', output: '' };
      return typeof v === 'function' ? v(signal) : v;
    },
  });
  mgr.onChange((u) => updates.push(u));
  return { clock, mgr, events, updates, calls, verdict, count: (name) => calls.filter((c) => c.name === name).length };
}

function fail(output: string): RunnerOutcome {
  return { result: 'failure', output };
}

test('results manager: set announces changes only, including a new container id', () => {
  const rm = new ResultsManager();
  const seen: ResultUpdate[] = [];
  const off = rm.onUpdate((u) => seen.push(u));
  const key = { podUid: 'u', containerName: 'c', probeType: 'readiness' as const };
  assert.equal(rm.set(key, { containerId: 'a', result: 'failure', output: '' }), true);
  assert.equal(rm.set(key, { containerId: 'a', result: 'failure', output: 'again' }), false);
  assert.equal(rm.get(key)?.output, 'again');
  assert.equal(rm.set(key, { containerId: 'a', result: 'success', output: '' }), true);
  assert.equal(rm.set(key, { containerId: 'b', result: 'success', output: '' }), true);
  assert.deepEqual(seen.map((u) => [u.containerId, u.result]), [['a', 'failure'], ['a', 'success'], ['b', 'success']]);
  off();
  rm.set(key, { containerId: 'b', result: 'failure', output: '' });
  assert.equal(seen.length, 3);
  rm.remove(key);
  assert.equal(rm.get(key), undefined);
});

test('initial verdicts: readiness failure, liveness success, startup unknown', async () => {
  const h = harness();
  h.mgr.addPod(pod({ readinessProbe: probe('ready', { initialDelaySeconds: 60 }), livenessProbe: probe('live', { initialDelaySeconds: 60 }), startupProbe: probe('start', { initialDelaySeconds: 60 }) }));
  assert.equal(h.mgr.workerCount(), 3);
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), podIP: '10.0.0.5', running: true });
  await h.clock.advance(0);
  const get = (probeType: 'readiness' | 'liveness' | 'startup'): ProbeResult | undefined => h.mgr.results.get({ podUid: UID, containerName: 'c', probeType })?.result;
  assert.equal(get('readiness'), 'failure');
  assert.equal(get('liveness'), 'success');
  assert.equal(get('startup'), 'unknown');
  assert.equal(h.calls.length, 0, 'nothing probed inside the initial delay');
  assert.equal(h.mgr.isStarted(UID, 'c', 'id1'), false);
  assert.equal(h.mgr.isReady(UID, 'c', 'id1'), false);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), undefined);
  await h.mgr.stop();
});

test('a container without probes is started and ready at once', async () => {
  const h = harness();
  h.mgr.addPod(pod({}));
  assert.equal(h.mgr.workerCount(), 0);
  assert.equal(h.mgr.isStarted(UID, 'c', 'id1'), true);
  assert.equal(h.mgr.isReady(UID, 'c', 'id1'), true);
  await h.mgr.stop();
});

test('liveness: failureThreshold 3 needs three failures in a row; each failure records an event', async () => {
  const h = harness();
  h.verdict.set('live', fail('HTTP probe failed with statuscode: 500'));
  h.mgr.addPod(pod({ livenessProbe: probe('live') }));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), podIP: '10.0.0.5', running: true });
  await h.clock.advance(0);
  assert.equal(h.count('live'), 1);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), undefined);
  await h.clock.advance(10_000);
  assert.equal(h.count('live'), 2);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), undefined);
  await h.clock.advance(10_000);
  assert.equal(h.count('live'), 3);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), 'Liveness probe failed: HTTP probe failed with statuscode: 500');
  assert.equal(h.events.length, 3);
  assert.deepEqual(h.events[0], {
    type: 'Warning', reason: 'Unhealthy', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500',
    podUid: UID, namespace: 'default', podName: 'web', containerName: 'c', fieldPath: 'spec.containers{c}',
  });
  await h.mgr.stop();
});

test('liveness: a success in between resets the failure run', async () => {
  const h = harness();
  h.mgr.addPod(pod({ livenessProbe: probe('live', { failureThreshold: 2 }) }));
  h.verdict.set('live', fail('no'));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  h.verdict.set('live', { result: 'success', output: '' });
  await h.clock.advance(10_000);
  h.verdict.set('live', fail('no'));
  await h.clock.advance(10_000);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), undefined, 'failure, success, failure is not two in a row');
  await h.clock.advance(10_000);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), 'Liveness probe failed: no');
  await h.mgr.stop();
});

test('liveness: after failing, the worker holds until the container id changes', async () => {
  const h = harness();
  h.verdict.set('live', fail('dead'));
  h.mgr.addPod(pod({ livenessProbe: probe('live', { failureThreshold: 1 }) }));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), 'Liveness probe failed: dead');
  await h.clock.advance(60_000);
  assert.equal(h.count('live'), 1, 'no probe of the instance being killed');
  // Same instance reported again: still on hold.
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(20_000);
  assert.equal(h.count('live'), 1);
  h.verdict.set('live', { result: 'success', output: '' });
  h.mgr.updateContainer(UID, 'c', { id: 'id2', startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  assert.equal(h.count('live'), 2);
  assert.deepEqual(h.calls.at(-1), { name: 'live', id: 'id2' });
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id2'), undefined);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), undefined, 'verdicts are per instance');
  await h.mgr.stop();
});

test('readiness: successThreshold 2 needs two successes; failures flip it back; changes are announced once', async () => {
  const h = harness();
  h.mgr.addPod(pod({ readinessProbe: probe('ready', { successThreshold: 2, failureThreshold: 1 }) }));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  assert.equal(h.count('ready'), 1);
  assert.equal(h.mgr.results.get({ podUid: UID, containerName: 'c', probeType: 'readiness' })?.result, 'failure');
  await h.clock.advance(10_000);
  assert.equal(h.count('ready'), 2);
  assert.equal(h.mgr.isReady(UID, 'c', 'id1'), true);
  await h.clock.advance(20_000);
  assert.equal(h.mgr.isReady(UID, 'c', 'id1'), true);
  h.verdict.set('ready', fail('not yet'));
  await h.clock.advance(10_000);
  assert.equal(h.mgr.isReady(UID, 'c', 'id1'), false);
  const readiness = h.updates.filter((u) => u.probeType === 'readiness').map((u) => u.result);
  assert.deepEqual(readiness, ['failure', 'success', 'failure']);
  // Readiness failures do not hold the worker.
  const before = h.count('ready');
  await h.clock.advance(10_000);
  assert.ok(h.count('ready') > before);
  await h.mgr.stop();
});

test('isReady reads the verdict without adding probe runs (each failed run is an event)', async () => {
  const h = harness();
  h.mgr.addPod(pod({ readinessProbe: probe('ready', { periodSeconds: 300 }) }));
  h.verdict.set('ready', fail('warming up'));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  assert.equal(h.count('ready'), 1);
  h.verdict.set('ready', { result: 'success', output: '' });
  assert.equal(h.mgr.isReady(UID, 'c', 'id1'), false);
  await h.clock.advance(0);
  assert.equal(h.count('ready'), 1, 'no extra run');
  await h.clock.advance(300_000);
  assert.equal(h.count('ready'), 2);
  assert.equal(h.mgr.isReady(UID, 'c', 'id1'), true);
  await h.mgr.stop();
});

test('initialDelaySeconds counts from the container start time', async () => {
  const h = harness();
  h.mgr.addPod(pod({ livenessProbe: probe('live', { initialDelaySeconds: 15, periodSeconds: 5 }) }));
  // Started 4 s before the agent saw it.
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: new Date(h.clock.now() - 4_000), running: true });
  await h.clock.advance(0);
  await h.clock.advance(10_000);
  assert.equal(h.count('live'), 0, '14 s after start: still in the delay');
  await h.clock.advance(5_000);
  assert.equal(h.count('live'), 1, 'probed at 19 s');
  await h.mgr.stop();
});

test('startup gating: readiness and liveness wait for the startup probe; startup stops once passed', async () => {
  const h = harness();
  h.verdict.set('start', fail('not started'));
  h.mgr.addPod(pod({ startupProbe: probe('start', { failureThreshold: 30 }), readinessProbe: probe('ready'), livenessProbe: probe('live') }));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  await h.clock.advance(30_000);
  assert.equal(h.count('start'), 4);
  assert.equal(h.count('ready'), 0);
  assert.equal(h.count('live'), 0);
  assert.equal(h.mgr.isStarted(UID, 'c', 'id1'), false);
  assert.equal(h.mgr.isReady(UID, 'c', 'id1'), false);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), undefined, 'below the startup failure threshold');
  h.verdict.set('start', { result: 'success', output: '' });
  await h.clock.advance(10_000);
  assert.equal(h.mgr.isStarted(UID, 'c', 'id1'), true);
  await h.clock.advance(10_000);
  assert.ok(h.count('ready') >= 1);
  assert.ok(h.count('live') >= 1);
  assert.equal(h.mgr.isReady(UID, 'c', 'id1'), true);
  const startRuns = h.count('start');
  await h.clock.advance(30_000);
  assert.equal(h.count('start'), startRuns, 'startup is not probed after it passed');
  assert.ok(h.updates.some((u) => u.probeType === 'startup' && u.result === 'success'));
  await h.mgr.stop();
});

test('startup failure past its threshold marks the container unhealthy and holds', async () => {
  const h = harness();
  h.verdict.set('start', fail('connection refused'));
  h.mgr.addPod(pod({ startupProbe: probe('start', { failureThreshold: 2, periodSeconds: 5 }), livenessProbe: probe('live') }));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  await h.clock.advance(5_000);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), 'Startup probe failed: connection refused');
  await h.clock.advance(30_000);
  assert.equal(h.count('start'), 2);
  assert.equal(h.count('live'), 0);
  await h.mgr.stop();
});

test('a run with no verdict is reported but not counted', async () => {
  const h = harness();
  h.mgr.addPod(pod({ livenessProbe: probe('live', { failureThreshold: 2 }) }));
  h.verdict.set('live', fail('bad'));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  h.verdict.set('live', { result: 'unknown', output: 'No such container' });
  await h.clock.advance(10_000);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), undefined);
  assert.equal(h.events.at(-1)?.message, 'Liveness probe errored and resulted in unknown state: No such container');
  h.verdict.set('live', fail('bad'));
  await h.clock.advance(10_000);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), 'Liveness probe failed: bad', 'the two failures around it count as consecutive');
  await h.mgr.stop();
});

test('a warning success records a ProbeWarning event', async () => {
  const h = harness();
  h.verdict.set('ready', { result: 'success', output: 'Probe terminated redirects, Response body: ', warning: true });
  h.mgr.addPod(pod({ readinessProbe: probe('ready') }));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  assert.equal(h.mgr.isReady(UID, 'c', 'id1'), true);
  assert.deepEqual(h.events.map((e) => [e.reason, e.message]), [['ProbeWarning', 'Readiness probe warning: Probe terminated redirects, Response body: ']]);
  await h.mgr.stop();
});

test('a container that is not running is not ready and not probed', async () => {
  const h = harness();
  h.mgr.addPod(pod({ readinessProbe: probe('ready') }));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  assert.equal(h.mgr.isReady(UID, 'c', 'id1'), true);
  h.mgr.updateContainer(UID, 'c', { id: 'id1', running: false });
  await h.clock.advance(0);
  assert.equal(h.mgr.isReady(UID, 'c', 'id1'), false);
  const n = h.count('ready');
  await h.clock.advance(30_000);
  assert.equal(h.count('ready'), n);
  await h.mgr.stop();
});

test('timeoutSeconds aborts a probe that does not answer', async () => {
  const h = harness();
  let aborted = 0;
  h.verdict.set('live', (signal) => new Promise<RunnerOutcome>((resolve) => {
    signal.addEventListener('abort', () => {
      aborted++;
      resolve(fail('timed out'));
    });
  }));
  h.mgr.addPod(pod({ livenessProbe: probe('live', { timeoutSeconds: 2, failureThreshold: 1 }) }));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(1_000);
  assert.equal(aborted, 0);
  await h.clock.advance(1_000);
  assert.equal(aborted, 1);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), 'Liveness probe failed: timed out');
  await h.mgr.stop();
});

test('the first probe is delayed by a random share of the period', async () => {
  const h = harness(0.5);
  h.mgr.addPod(pod({ livenessProbe: probe('live') }));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(4_999);
  assert.equal(h.count('live'), 0, 'a trigger does not cut the jitter short');
  await h.clock.advance(1);
  assert.equal(h.count('live'), 1);
  await h.clock.advance(10_000);
  assert.equal(h.count('live'), 2);
  await h.mgr.stop();
});

test('removePod and cleanupPods stop workers and drop verdicts; stop is idempotent', async () => {
  const h = harness();
  h.mgr.addPod(pod({ readinessProbe: probe('ready'), livenessProbe: probe('live') }, 'a'));
  h.mgr.addPod(pod({ readinessProbe: probe('ready') }, 'b'));
  h.mgr.addPod(pod({ readinessProbe: probe('ready') }, 'b'));
  assert.equal(h.mgr.workerCount(), 3, 'adding a pod twice keeps its workers');
  for (const uid of ['a', 'b']) h.mgr.updateContainer(uid, 'c', { id: `${uid}-1`, startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  assert.equal(h.mgr.isReady('b', 'c', 'b-1'), true);
  h.mgr.cleanupPods(['a']);
  assert.equal(h.mgr.workerCount(), 2);
  assert.equal(h.mgr.results.get({ podUid: 'b', containerName: 'c', probeType: 'readiness' }), undefined);
  const afterCleanup = h.calls.filter((c) => c.id === 'b-1').length;
  await h.clock.advance(30_000);
  assert.equal(h.calls.filter((c) => c.id === 'b-1').length, afterCleanup, 'pod b is no longer probed');
  assert.ok(h.calls.filter((c) => c.id === 'a-1').length > 2, 'pod a still is');
  h.mgr.removePod('a');
  h.mgr.removePod('a');
  assert.equal(h.mgr.workerCount(), 0);
  assert.equal(h.mgr.results.size(), 0);
  const total = h.calls.length;
  await h.clock.advance(30_000);
  assert.equal(h.calls.length, total);
  assert.equal(h.clock.pending(), 0, 'no worker left sleeping');
  await h.mgr.stop();
  await h.mgr.stop();
});

test('stopLivenessAndStartup leaves readiness running', async () => {
  const h = harness();
  h.verdict.set('live', fail('x'));
  h.mgr.addPod(pod({ readinessProbe: probe('ready'), livenessProbe: probe('live', { failureThreshold: 1 }) }));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  assert.ok(h.mgr.unhealthyReason(UID, 'c', 'id1'));
  h.mgr.stopLivenessAndStartup(UID);
  assert.equal(h.mgr.unhealthyReason(UID, 'c', 'id1'), undefined, 'a terminating pod is not killed as unhealthy');
  assert.equal(h.mgr.workerCount(), 1);
  await h.mgr.stop();
});

test('onChange listeners can unsubscribe', async () => {
  const h = harness();
  const mine: ResultUpdate[] = [];
  const off = h.mgr.onChange((u) => mine.push(u));
  h.mgr.addPod(pod({ readinessProbe: probe('ready') }));
  h.mgr.updateContainer(UID, 'c', { id: 'id1', startedAt: h.clock.now(), running: true });
  await h.clock.advance(0);
  assert.deepEqual(mine.map((u) => u.result), ['failure', 'success']);
  off();
  h.verdict.set('ready', fail('x'));
  await h.clock.advance(30_000);
  assert.equal(mine.length, 2);
  assert.ok(h.updates.length > 2);
  await h.mgr.stop();
});
