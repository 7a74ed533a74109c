/** The Pod printer's READY, STATUS and RESTARTS logic, case by case as Kubernetes computes them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { printerFor } from '../../../src/api/printers/index.js';
import { DAY, MIN, NOW, ago, k } from './fixtures.js';

const printer = printerFor('', 'Pod');

function pod(overrides: Partial<Pod> & { spec?: Pod['spec']; status?: Pod['status'] }, meta: Pod['metadata'] = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-7d4b9c', namespace: 'default', creationTimestamp: ago(2 * DAY), ...meta },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] },
    ...overrides,
  };
}

/** NAME READY STATUS RESTARTS AGE only. */
function row(p: Pod): unknown[] {
  return printer.cells(k(p), NOW).slice(0, 5);
}

const running = { running: { startedAt: ago(DAY) } };

test('columns are the Kubernetes pod columns, the last four only with -o wide', () => {
  assert.deepEqual(
    printer.columns.map((c) => [c.name, c.priority]),
    [['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1]],
  );
  assert.equal(printer.columns[0].format, 'name');
});

test('a running, ready pod with its wide columns', () => {
  const p = pod({
    status: {
      phase: 'Running',
      podIP: '10.244.0.12',
      podIPs: [{ ip: '10.244.0.12' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'nginx', image: 'nginx:1.25', imageID: '', ready: true, restartCount: 0, state: running }],
    },
  });
  p.spec = { ...p.spec!, nodeName: 'skiff-node-1' };
  assert.deepEqual(printer.cells(k(p), NOW), ['web-7d4b9c', '1/1', 'Running', '0', '2d', '10.244.0.12', 'skiff-node-1', '<none>', '<none>']);
});

test('a pending pod without node or IP shows <none> in the wide columns', () => {
  const cells = printer.cells(k(pod({ status: { phase: 'Pending' } })), NOW);
  assert.deepEqual(cells, ['web-7d4b9c', '0/1', 'Pending', '0', '2d', '<none>', '<none>', '<none>', '<none>']);
});

test('container waiting reasons become the status', () => {
  for (const reason of ['ContainerCreating', 'ErrImagePull', 'ImagePullBackOff', 'CreateContainerConfigError']) {
    const p = pod({
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'nginx', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason } } }],
      },
    });
    assert.deepEqual(row(p), ['web-7d4b9c', '0/1', reason, '0', '2d']);
  }
});

test('CrashLoopBackOff shows restarts with the age of the last restart', () => {
  const p = pod({
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'nginx',
          image: 'nginx',
          imageID: '',
          ready: false,
          restartCount: 3,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: ago(6 * MIN), finishedAt: ago(5 * MIN) } },
        },
      ],
    },
  });
  assert.deepEqual(row(p), ['web-7d4b9c', '0/1', 'CrashLoopBackOff', '3 (5m ago)', '2d']);
});

test('restarts without a recorded last termination are a bare count', () => {
  const p = pod({
    status: {
      phase: 'Running',
      containerStatuses: [{ name: 'nginx', image: 'nginx', imageID: '', ready: true, restartCount: 2, state: running }],
    },
  });
  assert.deepEqual(row(p), ['web-7d4b9c', '1/1', 'Running', '2', '2d']);
});

test('terminated reasons: Completed, Error, OOMKilled, and exit code or signal when there is no reason', () => {
  const cases: [object, string, string][] = [
    [{ exitCode: 0, reason: 'Completed' }, 'Succeeded', 'Completed'],
    [{ exitCode: 1, reason: 'Error' }, 'Failed', 'Error'],
    [{ exitCode: 137, reason: 'OOMKilled' }, 'Running', 'OOMKilled'],
    [{ exitCode: 2 }, 'Failed', 'ExitCode:2'],
    [{ exitCode: 137, signal: 9 }, 'Failed', 'Signal:9'],
  ];
  for (const [terminated, phase, want] of cases) {
    const p = pod({
      status: {
        phase,
        containerStatuses: [{ name: 'nginx', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { terminated: terminated as { exitCode: number } } }],
      },
    });
    assert.equal(row(p)[2], want);
  }
});

test('the first container explains the status when several could', () => {
  const p = pod({
    spec: { containers: [{ name: 'app' }, { name: 'sidecar' }] },
    status: {
      phase: 'Pending',
      containerStatuses: [
        { name: 'app', image: 'a', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull' } } },
        { name: 'sidecar', image: 'b', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
      ],
    },
  });
  assert.deepEqual(row(p), ['web-7d4b9c', '0/2', 'ErrImagePull', '0', '2d']);
});

test('a completed container next to a running one reads Running when the pod is Ready, else NotReady', () => {
  const status = (ready: boolean): Pod['status'] => ({
    phase: 'Running',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    containerStatuses: [
      { name: 'app', image: 'a', imageID: '', ready: true, restartCount: 0, state: running },
      { name: 'job', image: 'b', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    ],
  });
  const spec = { containers: [{ name: 'app' }, { name: 'job' }] };
  assert.deepEqual(row(pod({ spec, status: status(true) })), ['web-7d4b9c', '1/2', 'Running', '0', '2d']);
  assert.deepEqual(row(pod({ spec, status: status(false) })), ['web-7d4b9c', '1/2', 'NotReady', '0', '2d']);
});

const twoInits = { initContainers: [{ name: 'migrate' }, { name: 'warm' }], containers: [{ name: 'nginx' }] };

test('init containers: Init:i/n while one is running or about to start', () => {
  const p = pod({
    spec: twoInits,
    status: {
      phase: 'Pending',
      conditions: [{ type: 'Initialized', status: 'False' }],
      initContainerStatuses: [
        { name: 'migrate', image: 'm', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'warm', image: 'w', imageID: '', ready: false, restartCount: 0, state: running },
      ],
      containerStatuses: [{ name: 'nginx', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    },
  });
  assert.deepEqual(row(p), ['web-7d4b9c', '0/1', 'Init:1/2', '0', '2d']);
});

test('init containers: PodInitializing waiting is not a reason, Init:0/1 is shown instead', () => {
  const p = pod({
    spec: { initContainers: [{ name: 'migrate' }], containers: [{ name: 'nginx' }] },
    status: {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'migrate', image: 'm', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    },
  });
  assert.equal(row(p)[2], 'Init:0/1');
});

test('init containers: waiting and failure reasons are prefixed with Init:, and their restarts count', () => {
  const waiting = pod({
    spec: twoInits,
    status: {
      phase: 'Pending',
      initContainerStatuses: [
        {
          name: 'migrate',
          image: 'm',
          imageID: '',
          ready: false,
          restartCount: 4,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(90 * 1000) } },
        },
        { name: 'warm', image: 'w', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
      ],
    },
  });
  assert.deepEqual(row(waiting), ['web-7d4b9c', '0/1', 'Init:CrashLoopBackOff', '4 (90s ago)', '2d']);

  const failed = (terminated: object): Pod =>
    pod({
      spec: twoInits,
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'migrate', image: 'm', imageID: '', ready: false, restartCount: 0, state: { terminated: terminated as { exitCode: number } } },
        ],
      },
    });
  assert.equal(row(failed({ exitCode: 1, reason: 'Error' }))[2], 'Init:Error');
  assert.equal(row(failed({ exitCode: 3 }))[2], 'Init:ExitCode:3');
  assert.equal(row(failed({ exitCode: 143, signal: 15 }))[2], 'Init:Signal:15');
});

test('a started sidecar (restartable init container) counts toward READY and does not block initialization', () => {
  const p = pod({
    spec: { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }], containers: [{ name: 'nginx' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      initContainerStatuses: [
        {
          name: 'proxy',
          image: 'envoy',
          imageID: '',
          ready: true,
          started: true,
          restartCount: 1,
          state: running,
          lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * MIN) } },
        },
      ],
      containerStatuses: [{ name: 'nginx', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: running }],
    },
  });
  assert.deepEqual(row(p), ['web-7d4b9c', '2/2', 'Running', '1 (10m ago)', '2d']);
});

test('Terminating when a deletion timestamp is set on a live pod, but not on a finished one', () => {
  const status: Pod['status'] = {
    phase: 'Running',
    containerStatuses: [{ name: 'nginx', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: running }],
  };
  assert.equal(row(pod({ status }, { deletionTimestamp: ago(10 * 1000) }))[2], 'Terminating');
  const done: Pod['status'] = {
    phase: 'Succeeded',
    containerStatuses: [{ name: 'nginx', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
  };
  assert.equal(row(pod({ status: done }, { deletionTimestamp: ago(10 * 1000) }))[2], 'Completed');
  assert.equal(row(pod({ status: { phase: 'Running', reason: 'NodeLost' } }, { deletionTimestamp: ago(1000) }))[2], 'Unknown');
});

test('pod-level reason and scheduling gates', () => {
  assert.equal(row(pod({ status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } }))[2], 'Evicted');
  const gated = pod({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } });
  assert.equal(row(gated)[2], 'SchedulingGated');
});

test('readiness gates count the gates whose condition is True', () => {
  const p = pod({
    spec: {
      containers: [{ name: 'nginx' }],
      readinessGates: [{ conditionType: 'example.com/lb-ready' }, { conditionType: 'example.com/dns-ready' }],
    },
    status: { phase: 'Running', conditions: [{ type: 'example.com/lb-ready', status: 'True' }, { type: 'example.com/dns-ready', status: 'False' }] },
  });
  assert.equal(printer.cells(k(p), NOW)[8], '1/2');
});

test('a sparse pod (only a name) still prints', () => {
  assert.deepEqual(printer.cells(k({ metadata: { name: 'bare' } }), NOW), ['bare', '0/0', '', '0', '<unknown>', '<none>', '<none>', '<none>', '<none>']);
});
