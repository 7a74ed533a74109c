// Cluster-state series, pod discovery for Prometheus, scheduler metrics and the generated Prometheus configuration.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { KubeStateMetrics } from '../../../src/metrics/kube-state.js';
import { podTargets } from '../../../src/metrics/pod-discovery.js';
import { nodeTargets, prometheusConfig } from '../../../src/metrics/scrape-config.js';
import { SchedulerMetrics } from '../../../src/scheduler/metrics.js';
import { assertPromtoolClean, sample } from './promtool.js';

const pod = (name: string, extra: Partial<Pod> = {}): Pod => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z', ...extra.metadata },
  spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'busybox', resources: { requests: { cpu: '250m', memory: '64Mi' } } }], ...extra.spec },
  status: {
    phase: 'Running', podIP: '10.0.0.5', conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'app', ready: true, restartCount: 3, image: 'busybox', imageID: 'x', state: { running: {} } }],
    ...extra.status,
  },
});

test('kube-state series are computed from the caches at scrape time and pass promtool', async () => {
  let pods: Pod[] = [pod('a'), pod('b', { status: { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: 'b', imageID: '', state: { waiting: { reason: 'ImagePullBackOff' } } }] } })];
  const nodes: Node[] = [{ metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '2', memory: '4Gi', pods: '110' } } }];
  const deployments: Deployment[] = [{ metadata: { name: 'web', namespace: 'default', generation: 2 }, spec: { replicas: 3, selector: {}, template: {} }, status: { availableReplicas: 2, replicas: 3, observedGeneration: 2 } }];
  const state = new KubeStateMetrics({ pods: () => pods, nodes: () => nodes, deployments: () => deployments });
  let text = await state.metrics();
  assert.equal(sample(text, 'kube_pod_status_phase', { pod: 'a', phase: 'Running' }), 1);
  assert.equal(sample(text, 'kube_pod_status_phase', { pod: 'a', phase: 'Pending' }), 0);
  assert.equal(sample(text, 'kube_pod_status_phase', { pod: 'b', phase: 'Pending' }), 1);
  assert.equal(sample(text, 'kube_pod_container_status_restarts_total', { pod: 'a', container: 'app' }), 3);
  assert.equal(sample(text, 'kube_pod_container_status_waiting_reason', { pod: 'b', reason: 'ImagePullBackOff' }), 1);
  assert.equal(sample(text, 'kube_pod_container_resource_requests', { pod: 'a', resource: 'cpu', unit: 'core' }), 0.25);
  assert.equal(sample(text, 'kube_deployment_status_replicas_available', { deployment: 'web' }), 2);
  assert.equal(sample(text, 'kube_deployment_spec_replicas', { deployment: 'web' }), 3);
  assert.equal(sample(text, 'kube_node_status_condition', { node: 'n1', condition: 'Ready', status: 'true' }), 1);
  assert.equal(sample(text, 'kube_node_status_condition', { node: 'n1', condition: 'Ready', status: 'false' }), 0);
  assert.equal(sample(text, 'kube_node_status_allocatable', { node: 'n1', resource: 'memory', unit: 'byte' }), 4 * 2 ** 30);
  assertPromtoolClean(text, '/metrics/state');
  pods = [pod('a')];
  text = await state.metrics();
  assert.equal(sample(text, 'kube_pod_status_phase', { pod: 'b' }), undefined, 'a deleted pod leaves no series');
});

test('annotated pods become http_sd targets with their port, path and labels', () => {
  const annotated = pod('m', { metadata: { name: 'm', namespace: 'obs', uid: 'u', labels: { app: 'demo' }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9100', 'prometheus.io/path': '/stats' } } });
  const byPort = pod('p', { metadata: { name: 'p', namespace: 'obs', uid: 'v', annotations: { 'prometheus.io/scrape': 'true' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] } });
  const plain = pod('x');
  const noIp = pod('y', { metadata: { name: 'y', annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '1' } }, status: { phase: 'Pending', podIP: undefined } });
  assert.deepEqual(podTargets([plain, byPort, annotated, noIp]), [
    { targets: ['10.0.0.5:9100'], labels: { __metrics_path__: '/stats', __scheme__: 'http', namespace: 'obs', pod: 'm', node: 'n1', __meta_kubernetes_pod_label_app: 'demo' } },
    { targets: ['10.0.0.5:8080'], labels: { __metrics_path__: '/metrics', __scheme__: 'http', namespace: 'obs', pod: 'p', node: 'n1' } },
  ]);
  assert.deepEqual(nodeTargets('127.0.0.1:6443', ['n1'], 'metrics/cadvisor'), [{ targets: ['127.0.0.1:6443'], labels: { __metrics_path__: '/api/v1/nodes/n1/proxy/metrics/cadvisor', node: 'n1' } }]);
});

test('scheduler metrics count attempts by result and pending pods at scrape time', async () => {
  const m = new SchedulerMetrics(() => ({ active: 2, unschedulable: 1 }));
  m.attempt('scheduled', 0.003);
  m.attempt('unschedulable', 0.001);
  const text = await m.registry.metrics();
  assert.equal(sample(text, 'scheduler_schedule_attempts_total', { result: 'scheduled' }), 1);
  assert.equal(sample(text, 'scheduler_schedule_attempts_total', { result: 'error' }), 0);
  assert.equal(sample(text, 'scheduler_pending_pods', { queue: 'active' }), 2);
  assert.equal(sample(text, 'scheduler_scheduling_attempt_duration_seconds_count', { result: 'unschedulable' }), 1);
  assertPromtoolClean(text, '/metrics/scheduler');
});

test('the generated Prometheus configuration passes promtool, and the example is it for the default cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-promcfg-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), 'x');
    writeFileSync(join(dir, 'token'), 't');
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, prometheusConfig({ apiUrl: 'https://127.0.0.1:6443', caFile: join(dir, 'ca.crt'), tokenFile: join(dir, 'token') }));
    const r = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const example = readFileSync(new URL('../../../examples/prometheus/prometheus.yml', import.meta.url), 'utf8');
  const generated = prometheusConfig({ apiUrl: 'https://127.0.0.1:6443', caFile: '/root/.skiff/pki/ca.crt', tokenFile: '/root/.skiff/metrics-token' });
  assert.equal(example.replace(/^#.*\n/gm, ''), generated);
});
