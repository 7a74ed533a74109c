// End-to-end: ClusterIPs and node ports allocated from the cluster's service range and kept across a restart,
// Endpoints and EndpointSlices by readiness, cluster DNS and Service variables as pods see them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { contains, parseCidr } from '../../src/api/servicenet/cidr.js';
import { eventually, removeDataDir, startClusterRetrying, type Cluster } from './harness.js';

const NS = 'shop';

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${NS}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: ${NS}}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 8080, targetPort: 8080, nodePort: 30080}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: ${NS}}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: pg, port: 5432}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${NS}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: web
        image: skiff/busybox:1.36
        command: [sleep, '3600']
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {exec: {command: [sh, -c, 'test ! -f /tmp/notready']}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: ${NS}, labels: {app: db}}
spec:
  hostname: db-0
  subdomain: db
  terminationGracePeriodSeconds: 0
  containers: [{name: db, image: skiff/busybox:1.36, command: [sleep, '3600']}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ${NS}}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: client, image: skiff/busybox:1.36, command: [sleep, '3600']}]
`;

interface Svc { metadata: { name: string }; spec: { clusterIP: string; clusterIPs?: string[]; ipFamilies?: string[]; ports: { nodePort?: number }[] } }
interface Address { ip: string; targetRef?: { name: string } }
interface EndpointsObj { subsets?: { addresses?: Address[]; notReadyAddresses?: Address[]; ports?: { port: number }[] }[] }
interface Slice { endpoints: { addresses: string[]; conditions: { ready: boolean }; targetRef?: { name: string } }[]; ports: { port: number }[] }
interface PodObj { metadata: { name: string }; status: { podIP?: string; phase?: string; conditions?: { type: string; status: string }[] } }

describe('Services, endpoints and cluster DNS', () => {
  const name = `e2esvc${process.pid}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-svc-'));
  let c: Cluster;

  after(async () => {
    if (c) {
      await c.stop();
      removeDataDir(c);
    }
  });

  const svc = (n: string, ns = NS): Svc => JSON.parse(c.k(['get', 'svc', n, '-n', ns, '-o', 'json'])) as Svc;
  const exec = (pod: string, cmd: string[]): string => {
    const r = c.kubectl(['exec', '-n', NS, pod, '--', ...cmd]);
    return r.stdout + r.stderr;
  };

  it('allocates distinct ClusterIPs from the service range, refuses duplicates, and lists endpoints by readiness', async () => {
    c = await startClusterRetrying({ name, dataDir });
    const layout = JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as { serviceCIDR: string; subnet: string };
    const range = parseCidr(layout.serviceCIDR);
    c.k(['apply', '-f', '-'], { input: MANIFESTS });

    const kubernetes = svc('kubernetes', 'default');
    const dns = svc('kube-dns', 'kube-system');
    const web = svc('web');
    const api = svc('api');
    const ips = [kubernetes, dns, web, api].map((s) => s.spec.clusterIP);
    assert.equal(new Set(ips).size, 4, `distinct: ${ips.join(' ')}`);
    for (const ip of ips) assert.ok(contains(range, ip), `${ip} in ${layout.serviceCIDR}`);
    assert.equal(kubernetes.spec.clusterIP, ips[0]);
    assert.ok(kubernetes.spec.clusterIP.endsWith('.1') && dns.spec.clusterIP.endsWith('.10'));
    assert.deepEqual([web.spec.clusterIPs, web.spec.ipFamilies], [[web.spec.clusterIP], ['IPv4']]);
    assert.equal(svc('db').spec.clusterIP, 'None');
    assert.equal(api.spec.ports[0].nodePort, 30080);

    const dupIP = c.kubectl(['create', 'service', 'clusterip', 'dup', '-n', NS, '--tcp=80', `--clusterip=${web.spec.clusterIP}`]);
    assert.notEqual(dupIP.code, 0);
    assert.match(dupIP.stderr, /provided IP is already allocated/);
    const dupPort = c.kubectl(['create', 'service', 'nodeport', 'dup', '-n', NS, '--tcp=80', '--node-port=30080']);
    assert.notEqual(dupPort.code, 0);
    assert.match(dupPort.stderr, /provided port is already allocated/);
    const outside = c.kubectl(['create', 'service', 'clusterip', 'dup', '-n', NS, '--tcp=80', '--clusterip=192.0.2.1']);
    assert.match(outside.stderr, /not in the valid range/);

    // Both web pods ready, then one made not ready: Endpoints and EndpointSlices follow.
    const pods = await eventually(() => {
      const list = (JSON.parse(c.k(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'json'])) as { items: PodObj[] }).items;
      const ready = list.filter((p) => p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
      return ready.length === 2 ? ready : undefined;
    }, 60_000, 500);
    const [first, second] = pods;
    c.k(['exec', '-n', NS, first.metadata.name, '--', 'touch', '/tmp/notready']);
    const ep = await eventually(() => {
      const e = JSON.parse(c.k(['get', 'endpoints', 'web', '-n', NS, '-o', 'json'])) as EndpointsObj;
      const s = e.subsets?.[0];
      return s?.notReadyAddresses?.[0]?.ip === first.status.podIP && s?.addresses?.[0]?.ip === second.status.podIP ? s : undefined;
    }, 30_000, 200);
    assert.equal(ep.ports?.[0].port, 8080, 'the named targetPort resolves to the container port');
    const slices = (JSON.parse(c.k(['get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=web', '-o', 'json'])) as { items: Slice[] }).items;
    assert.equal(slices.length, 1);
    const cond = Object.fromEntries(slices[0].endpoints.map((e) => [e.addresses[0], e.conditions.ready]));
    assert.deepEqual(cond, { [first.status.podIP ?? '']: false, [second.status.podIP ?? '']: true });
    assert.match(c.k(['get', 'endpoints,endpointslices', '-n', NS]), /web/);
  });

  it('resolves Service names from pods and gives them Service variables', async () => {
    const web = svc('web');
    const db0 = await eventually(() => {
      const p = JSON.parse(c.k(['get', 'pod', 'db-0', '-n', NS, '-o', 'json'])) as PodObj;
      return p.status.podIP && p.status.phase === 'Running' ? p : undefined;
    }, 60_000, 500);
    await eventually(() => (JSON.parse(c.k(['get', 'pod', 'client', '-n', NS, '-o', 'json'])) as PodObj).status.phase === 'Running', 60_000, 500);
    // One exec for every lookup (each exec costs a round trip through the API server and the engine).
    const script = [
      'echo "== web"; nslookup web', `echo "== fqdn"; nslookup web.${NS}.svc.cluster.local`, `echo "== ping"; ping -c1 -W1 web.${NS}`,
      `echo "== db"; nslookup db.${NS}.svc.cluster.local`, `echo "== db0"; nslookup db-0.db.${NS}.svc.cluster.local`,
      `echo "== none"; nslookup nothing.${NS}.svc.cluster.local`, 'echo "== env"; env', 'echo "== resolv"; cat /etc/resolv.conf',
    ].join('; ');
    const out = await eventually(() => {
      const sections = Object.fromEntries(exec('client', ['sh', '-c', script]).split('== ').slice(1).map((x) => [x.slice(0, x.indexOf('\n')), x]));
      return sections.db?.includes(db0.status.podIP ?? '-') ? sections : undefined;
    }, 30_000, 500);
    const ip = web.spec.clusterIP.replace(/\./g, '\\.');
    // busybox nslookup also reports the search domains that did not match, so the answer is looked for in its output.
    assert.match(out.web, new RegExp(`Name:\\s+web\\.${NS}\\.svc\\.cluster\\.local\\s+Address:\\s+${ip}\\b`));
    assert.match(out.fqdn, new RegExp(`Address:\\s+${ip}\\b`));
    // busybox nslookup applies the search path only to single-label names; ping resolves through the C library.
    assert.match(out.ping, new RegExp(`\\(${ip}\\)`));
    assert.ok(!out.db.includes(web.spec.clusterIP));
    assert.match(out.db0, new RegExp(`Address:\\s+${db0.status.podIP ?? '-'}\\b`));
    assert.match(out.none, /NXDOMAIN/);
    assert.match(out.env, new RegExp(`^WEB_SERVICE_HOST=${ip}$`, 'm'));
    assert.match(out.env, /^WEB_SERVICE_PORT_HTTP=80$/m);
    assert.match(out.env, new RegExp(`^KUBERNETES_SERVICE_HOST=${svc('kubernetes', 'default').spec.clusterIP}$`, 'm'));
    assert.match(out.resolv, new RegExp(`nameserver ${svc('kube-dns', 'kube-system').spec.clusterIP}\\n.*search ${NS}\\.svc\\.cluster\\.local svc\\.cluster\\.local cluster\\.local[\\s\\S]*ndots:5`));
  });

  it('keeps every allocation across a restart of skiff and hands out new ones without duplicates', async () => {
    const before = Object.fromEntries(['web', 'api'].map((n) => [n, svc(n)]));
    await c.stop();
    c = await startClusterRetrying({ name, dataDir });
    for (const [n, s] of Object.entries(before)) {
      const now = svc(n);
      assert.equal(now.spec.clusterIP, s.spec.clusterIP, n);
      assert.deepEqual(now.spec.ports.map((p) => p.nodePort), s.spec.ports.map((p) => p.nodePort), n);
    }
    const dup = c.kubectl(['create', 'service', 'clusterip', 'again', '-n', NS, '--tcp=80', `--clusterip=${before.web.spec.clusterIP}`]);
    assert.match(dup.stderr, /provided IP is already allocated/);
    c.k(['create', 'service', 'clusterip', 'fresh', '-n', NS, '--tcp=80']);
    const fresh = svc('fresh').spec.clusterIP;
    assert.ok(![before.web.spec.clusterIP, before.api.spec.clusterIP].includes(fresh));
    // Deleting a Service releases its address for a new one that asks for it.
    c.k(['delete', 'service', 'fresh', '-n', NS]);
    c.k(['create', 'service', 'clusterip', 'reuse', '-n', NS, '--tcp=80', `--clusterip=${fresh}`]);
    assert.equal(svc('reuse').spec.clusterIP, fresh);
    // Cluster DNS is back with the restarted process.
    await eventually(() => exec('client', ['nslookup', `reuse.${NS}.svc.cluster.local`]).includes(fresh), 30_000, 500);
  });
});
