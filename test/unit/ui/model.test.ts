/** The dashboard's pure view helpers (browser ES modules, run here in Node). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error: a plain browser module without type declarations
import * as m from '../../../src/ui/assets/model.js';

interface Model {
  esc(s: unknown): string;
  age(t: string | undefined, now?: number): string;
  podStatus(p: unknown): string;
  podReady(p: unknown): string;
  podRestarts(p: unknown): number;
  serviceLinks(s: unknown): string[];
  ingressRules(i: unknown): { host: string; path: string; backend: string }[];
  workloadRow(kind: string, o: unknown, now?: number): { ready: string; state: string; detail: string };
  cpuCores(q: string): number;
  memBytes(q: string): number;
  fmtCpu(c: number): string;
  fmtMem(b: number): string;
  sparkline(v: number[], o?: { width?: number; height?: number; label?: string; cls?: string }): string;
  sortEvents(e: unknown[]): { metadata: { name: string } }[];
  eventCount(e: unknown): number;
  nodeReady(n: unknown): string;
  nodeRoles(n: unknown): string;
}
const model = m as Model;

describe('dashboard model', () => {
  it('escapes HTML', () => {
    assert.equal(model.esc(`<img src=x onerror="a('b')">&`), '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
    assert.equal(model.esc(undefined), '');
  });

  it('prints ages as kubectl does', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    assert.equal(model.age('2026-01-01T11:59:15Z', now), '45s');
    assert.equal(model.age('2026-01-01T11:30:00Z', now), '30m');
    assert.equal(model.age('2026-01-01T07:00:00Z', now), '5h');
    assert.equal(model.age('2025-12-29T12:00:00Z', now), '3d');
    assert.equal(model.age(undefined, now), '');
  });

  it('shows pod status, ready and restarts like kubectl get pods', () => {
    const pod = {
      metadata: {}, spec: { containers: [{ name: 'a' }, { name: 'b' }] },
      status: { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 2, state: { running: {} } }, { ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
    };
    assert.equal(model.podStatus(pod), 'CrashLoopBackOff');
    assert.equal(model.podReady(pod), '1/2');
    assert.equal(model.podRestarts(pod), 5);
    assert.equal(model.podStatus({ metadata: { deletionTimestamp: 'x' }, status: { phase: 'Running' } }), 'Terminating');
    assert.equal(model.podStatus({ metadata: {}, status: { phase: 'Pending', initContainerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff' } } }] } }), 'Init:ImagePullBackOff');
    assert.equal(model.podStatus({ metadata: {} }), 'Pending');
  });

  it('links LoadBalancer and NodePort Services to localhost, not ClusterIP ones', () => {
    assert.deepEqual(model.serviceLinks({ spec: { type: 'LoadBalancer', ports: [{ port: 8080, nodePort: 30001 }, { port: 53, protocol: 'UDP' }] } }), ['http://localhost:8080']);
    assert.deepEqual(model.serviceLinks({ spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 31080 }] } }), ['http://localhost:31080']);
    assert.deepEqual(model.serviceLinks({ spec: { type: 'ClusterIP', ports: [{ port: 80 }] } }), []);
  });

  it('lists Ingress rules with their backends', () => {
    const ing = { spec: { defaultBackend: { service: { name: 'def', port: { number: 80 } } }, rules: [{ host: 'a.test', http: { paths: [{ path: '/api', backend: { service: { name: 'api', port: { name: 'http' } } } }] } }, { http: { paths: [{ backend: { service: { name: 'web', port: { number: 8080 } } } }] } }] } };
    assert.deepEqual(model.ingressRules(ing), [
      { host: '*', path: '', backend: 'def:80' }, { host: 'a.test', path: '/api', backend: 'api:http' }, { host: '*', path: '/', backend: 'web:8080' },
    ]);
  });

  it('tells a Deployment rolling out from one that is complete, paused or failed', () => {
    const d = (status: object, spec: object = {}, generation = 2): unknown => ({ metadata: { generation }, spec: { replicas: 3, ...spec }, status: { observedGeneration: 2, ...status } });
    assert.equal(model.workloadRow('Deployment', d({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 })).state, 'Complete');
    assert.equal(model.workloadRow('Deployment', d({ replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 })).state, 'Progressing');
    assert.equal(model.workloadRow('Deployment', d({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }, {}, 3)).state, 'Progressing');
    assert.equal(model.workloadRow('Deployment', d({}, { paused: true })).state, 'Paused');
    assert.equal(model.workloadRow('Deployment', d({ conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }] })).state, 'Failed');
    assert.equal(model.workloadRow('Deployment', d({ readyReplicas: 1 })).ready, '1/3');
  });

  it('shows Job, StatefulSet, DaemonSet and CronJob states', () => {
    assert.equal(model.workloadRow('Job', { metadata: {}, spec: { completions: 2 }, status: { succeeded: 2, conditions: [{ type: 'Complete', status: 'True' }] } }).state, 'Complete');
    assert.equal(model.workloadRow('Job', { metadata: {}, spec: {}, status: { active: 1 } }).state, 'Running');
    assert.equal(model.workloadRow('StatefulSet', { metadata: {}, spec: { replicas: 2 }, status: { readyReplicas: 2, updatedReplicas: 2 } }).state, 'Complete');
    assert.equal(model.workloadRow('DaemonSet', { metadata: {}, spec: {}, status: { desiredNumberScheduled: 1, numberReady: 0, updatedNumberScheduled: 1 } }).state, 'Progressing');
    assert.equal(model.workloadRow('CronJob', { metadata: {}, spec: { schedule: '*/5 * * * *', suspend: true }, status: {} }).state, 'Suspended');
  });

  it('parses and formats CPU and memory quantities from metrics.k8s.io', () => {
    assert.equal(model.cpuCores('250m'), 0.25);
    assert.equal(model.cpuCores('1500000n'), 0.0015);
    assert.equal(model.cpuCores('2'), 2);
    assert.equal(model.memBytes('64Mi'), 64 * 1024 * 1024);
    assert.equal(model.memBytes('1024Ki'), 1024 * 1024);
    assert.equal(model.memBytes('1G'), 1e9);
    assert.equal(model.memBytes('bogus'), 0);
    assert.equal(model.fmtCpu(0.25), '250m');
    assert.equal(model.fmtCpu(1.5), '1.50');
    assert.equal(model.fmtMem(64 * 1024 * 1024), '64.0Mi');
  });

  it('draws a sparkline scaled into its box', () => {
    const svg = model.sparkline([0, 5, 12.5], { width: 100, height: 20, label: 'cpu' });
    assert.match(svg, /^<svg class="spark " width="100" height="20"/);
    // The peak sits at 80% of the plot height (headroom), zero on the bottom line.
    assert.match(svg, /points="0\.0,18\.0 50\.0,12\.9 100\.0,5\.2"/);
    assert.ok(!model.sparkline([]).includes('polyline'), 'no line without data');
  });

  it('orders events newest first and reads their count from series or count', () => {
    const events = [
      { metadata: { name: 'a' }, lastTimestamp: '2026-01-01T00:00:01Z' },
      { metadata: { name: 'b' }, lastTimestamp: '2026-01-01T00:00:00Z', series: { lastObservedTime: '2026-01-01T00:00:05.000000Z', count: 4 } },
    ];
    assert.deepEqual(model.sortEvents(events).map((e) => e.metadata.name), ['b', 'a']);
    assert.equal(model.eventCount(events[1]), 4);
    assert.equal(model.eventCount({ count: 3 }), 3);
    assert.equal(model.eventCount({}), 1);
  });

  it('reads node readiness and roles', () => {
    assert.equal(model.nodeReady({ status: { conditions: [{ type: 'Ready', status: 'True' }] } }), 'Ready');
    assert.equal(model.nodeReady({ status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }), 'NotReady');
    assert.equal(model.nodeRoles({ metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } }), 'control-plane');
  });
});
