// The Service data plane end to end with real Docker and real kubectl: ClusterIPs from the host and from a pod, NodePort and LoadBalancer on 127.0.0.1, readiness, 503 without endpoints, a TCP Service through nc, and a busy port reported as an event and a condition.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { eventually, removeDataDir, startClusterRetrying, type Cluster } from './harness.js';

let cluster: Cluster;
let blocker: Server | undefined;

/** A pod serving `text` with busybox httpd on port 80, optionally never ready. */
function webPod(name: string, app: string, text: string, ready = true): object {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{
        name: 'web', image: 'skiff/busybox:1.36', imagePullPolicy: 'IfNotPresent',
        command: ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`],
        readinessProbe: ready ? { tcpSocket: { port: 80 }, periodSeconds: 1 } : { exec: { command: ['false'] }, periodSeconds: 1 },
      }],
    },
  };
}

function service(name: string, app: string, port: object, type = 'ClusterIP'): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type, selector: { app }, ports: [port] } };
}

function httpGet(host: string, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A free port on 127.0.0.1 (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const jsonpath = (kind: string, name: string, path: string): string => cluster.k(['get', kind, name, '-o', `jsonpath=${path}`]);

let lbPort = 0;
let takenPort = 0;

before(async () => {
  cluster = await startClusterRetrying();
  lbPort = await freePort();
  // A port some other program holds: the Service that wants it must be reported, not crash skiff.
  blocker = createServer();
  await new Promise<void>((r) => blocker?.listen(0, '127.0.0.1', () => r()));
  takenPort = (blocker.address() as AddressInfo).port;
  const items = [
    webPod('web-a', 'a', 'from-a'), webPod('web-a-unready', 'a', 'from-unready', false), webPod('web-b', 'b', 'from-b'),
    service('svc-a', 'a', { name: 'http', port: 80 }, 'NodePort'),
    service('svc-b', 'b', { name: 'tcp', port: 80 }),
    service('empty', 'nothing', { name: 'http', port: 80 }),
    service('lb', 'a', { name: 'http', port: lbPort, targetPort: 80 }, 'LoadBalancer'),
    service('taken', 'b', { name: 'http', port: takenPort, targetPort: 80 }, 'LoadBalancer'),
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client' },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'skiff/busybox:1.36', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
    },
  ];
  cluster.k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
  await eventually(() => cluster.kubectl(['wait', '--for=condition=Ready', 'pod/web-a', 'pod/web-b', 'pod/client', '--timeout=5s']).code === 0, 60_000, 500);
});

after(async () => {
  blocker?.close();
  if (cluster) {
    await cluster.stop();
    removeDataDir(cluster);
  }
});

test('two Services on port 80 answer at their own ClusterIPs from the host; the not-ready pod gets no traffic', async () => {
  const ipA = jsonpath('svc', 'svc-a', '{.spec.clusterIP}');
  const ipB = jsonpath('svc', 'svc-b', '{.spec.clusterIP}');
  assert.notEqual(ipA, ipB);
  await eventually(async () => (await httpGet(ipA, 80)).body === 'from-a', 30_000, 200);
  await eventually(async () => (await httpGet(ipB, 80)).body === 'from-b', 30_000, 200);
  // Ten requests round-robin over svc-a's endpoints: only the ready pod may answer.
  for (let i = 0; i < 10; i++) assert.deepEqual(await httpGet(ipA, 80), { status: 200, body: 'from-a' });
});

test('pods reach ClusterIPs over HTTP (wget) and a TCP Service (nc)', async () => {
  const ipA = jsonpath('svc', 'svc-a', '{.spec.clusterIP}');
  const ipB = jsonpath('svc', 'svc-b', '{.spec.clusterIP}');
  await eventually(() => cluster.kubectl(['exec', 'client', '--', 'wget', '-qO-', `http://${ipA}/`]).stdout.trim() === 'from-a', 30_000, 500);
  const viaNc = await eventually(() => {
    const out = cluster.kubectl(['exec', 'client', '--', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${ipB} 80`]).stdout;
    return out.includes('from-b') ? out : '';
  }, 30_000, 500);
  assert.match(viaNc, /^HTTP\/1\.[01] 200/);
});

test('NodePort answers on 127.0.0.1 and LoadBalancer at its port, with status.loadBalancer.ingress[0].ip', async () => {
  const nodePort = Number(jsonpath('svc', 'svc-a', '{.spec.ports[0].nodePort}'));
  assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`);
  await eventually(async () => (await httpGet('127.0.0.1', nodePort)).body === 'from-a', 30_000, 200);
  await eventually(async () => (await httpGet('127.0.0.1', lbPort)).body === 'from-a', 30_000, 200);
  await eventually(() => jsonpath('svc', 'lb', '{.status.loadBalancer.ingress[0].ip}') === '127.0.0.1', 30_000, 300);
  assert.match(cluster.k(['get', 'svc', 'lb']), /127\.0\.0\.1/);
});

test('a Service without endpoints answers 503 with a body that says so', async () => {
  const ip = jsonpath('svc', 'empty', '{.spec.clusterIP}');
  const res = await eventually(async () => {
    const r = await httpGet(ip, 80);
    return r.status === 503 ? r : undefined;
  }, 30_000, 200);
  assert.match(res.body, /no endpoints available for service "default\/empty"/);
});

test('a port already taken gives a PortInUse event and a Listening=False condition, and skiff keeps serving', async () => {
  await eventually(() => jsonpath('svc', 'taken', '{.status.conditions[?(@.type=="Listening")].reason}') === 'PortInUse', 30_000, 300);
  assert.equal(jsonpath('svc', 'taken', '{.status.conditions[?(@.type=="Listening")].status}'), 'False');
  assert.match(jsonpath('svc', 'taken', '{.status.conditions[?(@.type=="Listening")].message}'), new RegExp(`127\\.0\\.0\\.1:${takenPort}`));
  await eventually(() => cluster.k(['get', 'events', '--field-selector', 'involvedObject.name=taken', '-o', 'jsonpath={.items[*].reason}']).includes('PortInUse'), 30_000, 300);
  assert.equal(jsonpath('svc', 'taken', '{.status.loadBalancer.ingress}'), '');
  // Once the port is free the retry takes it.
  await new Promise<void>((r) => blocker?.close(() => r()));
  blocker = undefined;
  await eventually(async () => (await httpGet('127.0.0.1', takenPort)).body === 'from-b', 30_000, 300);
  await eventually(() => jsonpath('svc', 'taken', '{.status.conditions[?(@.type=="Listening")].status}') === 'True', 30_000, 300);
  assert.equal(cluster.process.exitCode, null);
});

test('a deleted Service stops listening and gives its ClusterIP back to the bridge', async () => {
  const ip = jsonpath('svc', 'svc-b', '{.spec.clusterIP}');
  cluster.k(['delete', 'svc', 'svc-b']);
  await eventually(async () => {
    try {
      await httpGet(ip, 80);
      return false;
    } catch {
      return true;
    }
  }, 30_000, 200);
});
