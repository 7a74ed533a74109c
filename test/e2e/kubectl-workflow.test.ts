// End-to-end: the everyday kubectl 1.32 workflow (create, get, label, patch, apply, delete, watch, explain…) against one real skiff.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { eventually, kubectlBinary, removeDataDir, startCluster, type Cluster } from './harness.js';

interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { uid: string; name: string; kind: string }[];
  managedFields?: { manager: string; operation: string }[];
  deletionTimestamp?: string;
}

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

let cluster: Cluster;

/** Runs kubectl 1.32 and returns stdout, failing the test on a non-zero exit. */
function k(...args: string[]): string {
  return cluster.k(args);
}

/** Runs kubectl expecting it to fail; returns the result for checks on the message. */
function kFails(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = cluster.kubectl(args);
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should have failed:\n${r.stdout}`);
  return r;
}

function getJson(...args: string[]): Obj {
  return JSON.parse(k('get', ...args, '-o', 'json')) as Obj;
}

/** Whether `kubectl get` finds the object (NotFound is the only accepted failure). */
function exists(...args: string[]): boolean {
  const r = cluster.kubectl(['get', ...args, '-o', 'name']);
  if (r.code === 0) return true;
  assert.match(r.stderr, /NotFound/, r.stderr);
  return false;
}

/** Splits kubectl's aligned table output into rows keyed by header, using the header's column offsets. */
function table(out: string): { header: string[]; rows: Record<string, string>[] } {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const headerLine = lines[0] ?? '';
  const starts: number[] = [];
  const header: string[] = [];
  for (const m of headerLine.matchAll(/\S+/g)) {
    starts.push(m.index ?? 0);
    header.push(m[0]);
  }
  const rows = lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    header.forEach((h, i) => {
      row[h] = line.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim();
    });
    return row;
  });
  return { header, rows };
}

function names(out: string): string[] {
  return out.split('\n').filter((l) => l !== '');
}

/** Runs kubectl in the background (for commands that block until something happens) and resolves when it exits. */
function spawnKubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(kubectlBinary('1.32'), ['--cache-dir', join(cluster.dataDir, 'kube-cache'), ...args], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: cluster.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Writes a manifest into the cluster's data dir (removed with it) and returns its path. */
function manifest(file: string, text: string): string {
  const p = join(cluster.dataDir, file);
  writeFileSync(p, text);
  return p;
}

const AGE = /^\d+(s|m\d*s?|h)$/;

function deploymentYaml(name: string, replicas: number, image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: app
        image: ${image}
        ports: [{containerPort: 80}]
`;
}

/** A ReplicaSet owned (by uid) by the Deployment `owner`, standing in for what a deployment controller would make. */
/**
 * A dependent of the Deployment that no controller manages (a ConfigMap), so only the garbage
 * collector decides its fate; the Deployment's own ReplicaSets are governed by its controller.
 */
function ownedChild(ns: string, name: string, owner: Obj): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: {
      name, namespace: ns,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner.metadata.name, uid: owner.metadata.uid, blockOwnerDeletion: true }],
    },
    data: { k: 'v' },
  });
}

describe('kubectl everyday workflow', { timeout: 180_000 }, () => {
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    if (!cluster) return;
    await cluster.stop();
    removeDataDir(cluster);
  });

  it('lists the four system namespaces as Active', () => {
    const t = table(k('get', 'ns'));
    assert.deepEqual(t.header, ['NAME', 'STATUS', 'AGE']);
    for (const ns of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) {
      const row = t.rows.find((r) => r.NAME === ns);
      assert.ok(row, `namespace ${ns} missing from:\n${t.rows.map((r) => r.NAME).join(' ')}`);
      assert.equal(row.STATUS, 'Active');
      assert.match(row.AGE, AGE);
    }
  });

  it('creates with the generators (protobuf bodies) and prints the usual columns', () => {
    assert.equal(k('create', 'namespace', 'wf-create'), 'namespace/wf-create created\n');
    const ns = ['-n', 'wf-create'];
    assert.equal(k('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=2', ...ns), 'deployment.apps/web created\n');
    // Non-ASCII and '=' in values make a protobuf decoder that mishandles lengths or UTF-8 show itself.
    assert.equal(k('create', 'configmap', 'cfg', '--from-literal=greeting=héllo wörld', '--from-literal=expr=a=b', ...ns), 'configmap/cfg created\n');
    assert.equal(k('create', 'secret', 'generic', 'sec', '--from-literal=password=s3cr3t!', ...ns), 'secret/sec created\n');

    // kubectl 1.32 sends these creates as protobuf: prove it so the test covers that path.
    const verbose = cluster.kubectl(['create', 'configmap', 'pb', '--from-literal=a=1', '-v=8', ...ns]);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stderr, /POST https:\/\/\S+\/api\/v1\/namespaces\/wf-create\/configmaps[\s\S]*Content-Type: application\/vnd\.kubernetes\.protobuf/);

    const cm = getJson('cm', 'cfg', ...ns);
    assert.deepEqual(cm.data, { greeting: 'héllo wörld', expr: 'a=b' });
    const sec = getJson('secret', 'sec', ...ns) as Obj & { type: string };
    assert.equal(sec.type, 'Opaque');
    assert.equal(Buffer.from(sec.data?.password ?? '', 'base64').toString('utf8'), 's3cr3t!');
    const dep = getJson('deploy', 'web', ...ns);
    assert.equal(dep.spec?.replicas, 2);
    assert.deepEqual((dep.spec?.selector as { matchLabels: unknown }).matchLabels, { app: 'web' });
    assert.match(dep.metadata.uid, /^[0-9a-f-]{36}$/);

    const d = table(k('get', 'deploy', ...ns));
    assert.deepEqual(d.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    // The Deployment controller makes a ReplicaSet at once; its pods cannot pull nginx here, so none is ready.
    assert.equal(d.rows[0].NAME, 'web');
    assert.equal(d.rows[0].READY, '0/2');
    assert.equal(d.rows[0].AVAILABLE, '0');
    assert.match(d.rows[0]['UP-TO-DATE'] ?? '', /^[0-2]$/);
    const c = table(k('get', 'cm', 'cfg', ...ns));
    assert.deepEqual(c.header, ['NAME', 'DATA', 'AGE']);
    assert.equal(c.rows[0].DATA, '2');
    const s = table(k('get', 'secret', 'sec', ...ns));
    assert.deepEqual(s.header, ['NAME', 'TYPE', 'DATA', 'AGE']);
    assert.deepEqual([s.rows[0].NAME, s.rows[0].TYPE, s.rows[0].DATA], ['sec', 'Opaque', '1']);
    const n = table(k('get', 'ns', 'wf-create'));
    assert.deepEqual(n.header, ['NAME', 'STATUS', 'AGE']);
    assert.equal(n.rows[0].STATUS, 'Active');
    // The default ServiceAccount appears in a new namespace on its own.
    const sa = table(k('get', 'sa', ...ns));
    assert.deepEqual(sa.header, ['NAME', 'SECRETS', 'AGE']);
    assert.deepEqual(sa.rows.map((r) => [r.NAME, r.SECRETS]), [['default', '0']]);

    // Several kinds at once: each block is headed by its own columns and names carry the group.
    const multi = k('get', 'deploy,cm', ...ns);
    assert.match(multi, /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\ndeployment\.apps\/web +0\/2 /);
    assert.match(multi, /\n\nNAME +DATA +AGE\n/);
    assert.match(multi, /\nconfigmap\/cfg +2 +/);
  });

  it('prints yaml, json, wide, name, jsonpath and custom-columns', () => {
    const ns = ['-n', 'wf-out'];
    k('create', 'ns', 'wf-out');
    k('create', 'deployment', 'web', '--image=nginx:1.25', ...ns);
    k('create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=two', ...ns);

    const y = parseYaml(k('get', 'cm', 'cfg', '-o', 'yaml', ...ns)) as Obj;
    assert.equal(y.apiVersion, 'v1');
    assert.equal(y.kind, 'ConfigMap');
    assert.deepEqual(y.data, { a: '1', b: 'two' });
    assert.equal(y.metadata.namespace, 'wf-out');
    assert.match(y.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const j = JSON.parse(k('get', 'deploy', 'web', '-o', 'json', ...ns)) as Obj;
    assert.equal(j.apiVersion, 'apps/v1');
    assert.equal(j.kind, 'Deployment');
    assert.deepEqual(y.metadata.uid, getJson('cm', 'cfg', ...ns).metadata.uid);
    // A list is a v1 List whose items carry their kind.
    const list = JSON.parse(k('get', 'cm', '-o', 'json', ...ns)) as { kind: string; apiVersion: string; items: Obj[] };
    assert.equal(list.kind, 'List');
    assert.ok(list.items.some((i) => i.kind === 'ConfigMap' && i.metadata.name === 'cfg'));

    const wide = table(k('get', 'deploy', '-o', 'wide', ...ns));
    assert.deepEqual(wide.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual([wide.rows[0].CONTAINERS, wide.rows[0].IMAGES, wide.rows[0].SELECTOR], ['nginx', 'nginx:1.25', 'app=web']);

    assert.equal(k('get', 'deploy,cm', '-o', 'name', ...ns).split('\n').filter((l) => l.startsWith('deployment') || l === 'configmap/cfg').join(','), 'deployment.apps/web,configmap/cfg');
    assert.equal(k('get', 'cm', 'cfg', '-o', 'jsonpath={.data.b}', ...ns), 'two');
    assert.equal(k('get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.labels.app}', ...ns), 'nginx:1.25 web');

    const cc = table(k('get', 'cm', 'cfg', '-o', 'custom-columns=NAME:.metadata.name,A:.data.a,B:.data.b,MISSING:.data.zzz', ...ns));
    assert.deepEqual(cc.header, ['NAME', 'A', 'B', 'MISSING']);
    assert.deepEqual(cc.rows, [{ NAME: 'cfg', A: '1', B: 'two', MISSING: '<none>' }]);
  });

  it('selects by label (=, !=, in, notin, exists, !key) and by field', () => {
    const ns = ['-n', 'wf-sel'];
    k('create', 'ns', 'wf-sel');
    for (const n of ['c1', 'c2', 'c3', 'c4']) k('create', 'cm', n, '--from-literal=x=1', ...ns);
    k('label', 'cm', 'c1', 'app=a', ...ns);
    k('label', 'cm', 'c2', 'app=b', ...ns);
    k('label', 'cm', 'c3', 'app=c', 'tier=x', ...ns);
    const sel = (s: string): string[] => names(k('get', 'cm', '-l', s, '-o', 'name', ...ns)).map((l) => l.replace('configmap/', '')).filter((n) => n !== 'kube-root-ca.crt');
    assert.deepEqual(sel('app=a'), ['c1']);
    assert.deepEqual(sel('app!=a'), ['c2', 'c3', 'c4']);
    assert.deepEqual(sel('app in (a,b)'), ['c1', 'c2']);
    assert.deepEqual(sel('app notin (a,b)'), ['c3', 'c4']);
    assert.deepEqual(sel('app'), ['c1', 'c2', 'c3']);
    assert.deepEqual(sel('!app'), ['c4']);
    assert.deepEqual(sel('app,tier=x'), ['c3']);
    assert.deepEqual(sel('app=zzz'), []);
    assert.deepEqual(names(k('get', 'cm', '--field-selector', 'metadata.name=c2', '-o', 'name', ...ns)), ['configmap/c2']);
    assert.ok(!names(k('get', 'cm', '--field-selector', 'metadata.name!=c2', '-o', 'name', ...ns)).includes('configmap/c2'));
    // An unknown field in a field selector is a 400, not an empty list.
    assert.match(kFails('get', 'cm', '--field-selector', 'spec.nope=1', ...ns).stderr, /field label not supported|not a known field selector|BadRequest/);

    const all = table(k('get', 'cm', '-A', '-l', 'app'));
    assert.deepEqual(all.header, ['NAMESPACE', 'NAME', 'DATA', 'AGE']);
    assert.deepEqual(all.rows.map((r) => `${r.NAMESPACE}/${r.NAME}`), ['wf-sel/c1', 'wf-sel/c2', 'wf-sel/c3']);
    const acrossNs = table(k('get', 'sa', '--all-namespaces'));
    for (const n of ['default', 'kube-system', 'wf-sel']) assert.ok(acrossNs.rows.some((r) => r.NAMESPACE === n && r.NAME === 'default'), `no default sa in ${n}`);

    const shown = table(k('get', 'cm', 'c3', '--show-labels', ...ns));
    assert.deepEqual(shown.header, ['NAME', 'DATA', 'AGE', 'LABELS']);
    assert.equal(shown.rows[0].LABELS, 'app=c,tier=x');
    assert.equal(table(k('get', 'cm', 'c4', '--show-labels', ...ns)).rows[0].LABELS, '<none>');
  });

  it('labels (with --overwrite and removal) and annotates', () => {
    const ns = ['-n', 'wf-label'];
    k('create', 'ns', 'wf-label');
    k('create', 'cm', 'cfg', '--from-literal=a=1', ...ns);
    assert.equal(k('label', 'cm', 'cfg', 'tier=web', 'env=prod', ...ns), 'configmap/cfg labeled\n');
    const clash = kFails('label', 'cm', 'cfg', 'tier=db', ...ns);
    assert.match(clash.stderr, /'tier' already has a value \(web\), and --overwrite is false/);
    assert.deepEqual(getJson('cm', 'cfg', ...ns).metadata.labels, { tier: 'web', env: 'prod' });
    k('label', 'cm', 'cfg', 'tier=db', '--overwrite', ...ns);
    assert.deepEqual(getJson('cm', 'cfg', ...ns).metadata.labels, { tier: 'db', env: 'prod' });
    assert.equal(k('label', 'cm', 'cfg', 'env-', ...ns), 'configmap/cfg unlabeled\n');
    assert.deepEqual(getJson('cm', 'cfg', ...ns).metadata.labels, { tier: 'db' });
    // An invalid label value is rejected by the server's validation.
    assert.match(kFails('label', 'cm', 'cfg', 'bad=has space', ...ns).stderr, /invalid|Invalid/);

    assert.equal(k('annotate', 'cm', 'cfg', 'note=hello world', 'owner=team-a', ...ns), 'configmap/cfg annotated\n');
    assert.deepEqual(getJson('cm', 'cfg', ...ns).metadata.annotations, { note: 'hello world', owner: 'team-a' });
    k('annotate', 'cm', 'cfg', 'owner-', ...ns);
    assert.deepEqual(getJson('cm', 'cfg', ...ns).metadata.annotations, { note: 'hello world' });
    const rv = getJson('cm', 'cfg', ...ns).metadata.resourceVersion;
    // Re-labelling with the same value changes nothing, not even the resourceVersion.
    k('label', 'cm', 'cfg', 'tier=db', '--overwrite', ...ns);
    assert.equal(getJson('cm', 'cfg', ...ns).metadata.resourceVersion, rv);
  });

  it('edits through $EDITOR and patches with strategic, merge and json patches', () => {
    const ns = ['-n', 'wf-patch'];
    k('create', 'ns', 'wf-patch');
    k('create', 'cm', 'cfg', '--from-literal=color=blue', ...ns);
    const r = cluster.kubectl(['edit', 'cm', 'cfg', ...ns], { env: { EDITOR: 'sed -i s/color:\\ blue/color:\\ green/', KUBE_EDITOR: '' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'configmap/cfg edited\n');
    assert.deepEqual(getJson('cm', 'cfg', ...ns).data, { color: 'green' });
    // An editor that changes nothing makes kubectl say so and write nothing.
    const noop = cluster.kubectl(['edit', 'cm', 'cfg', ...ns], { env: { EDITOR: 'true', KUBE_EDITOR: '' } });
    assert.equal(noop.code, 0, noop.stderr);
    assert.match(noop.stdout + noop.stderr, /Edit cancelled, no changes made/);

    k('create', 'deployment', 'web', '--image=nginx:1.25', ...ns);
    k('patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}', ...ns);
    // Strategic merge: containers merge by name, so the new one joins the existing one (placed first, as Kubernetes does).
    const containers = (): { name: string; image: string }[] =>
      ((getJson('deploy', 'web', ...ns).spec?.template as { spec: { containers: { name: string; image: string }[] } }).spec.containers);
    assert.deepEqual(containers().map((c) => [c.name, c.image]), [['sidecar', 'busybox'], ['nginx', 'nginx:1.25']]);
    k('patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}', ...ns);
    assert.deepEqual(containers().find((c) => c.name === 'nginx')?.image, 'nginx:1.26');
    assert.equal(containers().length, 2);

    assert.equal(k('patch', 'cm', 'cfg', '--type=merge', '-p', '{"data":{"size":"xl","color":null}}', ...ns), 'configmap/cfg patched\n');
    assert.deepEqual(getJson('cm', 'cfg', ...ns).data, { size: 'xl' });
    k('patch', 'cm', 'cfg', '--type=json', '-p', '[{"op":"add","path":"/data/shape","value":"round"},{"op":"replace","path":"/data/size","value":"s"}]', ...ns);
    assert.deepEqual(getJson('cm', 'cfg', ...ns).data, { size: 's', shape: 'round' });
    assert.equal(k('patch', 'cm', 'cfg', '--type=merge', '-p', '{"data":{"size":"s"}}', ...ns), 'configmap/cfg patched (no change)\n');
    // A failing json-patch test op is rejected and changes nothing.
    kFails('patch', 'cm', 'cfg', '--type=json', '-p', '[{"op":"test","path":"/data/size","value":"xl"},{"op":"remove","path":"/data/size"}]', ...ns);
    assert.deepEqual(getJson('cm', 'cfg', ...ns).data, { size: 's', shape: 'round' });
    // A patch that breaks validation is refused.
    assert.match(kFails('patch', 'deploy', 'web', '--type=merge', '-p', '{"spec":{"replicas":-1}}', ...ns).stderr, /replicas/);
  });

  it('applies: created, unchanged, configured; diff exits 1 then 0; dry-run=server persists nothing', () => {
    const ns = ['-n', 'wf-apply'];
    k('create', 'ns', 'wf-apply');
    const v1 = manifest('apply-v1.yaml', deploymentYaml('api', 1, 'nginx:1.25'));
    const v2 = manifest('apply-v2.yaml', deploymentYaml('api', 3, 'nginx:1.26'));
    assert.equal(k('apply', '-f', v1, ...ns), 'deployment.apps/api created\n');
    const first = getJson('deploy', 'api', ...ns);
    assert.match(first.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '', /"replicas":1/);
    assert.equal(k('apply', '-f', v1, ...ns), 'deployment.apps/api unchanged\n');
    assert.equal(getJson('deploy', 'api', ...ns).metadata.resourceVersion, first.metadata.resourceVersion);

    const diff = cluster.kubectl(['diff', '-f', v2, ...ns]);
    assert.equal(diff.code, 1, `diff should exit 1 with differences: ${diff.stderr}`);
    assert.match(diff.stdout, /^-  replicas: 1$/m);
    assert.match(diff.stdout, /^\+  replicas: 3$/m);
    assert.match(diff.stdout, /^-\s+- image: nginx:1\.25$/m);
    assert.match(diff.stdout, /^\+\s+- image: nginx:1\.26$/m);
    // diff asks the server with a dry run: nothing was stored.
    assert.equal(getJson('deploy', 'api', ...ns).metadata.resourceVersion, first.metadata.resourceVersion);

    assert.equal(k('apply', '-f', v2, ...ns), 'deployment.apps/api configured\n');
    const second = getJson('deploy', 'api', ...ns);
    assert.equal(second.spec?.replicas, 3);
    assert.equal(second.metadata.uid, first.metadata.uid);
    const same = cluster.kubectl(['diff', '-f', v2, ...ns]);
    assert.equal(same.code, 0, `diff should exit 0 without differences:\n${same.stdout}${same.stderr}`);
    assert.equal(same.stdout, '');

    // Removing a field from the manifest removes it from the object (three-way merge via the annotation).
    const v3 = manifest('apply-v3.yaml', deploymentYaml('api', 3, 'nginx:1.26').replace('  labels: {app: api}\n', ''));
    k('apply', '-f', v3, ...ns);
    assert.equal(getJson('deploy', 'api', ...ns).metadata.labels, undefined);

    const dry = manifest('dry.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\ndata:\n  a: "1"\n');
    assert.equal(k('apply', '--dry-run=server', '-f', dry, ...ns), 'configmap/dry created (server dry run)\n');
    assert.equal(exists('cm', 'dry', ...ns), false);
    const dryJson = JSON.parse(k('apply', '--dry-run=server', '-f', dry, '-o', 'json', ...ns)) as Obj;
    assert.deepEqual(dryJson.data, { a: '1' });
    assert.equal(exists('cm', 'dry', ...ns), false);
  });

  it('applies server-side, reports a conflict, then takes the field with --force-conflicts', () => {
    const ns = ['-n', 'wf-ssa'];
    k('create', 'ns', 'wf-ssa');
    const mine = manifest('ssa-mine.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  k: mine\n  only: me\n');
    const theirs = manifest('ssa-theirs.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  k: theirs\n');
    assert.equal(k('apply', '--server-side', '-f', mine, ...ns), 'configmap/shared serverside-applied\n');
    const created = getJson('cm', 'shared', '--show-managed-fields', ...ns);
    // An apply that creates still gets the server-set identity.
    assert.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(created.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.match(table(k('get', 'cm', 'shared', ...ns)).rows[0].AGE, AGE);
    assert.deepEqual(created.metadata.managedFields?.map((m) => [m.manager, m.operation]), [['kubectl', 'Apply']]);
    assert.equal(created.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
    assert.equal(k('apply', '--server-side', '-f', mine, ...ns), 'configmap/shared serverside-applied\n');
    assert.equal(getJson('cm', 'shared', ...ns).metadata.resourceVersion, created.metadata.resourceVersion);

    const conflict = kFails('apply', '--server-side', '--field-manager=other', '-f', theirs, ...ns);
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.data\.k/);
    assert.match(conflict.stderr, /--force-conflicts/);
    assert.deepEqual(getJson('cm', 'shared', ...ns).data, { k: 'mine', only: 'me' });

    assert.equal(k('apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', theirs, ...ns), 'configmap/shared serverside-applied\n');
    const forced = getJson('cm', 'shared', '--show-managed-fields', ...ns);
    assert.deepEqual(forced.data, { k: 'theirs', only: 'me' });
    assert.deepEqual(forced.metadata.managedFields?.map((m) => m.manager).sort(), ['kubectl', 'other']);
    assert.equal(forced.metadata.uid, created.metadata.uid);
  });

  it('scales, with and without --current-replicas', () => {
    const ns = ['-n', 'wf-scale'];
    k('create', 'ns', 'wf-scale');
    k('create', 'deployment', 'web', '--image=nginx', ...ns);
    assert.equal(k('scale', 'deploy', 'web', '--replicas=5', ...ns), 'deployment.apps/web scaled\n');
    assert.equal(getJson('deploy', 'web', ...ns).spec?.replicas, 5);
    assert.match(kFails('scale', 'deploy', 'web', '--current-replicas=2', '--replicas=3', ...ns).stderr, /Expected replicas to be 2, was 5/);
    k('scale', 'deploy', 'web', '--current-replicas=5', '--replicas=0', ...ns);
    assert.equal(k('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}', ...ns), '0');
    assert.equal(table(k('get', 'deploy', 'web', ...ns)).rows[0].READY, '0/0');
  });

  it('deletes with --cascade=foreground, orphan and background', async () => {
    const ns = ['-n', 'wf-cascade'];
    k('create', 'ns', 'wf-cascade');
    const withChild = (name: string): Obj => {
      k('create', 'deployment', name, '--image=nginx', ...ns);
      const owner = getJson('deploy', name, ...ns);
      cluster.k(['apply', '-f', '-'], { input: ownedChild('wf-cascade', `${name}-child`, owner) });
      assert.equal(getJson('cm', `${name}-child`, ...ns).metadata.ownerReferences?.[0]?.uid, owner.metadata.uid);
      return owner;
    };

    withChild('fg');
    // Foreground with --wait returns only once the owner is gone, which needs the child gone first.
    assert.equal(k('delete', 'deploy', 'fg', '--cascade=foreground', '--wait', '--timeout=20s', ...ns), 'deployment.apps "fg" deleted\n');
    assert.equal(exists('deploy', 'fg', ...ns), false);
    assert.equal(exists('cm', 'fg-child', ...ns), false);

    withChild('orph');
    k('delete', 'deploy', 'orph', '--cascade=orphan', '--wait', ...ns);
    assert.equal(exists('deploy', 'orph', ...ns), false);
    await eventually(() => (getJson('cm', 'orph-child', ...ns).metadata.ownerReferences ?? []).length === 0, 10_000);
    // The child stays, and stays orphaned.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(exists('cm', 'orph-child', ...ns), true);

    withChild('bg');
    k('delete', 'deploy', 'bg', '--cascade=background', ...ns);
    assert.equal(exists('deploy', 'bg', ...ns), false);
    await eventually(() => !exists('cm', 'bg-child', ...ns), 10_000);

    // Deleting something that is not there is NotFound; --ignore-not-found makes it quiet.
    assert.match(kFails('delete', 'cm', 'nope', ...ns).stderr, /configmaps "nope" not found/);
    assert.equal(k('delete', 'cm', 'nope', '--ignore-not-found', ...ns), '');
    // Delete by label selector.
    for (const n of ['l1', 'l2', 'l3']) k('create', 'cm', n, ...ns);
    k('label', 'cm', 'l1', 'l2', 'gone=yes', ...ns);
    assert.equal(k('delete', 'cm', '-l', 'gone=yes', ...ns), 'configmap "l1" deleted\nconfigmap "l2" deleted\n');
    assert.deepEqual(names(k('get', 'cm', '-o', 'name', ...ns)).filter((n) => n.startsWith('configmap/l')), ['configmap/l3']);
  });

  it('watches with -w and sees ADDED, MODIFIED and DELETED', async () => {
    const ns = ['-n', 'wf-watch'];
    k('create', 'ns', 'wf-watch');
    k('create', 'cm', 'before', '--from-literal=a=1', ...ns);
    const spawnWatch = (args: string[]) => {
      const child = spawn(kubectlBinary('1.32'), ['--cache-dir', join(cluster.dataDir, 'kube-cache'), ...args], {
        env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: cluster.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      return {
        out: () => out, err: () => err,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) process.kill(child.pid ?? 0, 'SIGTERM');
          await exited;
        },
      };
    };

    const events = spawnWatch(['get', 'cm', '-w', '--output-watch-events', '-o', 'json', '--field-selector', 'metadata.name!=kube-root-ca.crt', ...ns]);
    const rows = spawnWatch(['get', 'cm', '-w', '--field-selector', 'metadata.name!=kube-root-ca.crt', ...ns]);
    try {
      // The initial list arrives first; after it, every later change is past the watch's resourceVersion.
      await eventually(() => events.out().includes('"before"') && rows.out().includes('before'), 15_000);
      k('create', 'cm', 'live', '--from-literal=a=1', ...ns);
      k('label', 'cm', 'live', 'stage=two', ...ns);
      k('delete', 'cm', 'live', ...ns);
      const parse = (): { type: string; object: Obj }[] => {
        // The json printer writes one indented document per event, each starting with a '{' in column 0.
        return events.out().split(/\n(?=\{)/).filter((s) => s.trim()).map((s) => JSON.parse(s) as { type: string; object: Obj });
      };
      await eventually(() => parse().some((e) => e.type === 'DELETED'), 15_000);
      const seen = parse().map((e) => [e.type, e.object.metadata.name, e.object.metadata.labels?.stage ?? '']);
      assert.deepEqual(seen, [['ADDED', 'before', ''], ['ADDED', 'live', ''], ['MODIFIED', 'live', 'two'], ['DELETED', 'live', 'two']]);
      const rvs = parse().slice(1).map((e) => Number(e.object.metadata.resourceVersion));
      assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2], `resourceVersions must grow: ${rvs.join(',')}`);

      await eventually(() => table(rows.out()).rows.length >= 4, 15_000);
      const t = table(rows.out());
      assert.deepEqual(t.header, ['NAME', 'DATA', 'AGE']);
      assert.deepEqual(t.rows.map((r) => [r.NAME, r.DATA]), [['before', '1'], ['live', '1'], ['live', '1'], ['live', '1']]);
    } finally {
      await events.stop();
      await rows.stop();
    }
    assert.equal(events.err().replace(/^Warning.*\n/gm, ''), '');
  });

  it('explains, lists api-resources, shows cluster-info and version, answers auth can-i', () => {
    const explain = k('explain', 'deployment.spec');
    assert.match(explain, /^GROUP: +apps\nKIND: +Deployment\nVERSION: +v1\n/);
    assert.match(explain, /FIELD: +spec <DeploymentSpec>/);
    assert.match(explain, /DESCRIPTION:\n +Specification of the desired behavior of the Deployment\./);
    assert.match(explain, /FIELDS:\n/);
    assert.match(explain, /\n {2}replicas\t<integer>\n +Number of desired pods\./);
    assert.match(explain, /\n {2}selector\t<LabelSelector> -required-\n/);
    assert.match(explain, /\n {2}template\t<PodTemplateSpec> -required-\n/);
    assert.match(k('explain', 'pods.spec.containers.image'), /FIELD: +image <string>/);
    assert.match(kFails('explain', 'deployment.spec.nope').stderr, /field "nope" does not exist/);

    const res = table(k('api-resources'));
    assert.deepEqual(res.header, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    const row = (name: string): Record<string, string> | undefined => res.rows.find((r) => r.NAME === name);
    assert.deepEqual(row('deployments'), { NAME: 'deployments', SHORTNAMES: 'deploy', APIVERSION: 'apps/v1', NAMESPACED: 'true', KIND: 'Deployment' });
    assert.deepEqual(row('namespaces'), { NAME: 'namespaces', SHORTNAMES: 'ns', APIVERSION: 'v1', NAMESPACED: 'false', KIND: 'Namespace' });
    assert.deepEqual(row('configmaps'), { NAME: 'configmaps', SHORTNAMES: 'cm', APIVERSION: 'v1', NAMESPACED: 'true', KIND: 'ConfigMap' });
    assert.deepEqual(row('jobs'), { NAME: 'jobs', SHORTNAMES: '', APIVERSION: 'batch/v1', NAMESPACED: 'true', KIND: 'Job' });
    const apps = names(k('api-resources', '--api-group=apps', '-o', 'name'));
    assert.ok(apps.includes('deployments.apps') && apps.includes('replicasets.apps'), apps.join(' '));
    assert.ok(!apps.includes('configmaps'));

    const info = k('cluster-info');
    assert.ok(info.includes(`Kubernetes control plane is running at ${cluster.url}`), info);

    const version = k('version');
    assert.match(version, /^Client Version: v1\.32\.\d+$/m);
    assert.match(version, /^Server Version: v1\.32\.\d+/m);
    const vj = JSON.parse(k('version', '-o', 'json')) as { serverVersion: { major: string; minor: string; gitVersion: string } };
    assert.equal(vj.serverVersion.major, '1');
    assert.equal(vj.serverVersion.minor, '32');

    assert.equal(k('auth', 'can-i', 'create', 'pods'), 'yes\n');
    assert.equal(k('auth', 'can-i', 'delete', 'deployments', '-n', 'kube-system'), 'yes\n');
    assert.equal(k('get', '--raw', '/readyz'), 'ok');
    assert.equal(k('get', '--raw', '/livez'), 'ok');
    const nsList = JSON.parse(k('get', '--raw', '/api/v1/namespaces')) as { kind: string; items: Obj[] };
    assert.equal(nsList.kind, 'NamespaceList');
    assert.ok(nsList.items.some((n) => n.metadata.name === 'kube-system'));
  });

  it('creates a job, lists get all, and waits on a jsonpath condition', async () => {
    const ns = ['-n', 'wf-job'];
    k('create', 'ns', 'wf-job');
    assert.equal(k('create', 'job', 'once', '--image=busybox', ...ns, '--', 'echo', 'hi'), 'job.batch/once created\n');
    const job = getJson('job', 'once', ...ns);
    const podSpec = (job.spec?.template as { spec: { containers: { command: string[]; image: string }[]; restartPolicy: string } }).spec;
    assert.deepEqual(podSpec.containers[0].command, ['echo', 'hi']);
    assert.equal(podSpec.restartPolicy, 'Never');
    const jt = table(k('get', 'job', ...ns));
    assert.deepEqual(jt.header, ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    assert.equal(jt.rows[0].NAME, 'once');
    assert.equal(jt.rows[0].COMPLETIONS, '0/1');

    k('create', 'deployment', 'web', '--image=nginx', ...ns);
    k('create', 'cm', 'not-in-all', ...ns);
    const all = k('get', 'all', ...ns);
    assert.match(all, /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\ndeployment\.apps\/web +0\/1 /m);
    assert.match(all, /^job\.batch\/once +\S+ +0\/1 /m);
    assert.ok(!all.includes('configmap'), 'configmaps are not in the "all" category');

    // wait returns as soon as the field has the value, and times out with exit 1 when it never does.
    const waiter = spawnKubectl(['wait', 'cm/not-in-all', '--for=jsonpath={.metadata.labels.ready}=yes', '--timeout=20s', ...ns]);
    await new Promise((r) => setTimeout(r, 1000));
    k('label', 'cm', 'not-in-all', 'ready=yes', ...ns);
    const waited = await waiter;
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout, 'configmap/not-in-all condition met\n');
    const timedOut = kFails('wait', 'cm/not-in-all', '--for=jsonpath={.metadata.labels.ready}=no', '--timeout=1s', ...ns);
    assert.match(timedOut.stderr, /timed out waiting for the condition on configmaps\/not-in-all/);
    // wait --for=delete returns when the object goes; a finalizer keeps it until the test lets it go.
    k('patch', 'cm', 'not-in-all', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}', ...ns);
    k('delete', 'cm', 'not-in-all', '--wait=false', ...ns);
    const deleteWaiter = spawnKubectl(['wait', '--for=delete', 'cm/not-in-all', '--timeout=20s', ...ns]);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(exists('cm', 'not-in-all', ...ns), true);
    k('patch', 'cm', 'not-in-all', '--type=merge', '-p', '{"metadata":{"finalizers":null}}', ...ns);
    const deleted = await deleteWaiter;
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'configmap/not-in-all condition met\n');
    assert.equal(exists('cm', 'not-in-all', ...ns), false);
  });

  it('deletes a namespace: Terminating while content remains, then it and its content are gone', async () => {
    k('create', 'ns', 'wf-del');
    const ns = ['-n', 'wf-del'];
    k('create', 'deployment', 'web', '--image=nginx', ...ns);
    k('create', 'secret', 'generic', 'sec', '--from-literal=a=b', ...ns);
    // A finalizer nobody removes holds the namespace in Terminating, so that state can be seen for sure.
    k('apply', '-f', manifest('held.json', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'wf-del', finalizers: ['example.com/hold'] } })));
    assert.equal(k('delete', 'ns', 'wf-del', '--wait=false'), 'namespace "wf-del" deleted\n');
    const t = table(k('get', 'ns', 'wf-del'));
    assert.equal(t.rows[0].STATUS, 'Terminating');
    // Everything else is removed while the held object waits for its finalizer.
    await eventually(() => !exists('deploy', 'web', ...ns) && !exists('secret', 'sec', ...ns), 15_000);
    const held = getJson('cm', 'held', ...ns);
    assert.ok(held.metadata.deletionTimestamp, 'the held object is marked for deletion');
    // Nothing new may be created in a terminating namespace.
    const refused = kFails('create', 'cm', 'late', ...ns);
    assert.match(refused.stderr, /configmaps "late" is forbidden: unable to create new content in namespace wf-del because it is being terminated/);
    assert.equal(table(k('get', 'ns', 'wf-del')).rows[0].STATUS, 'Terminating');

    k('patch', 'cm', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]', ...ns);
    await eventually(() => !exists('ns', 'wf-del'), 15_000);
    assert.match(k('get', 'cm', '-n', 'wf-del', '-o', 'name') + cluster.kubectl(['get', 'cm', '-n', 'wf-del']).stderr, /No resources found in wf-del namespace/);

    // A plain delete (waiting by default) of a namespace with content returns once it is gone.
    k('create', 'ns', 'wf-del2');
    k('create', 'cm', 'c', '-n', 'wf-del2');
    assert.equal(k('delete', 'ns', 'wf-del2', '--timeout=20s'), 'namespace "wf-del2" deleted\n');
    assert.equal(exists('ns', 'wf-del2'), false);
  });

  it('pages with --chunk-size=2 over 5 configmaps', () => {
    const ns = ['-n', 'wf-page'];
    k('create', 'ns', 'wf-page');
    for (let i = 1; i <= 5; i++) k('create', 'cm', `p${i}`, `--from-literal=i=${i}`, ...ns);
    const r = cluster.kubectl(['get', 'cm', '--chunk-size=2', '-v=6', '-l', '!nothing', '--field-selector', 'metadata.name!=kube-root-ca.crt', ...ns]);
    assert.equal(r.code, 0, r.stderr);
    const t = table(r.stdout);
    assert.deepEqual(t.header, ['NAME', 'DATA', 'AGE']);
    assert.deepEqual(t.rows.map((row) => row.NAME), ['p1', 'p2', 'p3', 'p4', 'p5']);
    const gets = r.stderr.split('\n').filter((l) => /GET https:\/\/\S+\/api\/v1\/namespaces\/wf-page\/configmaps\?/.test(l));
    assert.equal(gets.length, 3, `expected 3 pages:\n${gets.join('\n')}`);
    assert.ok(!gets[0].includes('continue='));
    assert.ok(gets[1].includes('continue=') && gets[2].includes('continue='));
    const j = JSON.parse(k('get', 'cm', '--chunk-size=2', '-o', 'json', '--field-selector', 'metadata.name!=kube-root-ca.crt', ...ns)) as { items: Obj[] };
    assert.deepEqual(j.items.map((i) => i.data?.i), ['1', '2', '3', '4', '5']);
  });
});
