// Real kubectl binaries against a loopback server: explain renders our schemas and apply gets fieldValidation=Strict.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { FakeAPIServer } from './fake-apiserver.js';
import { startFakeAPIServer } from './fake-apiserver.js';

const run = promisify(execFile);

/** The versioned binaries live beside the real target of `kubectl`; the `kubectl` on PATH may be a dispatcher. */
function kubectlDir(): string {
  const found = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  assert.ok(found, 'kubectl is not on PATH');
  return dirname(realpathSync(found));
}

describe('kubectl against the OpenAPI documents', () => {
  let server: FakeAPIServer;
  let dir: string;
  let bin: string;

  before(async () => {
    bin = kubectlDir();
    server = await startFakeAPIServer();
    dir = mkdtempSync(join(tmpdir(), 'skiff-openapi-'));
    writeFileSync(join(dir, 'kubeconfig'), [
      'apiVersion: v1', 'kind: Config', 'current-context: skiff', 'preferences: {}',
      'clusters:', `- name: skiff`, '  cluster:', `    server: ${server.url}`,
      'users:', '- name: skiff', '  user: {}',
      'contexts:', '- name: skiff', '  context: {cluster: skiff, user: skiff, namespace: default}', '',
    ].join('\n'));
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function kubectl(version: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    const path = join(bin, `kubectl.${version}`);
    assert.ok(existsSync(path), `${path} is missing`);
    const env = { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: join(dir, 'kubeconfig') };
    try {
      const { stdout, stderr } = await run(path, [...args, '--cache-dir', join(dir, `cache-${version}`)], { env, timeout: 60_000 });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
    }
  }

  it('kubectl 1.27 explains deployment.spec with descriptions and types', async () => {
    const r = await kubectl('1.27', ['explain', 'deployment.spec']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /GROUP:\s+apps/);
    assert.match(r.stdout, /KIND:\s+Deployment/);
    assert.match(r.stdout, /FIELD: spec <DeploymentSpec>/);
    assert.match(r.stdout, /replicas\t<integer>/);
    assert.match(r.stdout, /selector\t<LabelSelector> -required-/);
    assert.match(r.stdout, /template\t<PodTemplateSpec> -required-/);
    assert.match(r.stdout, /Number of desired pods/);
    assert.ok(server.requests.some((q) => q.url.startsWith('/openapi/v3/apis/apps/v1?hash=')), 'v3 document fetched by hash');
  });

  it('kubectl 1.33 explains pod.spec.containers.image', async () => {
    const r = await kubectl('1.33', ['explain', 'pod.spec.containers.image']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /KIND:\s+Pod/);
    assert.match(r.stdout, /FIELD: image <string>/);
    assert.match(r.stdout, /Container image name/);
  });

  it('kubectl 1.32 explains pod.spec.containers as a list of Container', async () => {
    const r = await kubectl('1.32', ['explain', 'pod.spec.containers']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /FIELD: containers <\[\]Container>/);
    assert.match(r.stdout, /name\t<string> -required-/);
    assert.match(r.stdout, /resources\t<ResourceRequirements>/);
  });

  it('kubectl 1.32 explains svc --recursive down to IntOrString and Time', async () => {
    const r = await kubectl('1.32', ['explain', 'svc', '--recursive']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /KIND:\s+Service/);
    assert.match(r.stdout, /\n {4}ports\t<\[\]ServicePort>/);
    assert.match(r.stdout, /\n {6}targetPort\t<IntOrString>/);
    assert.match(r.stdout, /creationTimestamp\t<string>/);
    assert.match(r.stdout, /labels\t<map\[string\]string>/);
  });

  it('kubectl 1.32 apply --dry-run=server sends fieldValidation=Strict', async () => {
    const file = join(dir, 'deploy.yaml');
    writeFileSync(file, DEPLOYMENT);
    const before = server.requests.length;
    const r = await kubectl('1.32', ['apply', '-f', file, '--dry-run=server']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment.apps\/web created \(server dry run\)/);
    const post = server.requests.slice(before).find((q) => q.method === 'POST');
    assert.ok(post, 'no POST was sent');
    const q = new URL(post.url, server.url).searchParams;
    assert.equal(q.get('fieldValidation'), 'Strict');
    assert.equal(q.get('dryRun'), 'All');
  });

  it('kubectl 1.32 apply reports the unknown field the server rejects', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, DEPLOYMENT.replace('replicas: 2', 'replicasx: 2'));
    const r = await kubectl('1.32', ['apply', '-f', file, '--dry-run=server']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /strict decoding error: unknown field "spec.replicasx"/);
  });

  it('kubectl 1.27 renders the protobuf v2 document with its old explain output', async () => {
    const r = await kubectl('1.27', ['explain', 'svc.spec.ports', '--output=plaintext-openapiv2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /RESOURCE: ports <\[\]Object>/);
    assert.match(r.stdout, /targetPort\t<string>/);
    assert.match(r.stdout, /The port that will be exposed by this service/);
  });

  it('kubectl 1.27 apply --dry-run=server sends fieldValidation=Strict', async () => {
    const file = join(dir, 'deploy127.yaml');
    writeFileSync(file, DEPLOYMENT);
    const before = server.requests.length;
    const r = await kubectl('1.27', ['apply', '-f', file, '--dry-run=server']);
    assert.equal(r.code, 0, r.stderr);
    const post = server.requests.slice(before).find((q) => q.method === 'POST');
    assert.ok(post, 'no POST was sent');
    assert.equal(new URL(post.url, server.url).searchParams.get('fieldValidation'), 'Strict');
  });

  it('kubectl asks /openapi/v2 for protobuf only', () => {
    const v2 = server.requests.filter((q) => q.url.startsWith('/openapi/v2'));
    assert.ok(v2.length > 0);
    for (const q of v2) assert.match(q.accept, /^application\/com\.github\.proto-openapi\.spec\.v2@v1\.0\+protobuf/);
  });
});

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
        resources:
          limits: {cpu: 100m, memory: 64Mi}
`;
