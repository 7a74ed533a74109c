// generatePodStatus: phase, conditions and container statuses as the kubelet's generateAPIPodStatus/getPhase report them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus as ApiContainerStatus, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { generatePodStatus, type Waiting } from '../../../src/agent/pod-status.js';
import type { ContainerStatus, SandboxStatus } from '../../../src/runtime/runtime.js';
import { at, ctr, pod, sandbox } from './fixtures.js';

const NOW = at(1000);

function status(p: ReturnType<typeof pod>, sandboxes: SandboxStatus[], containers: ContainerStatus[], opts: { waiting?: Record<string, Waiting>; ready?: string[]; notStarted?: string[]; now?: Date } = {}): PodStatus {
  return generatePodStatus({
    pod: p,
    state: { sandboxes, containers },
    waiting: new Map(Object.entries(opts.waiting ?? {})),
    ready: (name) => (opts.ready ?? []).includes(name),
    started: (name) => !(opts.notStarted ?? []).includes(name),
    hostIP: '172.18.0.2',
    now: opts.now ?? NOW,
  });
}

function cond(s: PodStatus, type: string): PodCondition | undefined {
  return s.conditions?.find((c) => c.type === type);
}

function cs(s: PodStatus, name: string): ApiContainerStatus {
  const found = [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])].find((c) => c.name === name);
  assert.ok(found, `status of ${name}`);
  return found;
}

test('a pod whose containers are being created is Pending with ContainerCreating and no podIP', () => {
  const s = status(pod({ containers: [{}, {}] }), [], []);
  assert.equal(s.phase, 'Pending');
  assert.equal(s.podIP, undefined);
  assert.equal(s.hostIP, '172.18.0.2');
  assert.deepEqual(s.hostIPs, [{ ip: '172.18.0.2' }]);
  assert.equal(s.startTime, '2024-05-01T10:16:40Z');
  for (const name of ['c0', 'c1']) {
    assert.deepEqual(cs(s, name).state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal(cs(s, name).restartCount, 0);
    assert.equal(cs(s, name).imageID, '');
    assert.equal(cs(s, name).containerID, undefined);
  }
  assert.equal(cond(s, 'PodReadyToStartContainers')?.status, 'False');
  assert.equal(cond(s, 'Initialized')?.status, 'True', 'no init containers: initialized');
  assert.deepEqual([cond(s, 'Ready')?.status, cond(s, 'Ready')?.reason, cond(s, 'Ready')?.message], ['False', 'ContainersNotReady', 'containers with unready status: [c0 c1]']);
});

test('a running, ready pod: Running, Ready, podIP from the sandbox, container state running', () => {
  const c0 = ctr('c0', 0, 'running');
  const s = status(pod({}), [sandbox(0)], [c0], { ready: ['c0'] });
  assert.equal(s.phase, 'Running');
  assert.equal(s.podIP, '10.0.0.5');
  assert.deepEqual(s.podIPs, [{ ip: '10.0.0.5' }]);
  const st = cs(s, 'c0');
  assert.deepEqual(st.state, { running: { startedAt: '2024-05-01T10:00:01Z' } });
  assert.equal(st.ready, true);
  assert.equal(st.started, true);
  assert.equal(st.containerID, c0.id);
  assert.equal(st.imageID, c0.imageRef);
  assert.equal(st.image, 'img-c0:1');
  for (const t of ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady']) assert.equal(cond(s, t)?.status, 'True', t);
  assert.equal(cond(s, 'Ready')?.reason, undefined);
});

test('running but not ready (readiness or startup probe pending)', () => {
  const s = status(pod({}), [sandbox(0)], [ctr('c0', 0, 'running')], { notStarted: ['c0'] });
  assert.equal(s.phase, 'Running');
  assert.equal(cs(s, 'c0').ready, false);
  assert.equal(cs(s, 'c0').started, false);
  assert.equal(cond(s, 'ContainersReady')?.status, 'False');
  assert.equal(cond(s, 'ContainersReady')?.message, 'containers with unready status: [c0]');
});

test('one container running and another that never ran (image pull failing) keeps the pod Pending', () => {
  const s = status(pod({ containers: [{}, {}] }), [sandbox(0)], [ctr('c0', 0, 'running')], { waiting: { c1: { reason: 'ErrImagePull', message: 'manifest unknown' } } });
  assert.equal(s.phase, 'Pending');
  assert.deepEqual(cs(s, 'c1').state, { waiting: { reason: 'ErrImagePull', message: 'manifest unknown' } });
  assert.deepEqual(cs(s, 'c1').lastState, {});
});

test('a crash-looping container keeps the pod Running with waiting state and the last termination', () => {
  const prev = ctr('c0', 3, 'exited', { exitCode: 2, finishedAt: at(35) });
  const s = status(pod({}), [sandbox(0)], [ctr('c0', 2, 'exited', { exitCode: 1 }), prev], {
    waiting: { c0: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=c0 pod=web_default(pod-uid-1)' } },
  });
  assert.equal(s.phase, 'Running');
  const st = cs(s, 'c0');
  assert.equal(st.restartCount, 3);
  assert.equal(st.state?.waiting?.reason, 'CrashLoopBackOff');
  assert.deepEqual(st.lastState, { terminated: { exitCode: 2, reason: 'Error', startedAt: '2024-05-01T10:00:31Z', finishedAt: '2024-05-01T10:00:35Z', containerID: prev.id } });
});

test('a restarted running container shows the previous instance as lastState', () => {
  const old = ctr('c0', 0, 'exited', { exitCode: 137, reason: 'OOMKilled' });
  const s = status(pod({}), [sandbox(0)], [old, ctr('c0', 1, 'running')], { ready: ['c0'] });
  const st = cs(s, 'c0');
  assert.equal(st.restartCount, 1);
  assert.ok(st.state?.running);
  assert.equal(st.lastState?.terminated?.reason, 'OOMKilled');
  assert.equal(st.lastState?.terminated?.exitCode, 137);
  assert.equal(st.lastState?.terminated?.containerID, old.id);
});

test('a container created but never started is waiting, not terminated with Completed', () => {
  const s = status(pod({}), [sandbox(0)], [ctr('c0', 0, 'created')]);
  assert.ok(cs(s, 'c0').state?.waiting, JSON.stringify(cs(s, 'c0').state));
  assert.equal(s.phase, 'Pending');
});

test('Succeeded under Never/OnFailure; conditions say PodCompleted without a message', () => {
  for (const policy of ['Never', 'OnFailure']) {
    const p = pod({ restartPolicy: policy, containers: [{}, {}] }, { podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.9' }], startTime: '2024-05-01T09:00:00Z' });
    const s = status(p, [], [ctr('c0', 0, 'exited'), ctr('c1', 0, 'exited')]);
    assert.equal(s.phase, 'Succeeded', policy);
    assert.deepEqual(cs(s, 'c0').state?.terminated?.reason, 'Completed');
    assert.deepEqual(cs(s, 'c0').state?.terminated?.exitCode, 0);
    assert.equal(s.podIP, '10.0.0.9', 'a finished pod keeps its IP after the sandbox is gone');
    assert.equal(s.startTime, '2024-05-01T09:00:00Z', 'startTime is kept');
    for (const t of ['Ready', 'ContainersReady']) {
      assert.equal(cond(s, t)?.status, 'False');
      assert.equal(cond(s, t)?.reason, 'PodCompleted');
      assert.equal(cond(s, t)?.message, undefined);
    }
  }
});

test('Failed under Never when a container failed; Running under OnFailure (restarting); Running under Always', () => {
  const containers = [ctr('c0', 0, 'exited'), ctr('c1', 0, 'exited', { exitCode: 1 })];
  const never = status(pod({ restartPolicy: 'Never', containers: [{}, {}] }), [sandbox(0)], containers);
  assert.equal(never.phase, 'Failed');
  assert.equal(cond(never, 'Ready')?.reason, 'PodFailed');
  assert.equal(cs(never, 'c1').state?.terminated?.reason, 'Error');
  assert.equal(status(pod({ restartPolicy: 'OnFailure', containers: [{}, {}] }), [sandbox(0)], containers).phase, 'Running');
  assert.equal(status(pod({ containers: [{}, {}] }), [sandbox(0)], containers).phase, 'Running');
});

test('init containers: Pending, Initialized false with the incomplete ones, app containers PodInitializing', () => {
  const p = pod({ initContainers: [{}, {}], containers: [{}] });
  const s = status(p, [sandbox(0)], [ctr('i0', 0, 'exited'), ctr('i1', 0, 'running')]);
  assert.equal(s.phase, 'Pending');
  assert.equal(s.initContainerStatuses?.length, 2);
  assert.equal(cs(s, 'i0').state?.terminated?.reason, 'Completed');
  assert.ok(cs(s, 'i1').state?.running);
  assert.deepEqual(cs(s, 'c0').state, { waiting: { reason: 'PodInitializing' } });
  const init = cond(s, 'Initialized');
  assert.deepEqual([init?.status, init?.reason, init?.message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [i1]']);
  assert.equal(status(pod({}), [], []).initContainerStatuses, undefined);
});

test('a failed init container fails the pod under Never; under Always it stays Pending', () => {
  const containers = [ctr('i0', 0, 'exited', { exitCode: 1 })];
  assert.equal(status(pod({ restartPolicy: 'Never', initContainers: [{}], containers: [{}] }), [sandbox(0)], containers).phase, 'Failed');
  const s = status(pod({ initContainers: [{}], containers: [{}] }), [sandbox(0)], containers, { waiting: { i0: { reason: 'CrashLoopBackOff' } } });
  assert.equal(s.phase, 'Pending');
  assert.equal(cs(s, 'i0').state?.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(cs(s, 'i0').lastState?.terminated?.exitCode, 1);
});

test('all init containers done and app running: Initialized True and Running', () => {
  const s = status(pod({ initContainers: [{}], containers: [{}] }), [sandbox(0)], [ctr('i0', 0, 'exited'), ctr('c0', 0, 'running')], { ready: ['c0'] });
  assert.equal(s.phase, 'Running');
  assert.equal(cond(s, 'Initialized')?.status, 'True');
  assert.equal(cond(s, 'Ready')?.status, 'True');
});

test('condition transition times are kept while the status is unchanged and move when it flips', () => {
  const first = status(pod({}), [sandbox(0)], [ctr('c0', 0, 'running')], { now: at(100) });
  assert.equal(cond(first, 'Ready')?.lastTransitionTime, '2024-05-01T10:01:40Z');
  const p2 = pod({}, { ...first, conditions: [...(first.conditions ?? []), { type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-05-01T09:59:00Z' }] });
  const second = status(p2, [sandbox(0)], [ctr('c0', 0, 'running')], { ready: ['c0'], now: at(200) });
  assert.equal(cond(second, 'Initialized')?.lastTransitionTime, '2024-05-01T10:01:40Z', 'unchanged: kept');
  assert.equal(cond(second, 'PodReadyToStartContainers')?.lastTransitionTime, '2024-05-01T10:01:40Z');
  assert.equal(cond(second, 'Ready')?.lastTransitionTime, '2024-05-01T10:03:20Z', 'False → True: now');
  assert.equal(cond(second, 'PodScheduled')?.lastTransitionTime, '2024-05-01T09:59:00Z', 'PodScheduled is carried over');
  assert.equal(second.startTime, first.startTime);
});
