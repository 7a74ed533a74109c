// Node agent metrics over the fake runtime: the stats collector's rates, cAdvisor and kubelet series, the summary behind kubectl top.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { cadvisorRegistry } from '../../../src/agent/metrics/cadvisor.js';
import { KubeletMetrics, podStartSeconds } from '../../../src/agent/metrics/kubelet-metrics.js';
import { instrumentRuntime } from '../../../src/agent/metrics/runtime-metrics.js';
import { buildSummary } from '../../../src/agent/metrics/summary.js';
import { cpuRate, EMPTY_SNAPSHOT, mapLimited, StatsCollector, type Snapshot } from '../../../src/agent/stats/collector.js';
import { parseMeminfo, parseProcStat, type HostSample } from '../../../src/agent/stats/host.js';
import { readCgroupV1Stats } from '../../../src/runtime/docker/cgroup-stats.js';
import { FakeRuntime } from '../../../src/runtime/fake/fake-runtime.js';
import type { ContainerConfig } from '../../../src/runtime/runtime.js';
import { nodeMetrics, podMetrics } from '../../../src/metrics/resource-metrics.js';
import { assertPromtoolClean, sample } from './promtool.js';

function containerConfig(name: string, attempt = 0): ContainerConfig {
  return {
    podUid: 'uid-1', podName: 'web', namespace: 'default', name, attempt, image: 'busybox', env: [], mounts: [], resources: {}, security: {},
    stdin: false, stdinOnce: false, tty: false, labels: {},
  };
}

async function runningPod(rt: FakeRuntime): Promise<{ sandbox: string; app: string }> {
  const sb = await rt.runSandbox({ podUid: 'uid-1', podName: 'web', namespace: 'default', attempt: 0, hostname: 'web', network: 'n', hostNetwork: false, portMappings: [], labels: {} });
  const app = await rt.createContainer(sb.id, containerConfig('app'));
  await rt.startContainer(app);
  return { sandbox: sb.id, app };
}

test('the collector turns two samples into a CPU rate and feeds cAdvisor, kubelet and summary views', async () => {
  const fake = new FakeRuntime({ clusterName: 'c', nodeName: 'n', images: ['busybox'] });
  let snapshot: Snapshot = EMPTY_SNAPSHOT;
  const kubelet = new KubeletMetrics(() => snapshot);
  const rt = instrumentRuntime(fake, kubelet);
  const { app } = await runningPod(fake);
  fake.setStats(app, { cpuUsageNanoSeconds: 1e9, memoryUsageBytes: 8 << 20, memoryWorkingSetBytes: 6 << 20, rxBytes: 0, txBytes: 0 });
  let hostCpu = 50e9;
  let hostTime = 1_000_000;
  const readHost = (): HostSample => ({ timeMs: hostTime, cpuUsageNanoSeconds: hostCpu, memoryUsageBytes: 3 * 2 ** 30, memoryWorkingSetBytes: 2 * 2 ** 30, memoryTotalBytes: 8 * 2 ** 30 });
  const collector = new StatsCollector({ runtime: rt, clusterName: 'c', nodeName: 'n', readHost, firstRateMs: 60_000 });
  await collector.collect();
  snapshot = collector.snapshot;
  assert.equal(snapshot.samples.length, 1);
  assert.equal(snapshot.samples[0].cpuNanoCores, undefined, 'no rate from one sample');
  assert.equal(podMetrics({ name: 'web', namespace: 'default' }, buildSummary('n', snapshot).pods[0], new Date()), undefined, 'kubectl top waits for a rate');

  await new Promise((r) => setTimeout(r, 20));
  fake.setStats(app, { cpuUsageNanoSeconds: 3e9, memoryUsageBytes: 8 << 20, memoryWorkingSetBytes: 6 << 20, rxBytes: 0, txBytes: 0 });
  hostCpu += 1e9;
  hostTime += 2000;
  await collector.collect();
  await collector.stop();
  snapshot = collector.snapshot;
  const rate = snapshot.samples[0].cpuNanoCores ?? 0;
  assert.ok(rate > 0, `a positive CPU rate, got ${rate}`);
  assert.equal(snapshot.hostCpuNanoCores, 0.5e9, 'host: 1 s of CPU in 2 s');

  const summary = buildSummary('n', snapshot);
  assert.equal(summary.pods[0].podRef.name, 'web');
  assert.equal(summary.pods[0].containers[0].memory.workingSetBytes, 6 << 20);
  const pm = podMetrics({ name: 'web', namespace: 'default' }, summary.pods[0], new Date());
  assert.equal((pm?.containers as { usage: { memory: string } }[])[0].usage.memory, '6144Ki');
  const nm = nodeMetrics({ name: 'n' }, summary, new Date());
  assert.deepEqual(nm?.usage, { cpu: '500000000n', memory: `${2 * 1024 * 1024}Ki` });

  const cadvisor = await cadvisorRegistry(() => snapshot, { cpuCores: 2, memoryBytes: 8 * 2 ** 30 }).metrics();
  assert.equal(sample(cadvisor, 'container_cpu_usage_seconds_total', { container: 'app', pod: 'web', namespace: 'default' }), 3);
  assert.equal(sample(cadvisor, 'container_memory_working_set_bytes', { container: 'app', pod: 'web', name: 'k8s_app_web_default_uid-1_0' }), 6 << 20);
  assertPromtoolClean(cadvisor, '/metrics/cadvisor');

  kubelet.probe({ probeType: 'readiness', result: 'failure', namespace: 'default', pod: 'web', podUid: 'uid-1', container: 'app' });
  const pod: Pod = { metadata: { uid: 'uid-1', creationTimestamp: new Date(Date.now() - 4000).toISOString() } };
  kubelet.podStatus(pod, { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'b', imageID: 'b', state: { running: {} } }] });
  kubelet.podStatus(pod, { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'b', imageID: 'b', state: { running: {} } }] });
  const text = await kubelet.registry.metrics();
  assert.equal(sample(text, 'kubelet_running_pods'), 1);
  assert.equal(sample(text, 'kubelet_running_containers', { container_state: 'running' }), 1);
  assert.equal(sample(text, 'prober_probe_total', { probe_type: 'Readiness', result: 'failed', pod: 'web' }), 1);
  assert.equal(sample(text, 'kubelet_pod_start_duration_seconds_count'), 1, 'a pod starts once');
  assert.ok((sample(text, 'kubelet_runtime_operations_total', { operation_type: 'container_stats' }) ?? 0) >= 2);
  assert.ok((sample(text, 'kubelet_runtime_operations_duration_seconds_count', { operation_type: 'list_all' }) ?? 0) >= 2, 'each round lists the engine once');
  assertPromtoolClean(text, 'the agent /metrics');

  kubelet.prune(new Set());
  assert.equal(sample(await kubelet.registry.metrics(), 'prober_probe_total', { pod: 'web' }), undefined, 'a gone pod leaves no probe series');
});

test('runtime operations are counted, restarts and failed starts too', async () => {
  const fake = new FakeRuntime({ images: ['busybox'] });
  const kubelet = new KubeletMetrics(() => EMPTY_SNAPSHOT);
  const rt = instrumentRuntime(fake, kubelet);
  const sb = await rt.runSandbox({ podUid: 'uid-1', podName: 'web', namespace: 'default', attempt: 0, hostname: 'web', network: 'n', hostNetwork: false, portMappings: [], labels: {} });
  const c = await rt.createContainer(sb.id, containerConfig('app', 1));
  await rt.startContainer(c);
  await assert.rejects(rt.startContainer('fake://missing'));
  const text = await kubelet.registry.metrics();
  assert.equal(sample(text, 'kubelet_started_containers_total', { container_type: 'container' }), 1);
  assert.equal(sample(text, 'kubelet_started_containers_total', { container_type: 'podsandbox' }), 1);
  assert.equal(sample(text, 'kubelet_started_containers_errors_total', { container_type: 'container' }), 1);
  assert.equal(sample(text, 'kubelet_restarted_containers_total'), 1);
  assert.equal(sample(text, 'kubelet_runtime_operations_errors_total', { operation_type: 'start_container' }), 1);
});

test('pod start, CPU rates, host parsing and bounded concurrency', async () => {
  const pod: Pod = { metadata: { creationTimestamp: '2026-01-01T00:00:00Z' } };
  const running = { phase: 'Running', containerStatuses: [{ name: 'a', ready: true, restartCount: 0, image: '', imageID: '', state: { running: {} } }] };
  assert.equal(podStartSeconds(pod, running, new Date('2026-01-01T00:00:05Z')), 5);
  assert.equal(podStartSeconds(pod, { phase: 'Pending' }, new Date()), undefined);
  assert.equal(cpuRate(undefined, { cpuUsageNanoSeconds: 1, timeMs: 1 }), undefined);
  assert.equal(cpuRate({ cpuUsageNanoSeconds: 5, timeMs: 1000 }, { cpuUsageNanoSeconds: 1, timeMs: 2000 }), undefined, 'a counter reset gives no rate');
  assert.equal(cpuRate({ cpuUsageNanoSeconds: 0, timeMs: 0 }, { cpuUsageNanoSeconds: 1e9, timeMs: 1000 }), 1e9);
  assert.equal(parseProcStat('cpu  100 10 50 1000 20 5 5 10 0 0\ncpu0 1 1 1 1'), 180 * 1e7);
  assert.deepEqual(parseMeminfo('MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    600 kB\n'), { totalBytes: 1024000, usageBytes: 819200, workingSetBytes: 409600 });
  let inFlight = 0;
  let peak = 0;
  const out = await mapLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    peak = Math.max(peak, ++inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    return n * 2;
  });
  assert.deepEqual(out, [2, 4, 6, 8, 10, 12, 14]);
  assert.equal(peak, 3);
});

test('cgroup v1 files and the network namespace counters give a container reading without the engine', () => {
  const root = mkdtempSync(join(tmpdir(), 'skiff-cgroup-'));
  try {
    const id = 'abc123';
    mkdirSync(join(root, 'cg/cpuacct/docker', id), { recursive: true });
    mkdirSync(join(root, 'cg/memory/docker', id), { recursive: true });
    mkdirSync(join(root, 'proc/42/net'), { recursive: true });
    writeFileSync(join(root, 'cg/cpuacct/docker', id, 'cpuacct.usage'), '2500000000\n');
    writeFileSync(join(root, 'cg/memory/docker', id, 'memory.usage_in_bytes'), '10000\n');
    writeFileSync(join(root, 'cg/memory/docker', id, 'memory.stat'), 'cache 5\ninactive_file 100\ntotal_inactive_file 4000\n');
    writeFileSync(join(root, 'proc/42/net/dev'), 'Inter-|   Receive\n face |bytes\n    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n  eth0: 796 10 0 0 0 0 0 0 120 2 0 0 0 0 0 0\n');
    const s = readCgroupV1Stats({ id, cgroupParent: '', pid: 42, network: true }, join(root, 'cg'), join(root, 'proc'));
    assert.equal(s?.cpuUsageNanoSeconds, 2.5e9);
    assert.equal(s?.memoryWorkingSetBytes, 6000);
    assert.deepEqual([s?.rxBytes, s?.txBytes], [796, 120]);
    assert.equal(readCgroupV1Stats({ id: 'other', cgroupParent: '', network: false }, join(root, 'cg'), join(root, 'proc')), undefined, 'no files: ask the engine');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
