// computePodActions and terminalPhase: what the agent does next for a pod, compared with the kubelet's computePodActions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodActions, latestByName, readySandbox, terminalPhase, type PlanContext, type PodActions } from '../../../src/agent/pod-actions.js';
import type { ContainerStatus, SandboxStatus } from '../../../src/runtime/runtime.js';
import { ctr, pod, sandbox, T0 } from './fixtures.js';

function ctx(opts: { backoff?: string[]; unhealthy?: Record<string, string> } = {}): PlanContext {
  return {
    now: T0,
    inBackoff: (name) => (opts.backoff ?? []).includes(name),
    unhealthy: (name) => opts.unhealthy?.[name],
  };
}

function plan(p: ReturnType<typeof pod>, sandboxes: SandboxStatus[], containers: ContainerStatus[], c = ctx()): PodActions {
  return computePodActions(p, { sandboxes, containers }, c);
}

/** The start list reduced to what matters for most assertions. */
function starts(a: PodActions): { name: string; init: boolean; attempt: number }[] {
  return a.start.map(({ name, init, attempt }) => ({ name, init, attempt }));
}

test('a new pod gets a sandbox and only its first init container', () => {
  const a = plan(pod({ initContainers: [{}, {}], containers: [{}, {}] }), [], []);
  assert.equal(a.createSandbox, true);
  assert.equal(a.sandboxAttempt, 0);
  assert.deepEqual(starts(a), [{ name: 'i0', init: true, attempt: 0 }]);
  assert.deepEqual(a.kill, []);
  assert.equal(a.terminal, undefined);
});

test('a new pod without init containers starts every app container with the sandbox', () => {
  const a = plan(pod({ containers: [{}, {}] }), [], []);
  assert.equal(a.createSandbox, true);
  assert.deepEqual(starts(a), [{ name: 'c0', init: false, attempt: 0 }, { name: 'c1', init: false, attempt: 0 }]);
});

test('init containers run one at a time, in order', () => {
  const p = pod({ initContainers: [{}, {}], containers: [{}] });
  // First one still running: nothing else starts.
  let a = plan(p, [sandbox(0)], [ctr('i0', 0, 'running')]);
  assert.equal(a.createSandbox, false);
  assert.deepEqual(starts(a), []);
  // First one done: the second starts, app containers wait.
  a = plan(p, [sandbox(0)], [ctr('i0', 0, 'exited', { exitCode: 0 })]);
  assert.deepEqual(starts(a), [{ name: 'i1', init: true, attempt: 0 }]);
  // Both done: app containers start.
  a = plan(p, [sandbox(0)], [ctr('i0', 0, 'exited'), ctr('i1', 0, 'exited')]);
  assert.deepEqual(starts(a), [{ name: 'c0', init: false, attempt: 0 }]);
});

test('a failed init container fails the pod under restartPolicy Never', () => {
  const p = pod({ restartPolicy: 'Never', initContainers: [{}, {}], containers: [{}] });
  const a = plan(p, [sandbox(0)], [ctr('i0', 0, 'exited', { exitCode: 1 })]);
  assert.equal(a.terminal, 'Failed');
  assert.deepEqual(a.start, []);
  assert.equal(terminalPhase(p, latestByName([ctr('i0', 0, 'exited', { exitCode: 2 })])), 'Failed');
});

for (const policy of ['Always', 'OnFailure']) {
  test(`a failed init container is restarted under ${policy}, or held by backoff`, () => {
    const p = pod({ restartPolicy: policy, initContainers: [{}, {}], containers: [{}] });
    const failed = ctr('i0', 2, 'exited', { exitCode: 1 });
    let a = plan(p, [sandbox(0)], [failed]);
    assert.equal(a.terminal, undefined);
    assert.deepEqual(starts(a), [{ name: 'i0', init: true, attempt: 3 }]);
    assert.equal(a.start[0].restartOf, failed, 'the restart carries the dead instance for the backoff');
    a = plan(p, [sandbox(0)], [failed], ctx({ backoff: ['i0'] }));
    assert.deepEqual(a.start, []);
    assert.deepEqual(a.backingOff, ['i0']);
  });
}

test('restartPolicy decides whether an exited app container restarts', () => {
  const cases: [string, number, boolean][] = [
    ['Always', 0, true], ['Always', 1, true],
    ['OnFailure', 0, false], ['OnFailure', 137, true],
    ['Never', 0, false], ['Never', 1, false],
  ];
  for (const [policy, code, restarts] of cases) {
    const p = pod({ restartPolicy: policy, containers: [{}, {}] });
    // c1 keeps running so the pod is not terminal and only c0's fate is in question.
    const a = plan(p, [sandbox(0)], [ctr('c0', 4, 'exited', { exitCode: code }), ctr('c1', 0, 'running')]);
    assert.deepEqual(starts(a), restarts ? [{ name: 'c0', init: false, attempt: 5 }] : [], `${policy} exit ${code}`);
    assert.equal(a.terminal, undefined, `${policy} exit ${code}`);
  }
});

test('a container whose start failed (created, never running) is retried even under Never', () => {
  const p = pod({ restartPolicy: 'Never' });
  const a = plan(p, [sandbox(0)], [ctr('c0', 0, 'created')]);
  assert.deepEqual(starts(a), [{ name: 'c0', init: false, attempt: 1 }]);
});

test('crash-loop backoff holds a restart and names the container', () => {
  const p = pod({ containers: [{}, {}] });
  const a = plan(p, [sandbox(0)], [ctr('c0', 1, 'exited', { exitCode: 1 }), ctr('c1', 1, 'exited', { exitCode: 1 })], ctx({ backoff: ['c0'] }));
  assert.deepEqual(a.backingOff, ['c0']);
  assert.deepEqual(starts(a), [{ name: 'c1', init: false, attempt: 2 }]);
});

test('an unhealthy container is killed with the probe message; running healthy ones are left alone', () => {
  const p = pod({ containers: [{}, {}] });
  const sick = ctr('c0', 0, 'running');
  const a = plan(p, [sandbox(0)], [sick, ctr('c1', 0, 'running')], ctx({ unhealthy: { c0: 'Liveness probe failed: HTTP probe failed with statuscode: 500' } }));
  assert.deepEqual(a.kill, [{ id: sick.id, name: 'c0', reason: 'Unhealthy', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500' }]);
  // The restart follows from the exited state on the next sync, through the backoff.
  assert.deepEqual(a.start, []);
});

test('a changed image kills the running container and starts the new one', () => {
  const p = pod({ containers: [{ image: 'nginx:1.27' }] });
  const old = ctr('c0', 3, 'running', { image: 'nginx:1.26' });
  const a = plan(p, [sandbox(0)], [old]);
  assert.deepEqual(a.kill, [{ id: old.id, name: 'c0', reason: 'SpecChanged', message: 'Container c0 definition changed, will be restarted' }]);
  assert.deepEqual(starts(a), [{ name: 'c0', init: false, attempt: 4 }]);
});

test('a lost sandbox is recreated with the next attempt and its running containers are killed', () => {
  const p = pod({ containers: [{}, {}] });
  const running = ctr('c0', 0, 'running');
  const dead = ctr('c1', 0, 'exited', { exitCode: 1 });
  const a = plan(p, [sandbox(0, 'notready'), sandbox(1, 'notready')], [running, dead]);
  assert.equal(a.createSandbox, true);
  assert.equal(a.sandboxAttempt, 2);
  assert.deepEqual(a.kill.map((k) => [k.id, k.reason]), [[running.id, 'SandboxChanged']]);
  assert.match(a.kill[0].message, /Pod sandbox changed/);
  // The exited one restarts (restartPolicy Always) in the new sandbox.
  assert.deepEqual(starts(a), [{ name: 'c1', init: false, attempt: 1 }]);
});

test('readySandbox takes the newest ready sandbox; latestByName the newest attempt', () => {
  assert.equal(readySandbox({ sandboxes: [sandbox(0), sandbox(2), sandbox(1, 'notready')], containers: [] })?.attempt, 2);
  assert.equal(readySandbox({ sandboxes: [sandbox(0, 'notready')], containers: [] }), undefined);
  const latest = latestByName([ctr('c0', 2, 'exited'), ctr('c0', 5, 'running'), ctr('c0', 4, 'exited')]);
  assert.equal(latest.get('c0')?.attempt, 5);
});

test('terminal phases: nothing is started or killed any more', () => {
  const never = pod({ restartPolicy: 'Never', containers: [{}, {}] });
  let a = plan(never, [sandbox(0)], [ctr('c0', 0, 'exited', { exitCode: 0 }), ctr('c1', 0, 'exited', { exitCode: 3 })]);
  assert.equal(a.terminal, 'Failed');
  assert.deepEqual([a.start, a.kill, a.createSandbox], [[], [], false]);
  a = plan(never, [], [ctr('c0', 0, 'exited'), ctr('c1', 0, 'exited')]);
  assert.equal(a.terminal, 'Succeeded');
  assert.equal(a.createSandbox, false, 'a finished pod gets no new sandbox');

  const onFailure = pod({ restartPolicy: 'OnFailure', containers: [{}, {}] });
  assert.equal(terminalPhase(onFailure, latestByName([ctr('c0', 0, 'exited'), ctr('c1', 2, 'exited')])), 'Succeeded');
  assert.equal(terminalPhase(onFailure, latestByName([ctr('c0', 0, 'exited'), ctr('c1', 2, 'exited', { exitCode: 1 })])), undefined, 'OnFailure restarts the failed one');
  assert.equal(terminalPhase(never, latestByName([ctr('c0', 0, 'exited')])), undefined, 'c1 has not run yet');
  assert.equal(terminalPhase(pod({}), latestByName([ctr('c0', 0, 'exited')])), undefined, 'Always is never terminal');
});

test('a recreated sandbox runs the init containers again, from the first', () => {
  const p = pod({ initContainers: [{}, {}], containers: [{}] });
  const ran = [ctr('i0', 0, 'exited'), ctr('i1', 0, 'exited'), ctr('c0', 0, 'running')];
  // The sandbox is gone: a new one is made and the first init container runs again; the app container stops.
  let a = plan(p, [sandbox(0, 'notready')], ran);
  assert.equal(a.createSandbox, true);
  assert.deepEqual(starts(a), [{ name: 'i0', init: true, attempt: 1 }]);
  assert.deepEqual(a.kill.map((k) => k.name), ['c0']);
  // In the new sandbox (created after them), the old completions do not count either.
  a = plan(p, [sandbox(0, 'notready'), sandbox(5)], [...ran.slice(0, 2), ctr('c0', 0, 'exited', { exitCode: 137 })]);
  assert.equal(a.createSandbox, false);
  assert.deepEqual(starts(a), [{ name: 'i0', init: true, attempt: 1 }]);
});
