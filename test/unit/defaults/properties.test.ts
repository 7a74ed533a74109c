/** Properties every defaulter keeps: idempotent, input untouched, user values kept, malformed input tolerated. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, defaultPullPolicy, imageTag } from '../../../src/api/defaults/index.js';
import type { KObject } from '../../../src/api/machinery/object.js';
import { allFixtures, deepFreeze, deployment, gvkOf, podWithProbesAndVolumes } from './fixtures.js';

const defaulted = (obj: KObject) => applyDefaults(gvkOf(obj), obj);

test('defaulting a defaulted object changes nothing', () => {
  for (const obj of allFixtures()) {
    const once = defaulted(obj);
    assert.deepEqual(defaulted(once), once, `${obj.kind} is not idempotent`);
  }
});

test('the input object is never mutated', () => {
  for (const obj of allFixtures()) {
    const snapshot = JSON.parse(JSON.stringify(obj)) as KObject;
    // Frozen input: any write would throw in strict-mode ES modules.
    const out = defaulted(deepFreeze(obj));
    assert.deepEqual(obj, snapshot, `${obj.kind} input changed`);
    assert.notEqual(out, obj);
  }
});

test('explicit user values are never overwritten', () => {
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      restartPolicy: 'Never',
      dnsPolicy: 'Default',
      schedulerName: 'custom',
      terminationGracePeriodSeconds: 0,
      securityContext: { runAsUser: 1000 },
      enableServiceLinks: false,
      priority: 5,
      preemptionPolicy: 'Never',
      containers: [
        {
          name: 'c',
          image: 'nginx:latest',
          imagePullPolicy: 'Never',
          terminationMessagePath: '/tmp/msg',
          terminationMessagePolicy: 'FallbackToLogsOnError',
          ports: [{ containerPort: 53, protocol: 'UDP' }],
          readinessProbe: {
            httpGet: { path: '/healthz', port: 80, scheme: 'HTTPS' },
            timeoutSeconds: 3,
            periodSeconds: 7,
            successThreshold: 2,
            failureThreshold: 9,
          },
          env: [{ name: 'X', valueFrom: { fieldRef: { apiVersion: 'v2', fieldPath: 'metadata.name' } } }],
        },
      ],
      volumes: [
        { name: 'cm', configMap: { name: 'cm', defaultMode: 0o600 } },
        { name: 'hp', hostPath: { path: '/x', type: 'Directory' } },
        { name: 'ed', emptyDir: { medium: 'Memory' } },
      ],
    },
  };
  const out = defaulted(pod) as unknown as { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
  const input = pod['spec'] as Record<string, unknown> & { containers: Record<string, unknown>[] };
  for (const key of Object.keys(input)) {
    if (key === 'containers') continue;
    assert.deepEqual(out.spec[key], input[key], `spec.${key} was changed`);
  }
  const c = out.spec.containers[0]!;
  for (const [key, value] of Object.entries(input.containers[0]!)) assert.deepEqual(c[key], value, `container ${key} was changed`);
});

test('explicit workload values are kept', () => {
  const d = deployment();
  Object.assign(d['spec'] as Record<string, unknown>, {
    replicas: 3,
    progressDeadlineSeconds: 60,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
  });
  const spec = defaulted(d)['spec'] as Record<string, unknown>;
  assert.equal(spec['replicas'], 3);
  assert.equal(spec['progressDeadlineSeconds'], 60);
  assert.deepEqual(spec['strategy'], { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
});

test('null fields count as unset, as nil pointers do in Kubernetes', () => {
  const d = deployment();
  Object.assign(d['spec'] as Record<string, unknown>, { replicas: null, strategy: null });
  const spec = defaulted(d)['spec'] as Record<string, unknown>;
  assert.equal(spec['replicas'], 1);
  assert.deepEqual(spec['strategy'], { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
});

test('malformed shapes are skipped, not thrown on, and left for validation', () => {
  const bad: KObject[] = [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: 'oops' },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: 'nginx', volumes: [null, 3, { name: 'v' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 'x' }, 7] } },
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: [] } },
  ];
  for (const obj of bad) assert.doesNotThrow(() => defaulted(obj), `${obj.kind} threw`);
  const pod = defaulted(bad[1]!)['spec'] as Record<string, unknown>;
  assert.equal(pod['containers'], 'nginx');
  assert.deepEqual(pod['volumes'], [null, 3, { name: 'v', emptyDir: {} }]);
});

test('image tags and pull policies follow the image reference rules', () => {
  const cases: [string, string, string][] = [
    ['nginx', 'latest', 'Always'],
    ['nginx:latest', 'latest', 'Always'],
    ['nginx:1.27', '1.27', 'IfNotPresent'],
    ['localhost:5000/app', 'latest', 'Always'],
    ['localhost:5000/app:v2', 'v2', 'IfNotPresent'],
    ['app@sha256:abc', '', 'IfNotPresent'],
    ['app:latest@sha256:abc', 'latest', 'Always'],
    ['', '', 'IfNotPresent'],
  ];
  for (const [image, tag, policy] of cases) {
    assert.equal(imageTag(image), tag, image);
    assert.equal(defaultPullPolicy(image), policy, image);
  }
  assert.equal(defaultPullPolicy(undefined), 'IfNotPresent');
});

test('the pod fixture is defaulted the same whether or not it was frozen', () => {
  assert.deepEqual(defaulted(deepFreeze(podWithProbesAndVolumes())), defaulted(podWithProbesAndVolumes()));
});
