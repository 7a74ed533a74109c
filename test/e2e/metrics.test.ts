// End-to-end: kubectl top from metrics.k8s.io, and a real Prometheus scraping every component and an annotated pod through http_sd.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prometheusConfig } from '../../src/metrics/scrape-config.js';
import { api, eventually, removeDataDir, startClusterRetrying, type Cluster } from './harness.js';

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: exporter
  annotations:
    prometheus.io/scrape: "true"
    prometheus.io/port: "8080"
    prometheus.io/path: /stats
spec:
  containers:
  - name: httpd
    image: skiff/busybox:1.36
    command: ["sh", "-c", "mkdir -p /www && printf '# TYPE demo_requests_total counter\\\\ndemo_requests_total 42\\\\n' > /www/stats && exec httpd -f -p 8080 -h /www"]
  - name: sleeper
    image: skiff/busybox:1.36
    command: ["sleep", "3600"]
`;

interface Target {
  labels: Record<string, string>;
  health: string;
  lastError: string;
  scrapeUrl: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function getJson<T>(url: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('metrics', { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  let promDir = '';
  let promLog = '';

  before(async () => {
    cluster = await startClusterRetrying();
    cluster.k(['apply', '-f', '-'], { input: POD });
    promDir = mkdtempSync(join(tmpdir(), 'skiff-prometheus-'));
    const config = join(promDir, 'prometheus.yml');
    writeFileSync(config, prometheusConfig({
      apiUrl: cluster.url, caFile: join(cluster.dataDir, 'pki', 'ca.crt'), tokenFile: join(cluster.dataDir, 'metrics-token'),
      scrapeInterval: '2s', refreshInterval: '2s',
    }));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn('prometheus', [
      `--config.file=${config}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout?.on('data', (d: Buffer) => (promLog += d.toString()));
    prometheus.stderr?.on('data', (d: Buffer) => (promLog += d.toString()));
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null && prometheus.pid) {
      const exited = new Promise((r) => prometheus?.once('exit', r));
      process.kill(prometheus.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (prometheus.exitCode === null && prometheus.signalCode === null) process.kill(prometheus.pid, 'SIGKILL');
    }
    if (promDir) rmSync(promDir, { recursive: true, force: true });
    await cluster?.stop();
    if (cluster) removeDataDir(cluster);
  });

  it('serves the scrape endpoints only to authenticated callers', async () => {
    const anonymous = await api(cluster, 'GET', '/metrics', undefined, { Authorization: '' });
    assert.equal(anonymous.status, 401);
    const ok = await api(cluster, 'GET', '/metrics/state');
    assert.equal(ok.status, 200);
    assert.match(ok.body, /kube_node_status_condition\{node="[^"]+",condition="Ready",status="true"\} 1/);
  });

  it('kubectl top shows CPU and memory for the node and each container of a running pod', async () => {
    await eventually(() => /Running/.test(cluster.k(['get', 'pod', 'exporter', '--no-headers'])), 60_000, 500);
    const nodes = await eventually(() => {
      const r = cluster.kubectl(['top', 'nodes', '--no-headers']);
      return r.code === 0 && /-control-plane\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/.test(r.stdout) ? r.stdout : '';
    }, 60_000, 1000);
    assert.match(nodes, new RegExp(`${cluster.name}-control-plane`));
    const pods = await eventually(() => {
      const r = cluster.kubectl(['top', 'pods', '--containers', '--no-headers']);
      return r.code === 0 && /exporter\s+sleeper\s+\d+m\s+\d+Mi/.test(r.stdout) && /exporter\s+httpd\s+\d+m\s+\d+Mi/.test(r.stdout) ? r.stdout : '';
    }, 60_000, 1000);
    assert.equal(pods.trim().split('\n').length, 2, pods);
    const missing = cluster.kubectl(['top', 'pod', 'nosuchpod']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /not found/);
  });

  it('a real Prometheus scrapes every component and the annotated pod, and the chosen series have values', async () => {
    const jobs = ['apiserver', 'controller-manager', 'scheduler', 'kube-state-metrics', 'kube-proxy', 'ingress-controller', 'kubelet', 'cadvisor', 'kubernetes-pods'];
    const targets = await eventually(async () => {
      const r = await getJson<{ data: { activeTargets: Target[] } }>(`${promUrl}/api/v1/targets`);
      const active = r.data.activeTargets;
      const allJobs = jobs.every((j) => active.some((t) => t.labels.job === j));
      return allJobs && active.every((t) => t.health === 'up') ? active : undefined;
    }, 90_000, 1000).catch(async (err: unknown) => {
      const r = await getJson<{ data: { activeTargets: Target[] } }>(`${promUrl}/api/v1/targets`).catch(() => undefined);
      throw new Error(`${String(err)}\ntargets: ${JSON.stringify(r?.data.activeTargets.map((t) => [t.labels.job, t.health, t.lastError]))}\nprometheus: ${promLog}`);
    });
    const pod = targets.find((t) => t.labels.job === 'kubernetes-pods');
    assert.equal(pod?.labels.pod, 'exporter');
    assert.match(pod?.scrapeUrl ?? '', /^http:\/\/[\d.]+:8080\/stats$/);

    const query = async (q: string): Promise<number[]> => {
      const r = await getJson<{ data: { result: { value: [number, string] }[] } }>(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
      return r.data.result.map((x) => Number(x.value[1]));
    };
    const has = (q: string, ok: (v: number) => boolean) => eventually(async () => {
      const values = await query(q);
      return values.length > 0 && values.every(ok);
    }, 30_000, 1000).catch((err: unknown) => {
      throw new Error(`${q}: ${String(err)}`);
    });
    await has('sum(apiserver_request_total{verb="LIST",resource="pods"})', (v) => v > 0);
    await has('kubelet_running_pods', (v) => v >= 1);
    await has('container_memory_working_set_bytes{pod="exporter",container="httpd"}', (v) => v > 0);
    await has('container_cpu_usage_seconds_total{pod="exporter",container="sleeper"}', (v) => v >= 0);
    await has('kube_pod_status_phase{pod="exporter",phase="Running"}', (v) => v === 1);
    await has('workqueue_depth{job="controller-manager",name="replicaset"}', (v) => v >= 0);
    await has('scheduler_schedule_attempts_total{result="scheduled"}', (v) => v >= 1);
    await has('demo_requests_total{pod="exporter",namespace="default"}', (v) => v === 42);
  });
});
