// Zero failed requests through a Service while its Deployment rolls out and while a pod is deleted: endpoints leave the proxy's route table before the node agent stops the container.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { eventually, kubectlBinary, removeDataDir, startClusterRetrying, type Cluster } from './harness.js';

let cluster: Cluster;

const deployment = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
  spec: {
    replicas: 3, selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 5,
        containers: [{
          name: 'web', image: 'skiff/busybox:1.36', imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'],
          readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
        }],
      },
    },
  },
};
const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };

/** kubectl without blocking the event loop, so the load keeps its pace while it runs. */
function kubectlAsync(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(kubectlBinary('1.32'), args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: cluster.dataDir } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
  });
}

interface Load {
  ok: number;
  failures: string[];
  stop(): Promise<void>;
}

/** GET at `rate` requests per second (bounded by `maxSeconds`), keep-alive to the proxy, counting every non-200 or error. */
function steadyLoad(host: string, rate: number, maxSeconds: number): Load {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const load: Load = { ok: 0, failures: [], stop: async () => undefined };
  const pending = new Set<Promise<void>>();
  let sent = 0;
  const limit = rate * maxSeconds;
  const started = Date.now();
  const one = (): Promise<void> => new Promise((resolve) => {
    const req = request({ host, port: 80, path: '/', agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) load.ok++;
        else load.failures.push(`status ${res.statusCode} at ${Date.now() - started} ms`);
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => {
      load.failures.push(`${err.message} at ${Date.now() - started} ms`);
      resolve();
    });
    req.end();
  });
  const timer = setInterval(() => {
    // Catch up to the schedule: timers on a busy machine fire late.
    const due = Math.min(limit, Math.floor(((Date.now() - started) / 1000) * rate));
    while (sent < due) {
      sent++;
      const p = one().finally(() => pending.delete(p));
      pending.add(p);
    }
    if (sent >= limit) clearInterval(timer);
  }, 5);
  load.stop = async () => {
    clearInterval(timer);
    await Promise.all([...pending]);
    agent.destroy();
  };
  return load;
}

before(async () => {
  cluster = await startClusterRetrying();
  cluster.k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [deployment, service] }) });
  await eventually(() => cluster.kubectl(['rollout', 'status', 'deploy/web', '--timeout=5s']).code === 0, 90_000, 500);
});

after(async () => {
  if (cluster) {
    await cluster.stop();
    removeDataDir(cluster);
  }
});

test('no request fails during a rollout restart and a pod deletion under steady load', async () => {
  const ip = cluster.k(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}']);
  // All three endpoints in the route table before the load starts.
  const seen = new Set<string>();
  await eventually(async () => {
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: ip, port: 80, path: '/', agent: false }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve(b.trim()));
      }).on('error', reject).end();
    });
    seen.add(body);
    return seen.size === 3;
  }, 30_000, 50);

  // Two bounded windows of load: one across a pod deletion, one across a rollout restart.
  const deletion = steadyLoad(ip, 200, 30);
  try {
    const pod = (await kubectlAsync(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout.trim();
    assert.equal((await kubectlAsync(['delete', 'pod', pod, '--wait=false'])).code, 0);
    await eventually(async () => (await kubectlAsync(['get', 'deploy', 'web', '-o', 'jsonpath={.status.readyReplicas}'])).stdout === '3'
      && !(await kubectlAsync(['get', 'pods', '-l', 'app=web', '-o', 'name'])).stdout.includes(pod), 30_000, 500);
  } finally {
    await deletion.stop();
  }
  assert.deepEqual(deletion.failures.slice(0, 10), [], `${deletion.failures.length} failed of ${deletion.ok + deletion.failures.length} across the pod deletion`);

  const load = steadyLoad(ip, 200, 40);
  try {
    assert.equal((await kubectlAsync(['rollout', 'restart', 'deploy/web'])).code, 0);
    await eventually(async () => (await kubectlAsync(['rollout', 'status', 'deploy/web', '--timeout=2s'])).code === 0, 40_000, 500);
  } finally {
    await load.stop();
  }
  assert.deepEqual(load.failures.slice(0, 10), [], `${load.failures.length} failed of ${load.ok + load.failures.length} across the rollout`);
  assert.ok(load.ok > 500 && deletion.ok > 200, `only ${deletion.ok} + ${load.ok} requests were answered`);
});
