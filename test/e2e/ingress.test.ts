// The ingress controller end to end: two Deployments behind two Services, Ingresses by host, wildcard and path,
// 404 and 503, X-Forwarded headers at the pod, TLS from a Secret chosen by SNI, status.loadBalancer, the access log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { eventually, removeDataDir, ROOT, startClusterRetrying, type Cluster } from './harness.js';

let cluster: Cluster;
let httpPort = 0;
let tlsPort = 0;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** busybox httpd serving a distinguishing page, and a CGI script that prints the request's headers. */
function deployment(name: string, files: string): object {
  // Header lines end in CRLF: Node's HTTP parser, which the ingress proxies with, rejects bare LF.
  const cgi = `mkdir -p /www/cgi-bin && printf '#!/bin/sh\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n"\\nenv\\n' > /www/cgi-bin/env && chmod +x /www/cgi-bin/env`;
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: {
      replicas: 1, selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'web', image: 'skiff/busybox:1.36', imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', `${files} && ${cgi} && exec httpd -f -p 8080 -h /www`],
            ports: [{ name: 'web', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
          }],
        },
      },
    },
  };
}

function service(name: string, selector: string, port: { name?: string; port: number; targetPort: number | string }): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: selector }, ports: [{ protocol: 'TCP', ...port }] } };
}

const rule = (host: string, paths: { path: string; pathType: string; service: string; port: number | string }[]): object => ({
  host, http: { paths: paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service: { name: p.service, port: typeof p.port === 'number' ? { number: p.port } : { name: p.port } } } })) },
});

const MANIFESTS = {
  apiVersion: 'v1', kind: 'List', items: [
    deployment('alpha', 'mkdir -p /www && echo alpha > /www/index.html'),
    deployment('beta', 'mkdir -p /www/beta && echo beta-root > /www/index.html && echo beta > /www/beta/index.html'),
    service('alpha', 'alpha', { name: 'http', port: 80, targetPort: 'web' }),
    service('beta', 'beta', { port: 8000, targetPort: 8080 }),
    service('empty', 'nothing-matches', { port: 80, targetPort: 8080 }),
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' },
      spec: {
        ingressClassName: 'skiff',
        tls: [{ hosts: ['secure.test'], secretName: 'secure-tls' }],
        rules: [
          rule('alpha.test', [{ path: '/', pathType: 'Prefix', service: 'alpha', port: 'http' }, { path: '/down', pathType: 'Prefix', service: 'empty', port: 80 }]),
          rule('beta.test', [{ path: '/beta', pathType: 'Prefix', service: 'beta', port: 8000 }, { path: '/exact', pathType: 'Exact', service: 'alpha', port: 80 }]),
          rule('*.wild.test', [{ path: '/', pathType: 'ImplementationSpecific', service: 'beta', port: 8000 }]),
          rule('secure.test', [{ path: '/', pathType: 'Prefix', service: 'alpha', port: 'http' }]),
        ],
      },
    },
    // No class: the default IngressClass, skiff's, serves it.
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'plain' }, spec: { rules: [rule('plain.test', [{ path: '/', pathType: 'Prefix', service: 'beta', port: 8000 }])] } },
  ],
};

/** curl against the ingress; returns the status code and body. */
function curl(args: string[]): { code: number; body: string } {
  const r = spawnSync('curl', ['-s', '--max-time', '10', '-w', '\n%{http_code}', ...args], { encoding: 'utf8', timeout: 20_000 });
  const out = r.stdout ?? '';
  const i = out.lastIndexOf('\n');
  return { code: Number(out.slice(i + 1)), body: out.slice(0, i) };
}

const get = (host: string, path: string): { code: number; body: string } => curl(['-H', `Host: ${host}`, `http://127.0.0.1:${httpPort}${path}`]);

before(async () => {
  httpPort = await freePort();
  tlsPort = await freePort();
  cluster = await startClusterRetrying({ extraArgs: ['--ingress-port', String(httpPort), '--ingress-tls-port', String(tlsPort)] });
  const key = join(cluster.dataDir, 'secure.key');
  const crt = join(cluster.dataDir, 'secure.crt');
  const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', '/CN=secure.test', '-addext', 'subjectAltName=DNS:secure.test'], { encoding: 'utf8' });
  assert.equal(ssl.status, 0, ssl.stderr);
  cluster.k(['create', 'secret', 'tls', 'secure-tls', '--cert', crt, '--key', key]);
  cluster.k(['apply', '-f', '-'], { input: JSON.stringify(MANIFESTS) });
  cluster.k(['wait', '--for=condition=Ready', 'pod', '-l', 'app in (alpha,beta)', '--timeout=60s']);
});

let second: Cluster | undefined;

after(async () => {
  for (const c of [second, cluster]) {
    if (!c) continue;
    await c.stop();
    removeDataDir(c);
  }
});

test('skiff up reports the ingress ports and access log, and creates the default IngressClass skiff', async () => {
  assert.match(cluster.output(), new RegExp(`ingress: +http://127\\.0\\.0\\.1:${httpPort}, https://127\\.0\\.0\\.1:${tlsPort} \\(class "skiff"; access log .*ingress-access\\.log\\)`));
  const cls = await eventually(() => {
    const r = cluster.kubectl(['get', 'ingressclass', 'skiff', '-o', 'json']);
    return r.code === 0 ? JSON.parse(r.stdout) as { spec: { controller: string }; metadata: { annotations: Record<string, string> } } : undefined;
  }, 30_000);
  assert.equal(cls.spec.controller, 'skiff.io/ingress-controller');
  assert.equal(cls.metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true');
});

test('requests are routed by host, wildcard host and path to the right Deployment', async () => {
  await eventually(() => get('alpha.test', '/').body.trim() === 'alpha', 60_000, 250);
  await eventually(() => get('beta.test', '/beta/').body.trim() === 'beta', 30_000, 250);
  assert.equal(get('alpha.test', '/anything/../').body.trim(), 'alpha');
  assert.equal(get('x.wild.test', '/').body.trim(), 'beta-root', 'a wildcard host routes to beta');
  assert.equal(get('plain.test', '/').body.trim(), 'beta-root', 'an Ingress without a class is served by the default class');
  assert.equal(get('beta.test', '/exact').code, 404, 'busybox answers 404 for /exact: the request reached alpha');
  assert.match(get('beta.test', '/exact').body, /404/);
});

test('a request no rule matches is a 404 from the ingress; a backend without endpoints is a 503', () => {
  const miss = get('nobody.test', '/');
  assert.equal(miss.code, 404);
  assert.match(miss.body, /no ingress rule matches host "nobody\.test" and path "\/"/);
  assert.equal(get('a.b.wild.test', '/').code, 404, 'a wildcard covers one label only');
  assert.equal(get('beta.test', '/betamax').code, 404, 'Prefix matches whole path elements');
  const down = get('alpha.test', '/down');
  assert.equal(down.code, 503);
  assert.match(down.body, /service "default\/empty:80" has no ready endpoints/);
});

test('the pod sees X-Forwarded-For/Proto/Host/Port and the original Host', () => {
  const env = get('alpha.test', '/cgi-bin/env');
  assert.equal(env.code, 200, env.body);
  assert.match(env.body, /^HTTP_X_FORWARDED_FOR=127\.0\.0\.1$/m);
  assert.match(env.body, /^HTTP_X_FORWARDED_PROTO=http$/m);
  assert.match(env.body, /^HTTP_X_FORWARDED_HOST=alpha\.test$/m);
  assert.match(env.body, new RegExp(`^HTTP_X_FORWARDED_PORT=${httpPort}$`, 'm'));
  assert.match(env.body, /^HTTP_HOST=alpha\.test$/m);
});

test('HTTPS serves the Secret\'s certificate for its host by SNI', async () => {
  const crt = join(cluster.dataDir, 'secure.crt');
  const tls = (path: string): { code: number; body: string } => curl(['--resolve', `secure.test:${tlsPort}:127.0.0.1`, '--cacert', crt, `https://secure.test:${tlsPort}${path}`]);
  const r = await eventually(() => {
    const x = tls('/');
    return x.code === 200 ? x : undefined;
  }, 30_000, 250);
  assert.equal(r.body.trim(), 'alpha');
  assert.match(tls('/cgi-bin/env').body, /^HTTP_X_FORWARDED_PROTO=https$/m);
  // Another name gets the self-signed default certificate, which the Secret's CA does not vouch for.
  const other = curl(['--resolve', `other.test:${tlsPort}:127.0.0.1`, '--cacert', crt, `https://other.test:${tlsPort}/`]);
  assert.equal(other.code, 0, 'curl rejects the default certificate');
  assert.equal(curl(['-k', '--resolve', `other.test:${tlsPort}:127.0.0.1`, `https://other.test:${tlsPort}/`]).code, 404);
});

test('served Ingresses get status.loadBalancer 127.0.0.1, shown by kubectl get ingress', async () => {
  await eventually(() => cluster.k(['get', 'ingress', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']).trim() === '127.0.0.1', 30_000, 250);
  await eventually(() => cluster.k(['get', 'ingress', 'plain', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']).trim() === '127.0.0.1', 30_000, 250);
  const row = cluster.k(['get', 'ingress', 'web', '--no-headers']).trim();
  assert.match(row, /^web\s+skiff\s+alpha\.test,beta\.test,\*\.wild\.test \+ 1 more\.\.\.\s+127\.0\.0\.1\s+80, 443\s/);
  // Created without a class, it was given the default class on create, as DefaultIngressClass admission does.
  assert.match(cluster.k(['get', 'ingress', 'plain', '--no-headers']), /^plain\s+skiff\s+plain\.test\s+127\.0\.0\.1\s+80\s/);
});

test('each request leaves a line in the access log in the data dir', () => {
  const log = join(cluster.dataDir, 'ingress-access.log');
  assert.ok(existsSync(log));
  const text = readFileSync(log, 'utf8');
  assert.match(text, /"GET \/cgi-bin\/env HTTP\/1\.1" 200 \d+ "curl\/[^"]+" host="alpha\.test" ingress=default\/web backend=default\/alpha:http upstream=\d+\.\d+\.\d+\.\d+:8080/);
  assert.match(text, /"GET \/ HTTP\/1\.1" 404 \d+ .* host="nobody\.test" ingress=- backend=-/);
});

test('a second cluster on the same ingress ports starts anyway, says so in one line and in an event, and keeps serving its API', async () => {
  second = await startClusterRetrying({ extraArgs: ['--storage', 'memory://', '--ingress-port', String(httpPort), '--ingress-tls-port', String(tlsPort)] });
  const s = second;
  assert.match(s.output(), /ingress: +http port busy \(retrying\), https port busy \(retrying\)/);
  assert.match(s.output(), new RegExp(`^skiff: ingress HTTP: cannot listen on 127\\.0\\.0\\.1 port ${httpPort} \\(in use\\); retrying every 5 s$`, 'm'));
  const event = await eventually(() => {
    const list = JSON.parse(s.k(['get', 'events', '-n', 'default', '-o', 'json'])) as { items: { reason: string; type: string; message: string; involvedObject: { kind: string; name: string } }[] };
    return list.items.find((e) => e.reason === 'PortUnavailable' && e.involvedObject.kind === 'IngressClass');
  }, 30_000, 250);
  assert.equal(event.type, 'Warning');
  assert.equal(event.involvedObject.name, 'skiff');
  assert.match(event.message, /cannot listen on 127\.0\.0\.1 port \d+ \(in use\)/);
  assert.equal(s.k(['get', 'ingressclass', 'skiff', '-o', 'jsonpath={.spec.controller}']), 'skiff.io/ingress-controller');
  // The first cluster still owns the ports.
  assert.equal(get('alpha.test', '/').body.trim(), 'alpha');
});

test('an ingress port that is not a number is refused in one line', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/skiff.js'), 'up', '--ingress-port', 'eighty'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'skiff: --ingress-port must be a port number from 0 to 65535, got "eighty"\n');
  const addr = spawnSync(process.execPath, [join(ROOT, 'bin/skiff.js'), 'up', '--ingress-bind-address', 'localhost'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(addr.status, 1);
  assert.equal(addr.stderr, 'skiff: --ingress-bind-address must be an IP address, got "localhost"\n');
});
