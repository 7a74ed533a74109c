// End-to-end: the core kubectl workflow with kubectl 1.27 (v2beta1 discovery), 1.32 and 1.33 (protobuf creates) against one skiff.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, kubectlBinary, removeDataDir, startCluster, type Cluster } from './harness.js';

interface Obj {
  metadata: { name: string; uid: string; resourceVersion: string; labels?: Record<string, string> };
  spec?: { replicas?: number };
  data?: Record<string, string>;
}

let cluster: Cluster;

/** Rows of kubectl's aligned table output keyed by header, cut at the header's column offsets. */
function table(out: string): { header: string[]; rows: Record<string, string>[] } {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const starts: number[] = [];
  const header: string[] = [];
  for (const m of (lines[0] ?? '').matchAll(/\S+/g)) {
    starts.push(m.index ?? 0);
    header.push(m[0]);
  }
  const rows = lines.slice(1).map((line) => Object.fromEntries(header.map((h, i) => [h, line.slice(starts[i], starts[i + 1]).trim()])));
  return { header, rows };
}

for (const version of ['1.27', '1.32', '1.33']) {
  const tag = version.replace('.', '');
  const namespace = `v${tag}`;
  // Each version discovers the server itself: a shared cache would hide a discovery format it cannot read.
  const cacheDir = (): string => join(cluster.dataDir, `kube-cache-${tag}`);
  const k = (...args: string[]): string => cluster.k(['--cache-dir', cacheDir(), ...args], { version });
  const run = (...args: string[]): ReturnType<Cluster['kubectl']> => cluster.kubectl(['--cache-dir', cacheDir(), ...args], { version });
  const ns = ['-n', namespace];
  const getJson = (...args: string[]): Obj => JSON.parse(k('get', ...args, '-o', 'json', ...ns)) as Obj;

  describe(`kubectl ${version}`, { timeout: 120_000 }, () => {
    it('discovers with the format it asks for and creates with generators', () => {
      const discovery = run('get', 'ns', 'default', '-v=8');
      assert.equal(discovery.code, 0, discovery.stderr);
      // 1.27 only understands v2beta1 aggregated discovery; newer clients are answered with v2.
      const wanted = version === '1.27' ? 'v2beta1' : 'v2';
      assert.match(discovery.stderr, new RegExp(`Content-Type: application/json;g=apidiscovery\\.k8s\\.io;v=${wanted};as=APIGroupDiscoveryList`));

      const created = run('create', 'namespace', namespace, '-v=8');
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout, `namespace/${namespace} created\n`);
      // 1.33 sends this create as protobuf, 1.27 as JSON: both must work.
      // 1.33 logs requests as `"Request" verb="POST" url="…"`, older versions as `POST https://…`.
      const sent = /(?:POST |verb="POST" url=")https:\/\/[^\s"]+\/api\/v1\/namespaces\?[\s\S]*?Content-Type: (\S+)/.exec(created.stderr)?.[1];
      assert.equal(sent, version === '1.27' ? 'application/json' : 'application/vnd.kubernetes.protobuf');
      assert.equal(table(k('get', 'ns', namespace)).rows[0].STATUS, 'Active');

      assert.equal(k('create', 'deployment', 'gen', '--image=nginx:1.25', '--replicas=2', ...ns), 'deployment.apps/gen created\n');
      assert.equal(getJson('deploy', 'gen').spec?.replicas, 2);
      assert.equal(k('create', 'configmap', 'cfg', '--from-literal=k=välue', ...ns), 'configmap/cfg created\n');
      assert.deepEqual(getJson('cm', 'cfg').data, { k: 'välue' });
    });

    it('applies, gets (plain and wide), labels, patches and scales', () => {
      const file = join(cluster.dataDir, `deploy-${tag}.yaml`);
      const write = (replicas: number): void => writeFileSync(file, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: "nginx:1.25"}]
`);
      write(1);
      assert.equal(k('apply', '-f', file, ...ns), 'deployment.apps/web created\n');
      assert.equal(k('apply', '-f', file, ...ns), 'deployment.apps/web unchanged\n');
      write(2);
      assert.equal(k('apply', '-f', file, ...ns), 'deployment.apps/web configured\n');
      assert.equal(getJson('deploy', 'web').spec?.replicas, 2);

      const plain = table(k('get', 'deploy', 'web', ...ns));
      assert.deepEqual(plain.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
      assert.deepEqual([plain.rows[0].NAME, plain.rows[0].READY], ['web', '0/2']);
      const wide = table(k('get', 'deploy', 'web', '-o', 'wide', ...ns));
      assert.deepEqual(wide.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
      assert.deepEqual([wide.rows[0].CONTAINERS, wide.rows[0].IMAGES, wide.rows[0].SELECTOR], ['app', 'nginx:1.25', 'app=web']);

      assert.equal(k('label', 'deploy', 'web', 'tier=front', ...ns), 'deployment.apps/web labeled\n');
      assert.deepEqual(getJson('deploy', 'web').metadata.labels, { tier: 'front' });
      assert.equal(table(k('get', 'deploy', '-l', 'tier=front', '--show-labels', ...ns)).rows.map((r) => `${r.NAME} ${r.LABELS}`).join(), 'web tier=front');

      assert.equal(k('patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.26"}]}}}}', ...ns), 'deployment.apps/web patched\n');
      assert.equal(k('patch', 'deploy', 'web', '--type=merge', '-p', '{"spec":{"replicas":4}}', ...ns), 'deployment.apps/web patched\n');
      assert.equal(k('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}', ...ns), '4 nginx:1.26');

      assert.equal(k('scale', 'deploy', 'web', '--replicas=1', ...ns), 'deployment.apps/web scaled\n');
      assert.equal(getJson('deploy', 'web').spec?.replicas, 1);
      assert.match(run('scale', 'deploy', 'web', '--current-replicas=3', '--replicas=2', ...ns).stderr, /Expected replicas to be 3, was 1/);
    });

    it('watches for a short while, then deletes', async () => {
      const child = spawn(kubectlBinary(version), ['--cache-dir', cacheDir(), 'get', 'cm', '-w', '--output-watch-events', '-o', 'json', '--field-selector', 'metadata.name!=kube-root-ca.crt', ...ns], {
        env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: cluster.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        const events = (): string[] => out.split(/\n(?=\{)/).filter((s) => s.trim()).map((s) => {
          const e = JSON.parse(s) as { type: string; object: Obj };
          return `${e.type} ${e.object.metadata.name}`;
        });
        // The existing cfg arrives with the initial list; changes after it are past the watch's resourceVersion.
        await eventually(() => events().includes('ADDED cfg'), 15_000);
        k('create', 'cm', 'watched', ...ns);
        k('label', 'cm', 'watched', 'seen=yes', ...ns);
        assert.equal(k('delete', 'cm', 'watched', ...ns), 'configmap "watched" deleted\n');
        await eventually(() => events().includes('DELETED watched'), 15_000);
        assert.deepEqual(events(), ['ADDED cfg', 'ADDED watched', 'MODIFIED watched', 'DELETED watched']);
      } finally {
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid ?? 0, 'SIGTERM');
        await exited;
      }

      assert.equal(k('delete', 'deploy', 'web', 'gen', ...ns), 'deployment.apps "web" deleted\ndeployment.apps "gen" deleted\n');
      const gone = run('get', 'deploy', 'web', ...ns);
      assert.notEqual(gone.code, 0);
      assert.match(gone.stderr, /deployments\.apps "web" not found/);
    });

    it('explains and answers auth can-i', () => {
      const explain = k('explain', 'deployment.spec');
      assert.match(explain, /KIND: +Deployment/);
      assert.match(explain, /\n {2}replicas\t<integer>\n/);
      assert.equal(k('auth', 'can-i', 'create', 'pods'), 'yes\n');
      assert.equal(k('auth', 'can-i', 'list', 'deployments.apps', ...ns), 'yes\n');
    });
  });
}

before(async () => {
  cluster = await startCluster();
});

after(async () => {
  if (!cluster) return;
  await cluster.stop();
  removeDataDir(cluster);
});
