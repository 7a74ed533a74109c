// The hand-written exposition behind /metrics/state: label escaping, layout, the series of a sample pod and deployment, and reuse of unchanged objects' lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { escapeLabelValue, ExpositionWriter, sampleLine } from '../../../src/metrics/exposition-text.js';
import { deploymentSeries, DEPLOYMENT_FAMILIES, KubeStateMetrics, podSeries, POD_FAMILIES } from '../../../src/metrics/kube-state.js';
import { assertPromtoolClean } from './promtool.js';

test('label values escape backslash, double quote and line feed, and nothing else', () => {
  assert.equal(escapeLabelValue('plain-value_1.2'), 'plain-value_1.2');
  assert.equal(escapeLabelValue('a\\b'), 'a\\\\b');
  assert.equal(escapeLabelValue('say "hi"'), 'say \\"hi\\"');
  assert.equal(escapeLabelValue('two\nlines'), 'two\\nlines');
  assert.equal(escapeLabelValue('\\"\n'), '\\\\\\"\\n');
  assert.equal(escapeLabelValue('tab\tand ünïcode'), 'tab\tand ünïcode');
  assert.equal(sampleLine('m', { a: 'x"y', b: '' }, 1.5), 'm{a="x\\"y",b=""} 1.5');
  assert.equal(sampleLine('m', {}, 3), 'm 3');
  assert.equal(sampleLine('m', { a: 'x' }, Infinity), 'm{a="x"} +Inf');
});

test('the writer lays out families as prom-client does and promtool accepts it', () => {
  const w = new ExpositionWriter();
  w.family({ name: 'x_total', help: 'Xs seen.', type: 'counter' });
  w.sample('x_total', { path: 'C:\\dir\n"q"' }, 2);
  w.family({ name: 'y', help: 'An empty family.', type: 'gauge' });
  w.family({ name: 'z', help: 'Zs.', type: 'gauge' });
  w.samples('z{k="1"} 1\nz{k="2"} 0');
  const text = w.text();
  assert.equal(text, [
    '# HELP x_total Xs seen.', '# TYPE x_total counter', 'x_total{path="C:\\\\dir\\n\\"q\\""} 2', '',
    '# HELP y An empty family.', '# TYPE y gauge', '',
    '# HELP z Zs.', '# TYPE z gauge', 'z{k="1"} 1', 'z{k="2"} 0', '',
  ].join('\n'));
  assertPromtoolClean(text, 'the writer sample');
  assert.equal(new ExpositionWriter().text(), '');
});

const samplePod: Pod = {
  metadata: { name: 'web-7d4b9-x2x', namespace: 'shop', uid: 'u1', resourceVersion: '10', creationTimestamp: '2026-03-01T12:00:00Z', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9', uid: 'r1', controller: true }] },
  spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { memory: '64Mi' } } }] },
  status: {
    phase: 'Pending', hostIP: '172.18.0.2', podIP: '10.244.0.7', conditions: [{ type: 'Ready', status: 'False' }],
    // A runtime's reason is free text: it must come out escaped.
    containerStatuses: [{ name: 'app', ready: false, restartCount: 2, image: 'nginx', imageID: '', state: { waiting: { reason: 'Bad "image"\\tag\nline' } } }],
  },
};

const sampleDeployment: Deployment = {
  metadata: { name: 'web', namespace: 'shop', generation: 4 },
  spec: { replicas: 2, selector: {}, template: {} },
  status: { replicas: 2, availableReplicas: 1, unavailableReplicas: 1, updatedReplicas: 2, readyReplicas: 1, observedGeneration: 3 },
};

const P = 'namespace="shop",pod="web-7d4b9-x2x",uid="u1"';

test('a sample pod gives the kube-state-metrics series, family by family', () => {
  const s = podSeries(samplePod);
  const f = POD_FAMILIES;
  assert.equal(s.of(f.info), `kube_pod_info{${P},host_ip="172.18.0.2",pod_ip="10.244.0.7",node="n1",created_by_kind="ReplicaSet",created_by_name="web-7d4b9"} 1`);
  assert.equal(s.of(f.phase), ['Pending 1', 'Running 0', 'Succeeded 0', 'Failed 0', 'Unknown 0'].map((x) => {
    const [phase, v] = x.split(' ');
    return `kube_pod_status_phase{${P},phase="${phase}"} ${v}`;
  }).join('\n'));
  assert.equal(s.of(f.ready), [`kube_pod_status_ready{${P},condition="true"} 0`, `kube_pod_status_ready{${P},condition="false"} 1`, `kube_pod_status_ready{${P},condition="unknown"} 0`].join('\n'));
  assert.equal(s.of(f.created), `kube_pod_created{${P}} 1772366400`);
  assert.equal(s.of(f.restarts), `kube_pod_container_status_restarts_total{${P},container="app"} 2`);
  assert.equal(s.of(f.containerReady), `kube_pod_container_status_ready{${P},container="app"} 0`);
  assert.equal(s.of(f.containerRunning), `kube_pod_container_status_running{${P},container="app"} 0`);
  const waiting = s.of(f.containerWaiting)?.split('\n') ?? [];
  assert.equal(waiting.length, 8, 'the seven known reasons and the current one');
  assert.equal(waiting[0], `kube_pod_container_status_waiting_reason{${P},container="app",reason="ContainerCreating"} 0`);
  assert.equal(waiting[7], `kube_pod_container_status_waiting_reason{${P},container="app",reason="Bad \\"image\\"\\\\tag\\nline"} 1`);
  assert.equal(s.of(f.containerTerminated), undefined);
  assert.equal(s.of(f.requests), [
    `kube_pod_container_resource_requests{${P},container="app",node="n1",resource="cpu",unit="core"} 0.1`,
    `kube_pod_container_resource_requests{${P},container="app",node="n1",resource="memory",unit="byte"} 33554432`,
  ].join('\n'));
  assert.equal(s.of(f.limits), `kube_pod_container_resource_limits{${P},container="app",node="n1",resource="memory",unit="byte"} 67108864`);
});

test('a sample deployment gives its replica and generation series', () => {
  const s = deploymentSeries(sampleDeployment);
  const D = 'namespace="shop",deployment="web"';
  const f = DEPLOYMENT_FAMILIES;
  const expected: [keyof typeof f, number][] = [['specReplicas', 2], ['replicas', 2], ['available', 1], ['unavailable', 1], ['updated', 2], ['ready', 1], ['generation', 4], ['observedGeneration', 3]];
  for (const [key, value] of expected) assert.equal(s.of(f[key]), `${f[key].name}{${D}} ${value}`, key);
});

test('the whole exposition passes promtool, and only replaced objects are written anew', async () => {
  let pods: Pod[] = [samplePod];
  const state = new KubeStateMetrics({ pods: () => [...pods], nodes: () => [], deployments: () => [sampleDeployment] });
  const first = await state.metrics();
  assertPromtoolClean(first, '/metrics/state sample');
  assert.match(first, /^# HELP kube_state_objects .*\n# TYPE kube_state_objects gauge\nkube_state_objects\{resource="pods"\} 1\n/);
  assert.equal(first.split('\n').filter((l) => l && !l.startsWith('#')).length, 3 + 24 + 8);
  assert.equal(await state.metrics(), first, 'unchanged caches give the same text');

  // The informer replaces the object on a change; the new version's lines replace the old ones.
  const running: Pod = { ...samplePod, metadata: { ...samplePod.metadata, resourceVersion: '11' }, status: { ...samplePod.status, phase: 'Running' } };
  pods = [running];
  const second = await state.metrics();
  assert.match(second, new RegExp(`kube_pod_status_phase\\{${P},phase="Running"\\} 1\\n`));
  assert.match(second, new RegExp(`kube_pod_status_phase\\{${P},phase="Pending"\\} 0\\n`));
  pods = [];
  const third = await state.metrics();
  assert.doesNotMatch(third, /kube_pod_info\{/);
  assert.match(third, /# TYPE kube_pod_info gauge\n/, 'families stay declared with no objects');
});
