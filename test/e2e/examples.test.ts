/** End-to-end: every manifest under examples/ is applied, re-applied, printed, read back and deleted with real kubectl. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { api, kubectlBinary, removeDataDir, ROOT, startCluster, type Cluster, type KubectlResult } from './harness.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Doc {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  body: JsonObject;
}

interface Example {
  /** Path under examples/, as README.md lists it. */
  rel: string;
  path: string;
  docs: Doc[];
}

const EXAMPLES = join(ROOT, 'examples');

/** The header `kubectl get` prints per kind (server-side table columns). */
const HEADERS: Record<string, string[]> = {
  Deployment: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
  DaemonSet: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
  Service: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
  Job: ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'],
  CronJob: ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'],
  Pod: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
  ConfigMap: ['NAME', 'DATA', 'AGE'],
  Secret: ['NAME', 'TYPE', 'DATA', 'AGE'],
  Role: ['NAME', 'CREATED AT'],
  ClusterRole: ['NAME', 'CREATED AT'],
  RoleBinding: ['NAME', 'ROLE', 'AGE'],
  ClusterRoleBinding: ['NAME', 'ROLE', 'AGE'],
};

/**
 * Files whose re-apply is `configured`, with why: kubectl diffs the file against the stored object, and these files
 * carry a value the server never stores verbatim (a real cluster answers the same way).
 */
const RESTATED_ON_REAPPLY = new Map<string, string>([
  ['seeds/kuard-deployment-exported.yaml', 'metadata.creationTimestamp: null never equals the stored creation time'],
  ['seeds/kuard-pod-with-nfs-and-probes.yaml', 'limits cpu "1000m" is stored in canonical form as "1"'],
]);

/** Warnings skiff owes the user on create (fields it stores but cannot act on); every other create must be silent. */
const CREATE_WARNINGS = new Map<string, string[]>([
  ['seeds/kuard-pod-with-nfs-and-probes.yaml', ['Warning: spec.volumes[0].nfs: volume type not supported by skiff']],
]);

/** Folders under examples/ that configure other tools (Prometheus) rather than hold Kubernetes manifests. */
const NOT_MANIFESTS = new Set(['prometheus']);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (NOT_MANIFESTS.has(e.name) ? [] : walk(join(dir, e.name))) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []);
}

function loadExamples(): Example[] {
  return walk(EXAMPLES).sort().map((path) => {
    const rel = relative(EXAMPLES, path);
    const docs = parseAllDocuments(readFileSync(path, 'utf8')).map((d, i) => {
      assert.deepEqual(d.errors.map(String), [], `${rel} document ${i} is not valid YAML`);
      // Through JSON so the value has the shape kubectl sends (no YAML-only types).
      const body = JSON.parse(JSON.stringify(d.toJS())) as JsonObject;
      const meta = (body.metadata ?? {}) as JsonObject;
      return {
        apiVersion: String(body.apiVersion), kind: String(body.kind), name: String(meta.name ?? ''),
        namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined, body,
      };
    });
    return { rel, path, docs };
  });
}

/** `kind.group/name`, the reference kubectl prints for apply results. */
function ref(d: Doc): string {
  const group = d.apiVersion.includes('/') ? `.${d.apiVersion.split('/')[0]}` : '';
  return `${d.kind.toLowerCase()}${group}/${d.name}`;
}

function get(obj: Json | undefined, path: string): Json | undefined {
  let cur: Json | undefined = obj;
  for (const p of path.split('.')) {
    if (Array.isArray(cur)) cur = /^\d+$/.test(p) ? cur[Number(p)] : undefined;
    else if (cur !== null && typeof cur === 'object') cur = cur[p];
    else return undefined;
  }
  return cur;
}

function asObject(v: Json | undefined): JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function asArray(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}

/** A resource quantity in base units, so `1000m` and `1` compare equal. */
function quantity(v: Json): number | undefined {
  const m = /^([+-]?\d+(?:\.\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(String(v));
  if (!m) return undefined;
  const scale: Record<string, number> = {
    '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  };
  return Number(m[1]) * scale[m[2] ?? ''];
}

/**
 * Paths where the stored object does not carry what the manifest says. `exact` is kubectl's view (a null or `{}` in
 * the file must be stored as such, quantities must match as text); otherwise nulls mean unset, an empty map may
 * be omitted and quantities compare by value.
 */
function differences(want: Json, got: Json | undefined, exact: boolean, path = '', inResources = false): string[] {
  if (want === null) return !exact || got === null ? [] : [`${path}: file says null, stored ${JSON.stringify(got)}`];
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return [`${path}: file has ${JSON.stringify(want)}, stored ${JSON.stringify(got)}`];
    return want.flatMap((w, i) => differences(w, got[i], exact, `${path}[${i}]`, inResources));
  }
  if (typeof want === 'object') {
    if (got === undefined && !exact && Object.keys(want).length === 0) return [];
    if (got === null || typeof got !== 'object' || Array.isArray(got)) return [`${path}: file has an object, stored ${JSON.stringify(got)}`];
    return Object.entries(want).flatMap(([k, w]) =>
      differences(w, got[k], exact, path ? `${path}.${k}` : k, inResources || k === 'limits' || k === 'requests'));
  }
  if (inResources && !exact && quantity(want) !== undefined && got !== undefined && got !== null && quantity(got) === quantity(want)) return [];
  return want === got ? [] : [`${path}: file has ${JSON.stringify(want)}, stored ${JSON.stringify(got)}`];
}

/** Collects failed expectations about defaults so that one assertion reports them all. */
class Expect {
  readonly problems: string[] = [];
  constructor(private readonly obj: Json) {}
  at(path: string, want: Json): void {
    const got = get(this.obj, path);
    if (JSON.stringify(got) !== JSON.stringify(want)) this.problems.push(`${path}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
}

/** Kubernetes' pull policy default: Always for `:latest` or no tag, otherwise IfNotPresent. */
function pullPolicyFor(image: string): string {
  const lastPart = image.split('/').pop() ?? image;
  const tag = lastPart.includes('@') ? 'digest' : lastPart.split(':')[1];
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function podSpecDefaults(e: Expect, at: string, file: JsonObject): void {
  e.at(`${at}.restartPolicy`, file.restartPolicy ?? 'Always');
  e.at(`${at}.dnsPolicy`, file.dnsPolicy ?? 'ClusterFirst');
  e.at(`${at}.schedulerName`, 'default-scheduler');
  e.at(`${at}.terminationGracePeriodSeconds`, 30);
  e.at(`${at}.securityContext`, file.securityContext ?? {});
  asArray(file.containers).forEach((raw, i) => {
    const c = asObject(raw);
    const p = `${at}.containers.${i}`;
    e.at(`${p}.imagePullPolicy`, c.imagePullPolicy ?? pullPolicyFor(String(c.image)));
    e.at(`${p}.terminationMessagePath`, '/dev/termination-log');
    e.at(`${p}.terminationMessagePolicy`, 'File');
    asArray(c.ports).forEach((port, j) => e.at(`${p}.ports.${j}.protocol`, asObject(port).protocol ?? 'TCP'));
    for (const probe of ['livenessProbe', 'readinessProbe']) {
      if (!c[probe]) continue;
      e.at(`${p}.${probe}.successThreshold`, 1);
      e.at(`${p}.${probe}.failureThreshold`, get(c, `${probe}.failureThreshold`) ?? 3);
      e.at(`${p}.${probe}.periodSeconds`, get(c, `${probe}.periodSeconds`) ?? 10);
      e.at(`${p}.${probe}.timeoutSeconds`, get(c, `${probe}.timeoutSeconds`) ?? 1);
      if (get(c, `${probe}.httpGet`)) e.at(`${p}.${probe}.httpGet.scheme`, 'HTTP');
    }
  });
  asArray(file.volumes).forEach((raw, i) => {
    const v = asObject(raw);
    if (v.configMap) e.at(`${at}.volumes.${i}.configMap.defaultMode`, 420);
    if (v.secret) e.at(`${at}.volumes.${i}.secret.defaultMode`, 420);
    if (v.hostPath) e.at(`${at}.volumes.${i}.hostPath.type`, get(v, 'hostPath.type') ?? '');
  });
}

/** Kubernetes' QoS class from the containers' requests and limits. */
function qosClass(spec: JsonObject): string {
  const containers = asArray(spec.containers).map(asObject);
  const resources = containers.map((c) => asObject(c.resources));
  if (resources.every((r) => Object.keys(asObject(r.requests)).length === 0 && Object.keys(asObject(r.limits)).length === 0)) return 'BestEffort';
  const guaranteed = resources.every((r) => ['cpu', 'memory'].every((k) => {
    const limit = asObject(r.limits)[k];
    const request = asObject(r.requests)[k] ?? limit;
    return limit !== undefined && request !== undefined && quantity(limit) === quantity(request);
  }));
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The fields Kubernetes fills in on create, per kind. */
function defaultProblems(d: Doc, stored: JsonObject): string[] {
  const e = new Expect(stored);
  const f = d.body;
  const spec = asObject(f.spec);
  e.at('metadata.name', d.name);
  for (const k of ['metadata.uid', 'metadata.resourceVersion', 'metadata.creationTimestamp']) {
    if (typeof get(stored, k) !== 'string' || get(stored, k) === '') e.problems.push(`${k}: not set by the server`);
  }
  const text = asObject(get(stored, 'metadata.annotations'))['kubectl.kubernetes.io/last-applied-configuration'];
  if (typeof text !== 'string') e.problems.push('metadata.annotations: no last-applied-configuration');
  else e.problems.push(...differences(f, JSON.parse(text) as Json, false).map((p) => `last-applied ${p}`));
  switch (d.kind) {
    case 'Deployment':
      e.at('spec.replicas', spec.replicas ?? 1);
      e.at('spec.strategy.type', 'RollingUpdate');
      e.at('spec.strategy.rollingUpdate.maxSurge', '25%');
      e.at('spec.strategy.rollingUpdate.maxUnavailable', '25%');
      e.at('spec.revisionHistoryLimit', 10);
      e.at('spec.progressDeadlineSeconds', 600);
      podSpecDefaults(e, 'spec.template.spec', asObject(get(f, 'spec.template.spec')));
      break;
    case 'DaemonSet':
      e.at('spec.updateStrategy.type', 'RollingUpdate');
      e.at('spec.updateStrategy.rollingUpdate.maxUnavailable', 1);
      e.at('spec.updateStrategy.rollingUpdate.maxSurge', 0);
      e.at('spec.revisionHistoryLimit', 10);
      podSpecDefaults(e, 'spec.template.spec', asObject(get(f, 'spec.template.spec')));
      break;
    case 'Job': {
      const uid = get(stored, 'metadata.uid') ?? null;
      e.at('spec.backoffLimit', spec.backoffLimit ?? 6);
      e.at('spec.completions', 1);
      e.at('spec.parallelism', 1);
      e.at('spec.completionMode', 'NonIndexed');
      e.at('spec.suspend', false);
      e.at('spec.podReplacementPolicy', 'TerminatingOrFailed');
      e.at('spec.selector.matchLabels', { 'batch.kubernetes.io/controller-uid': uid });
      const labels = asObject(get(stored, 'spec.template.metadata.labels'));
      if (labels['batch.kubernetes.io/job-name'] !== d.name || labels['batch.kubernetes.io/controller-uid'] !== uid) {
        e.problems.push(`spec.template.metadata.labels: want the job-name and controller-uid labels, got ${JSON.stringify(labels)}`);
      }
      podSpecDefaults(e, 'spec.template.spec', asObject(get(f, 'spec.template.spec')));
      break;
    }
    case 'CronJob':
      e.at('spec.concurrencyPolicy', spec.concurrencyPolicy ?? 'Allow');
      e.at('spec.suspend', false);
      e.at('spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit ?? 3);
      e.at('spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit ?? 1);
      podSpecDefaults(e, 'spec.jobTemplate.spec.template.spec', asObject(get(f, 'spec.jobTemplate.spec.template.spec')));
      break;
    case 'Pod':
      podSpecDefaults(e, 'spec', spec);
      e.at('spec.serviceAccountName', 'default');
      e.at('spec.enableServiceLinks', true);
      e.at('spec.priority', 0);
      // Pending on create; a node may already have moved it on, so only its presence is a server default.
      if (!['Pending', 'Running', 'Succeeded', 'Failed'].includes(String(get(stored, 'status.phase')))) e.problems.push(`status.phase: ${JSON.stringify(get(stored, 'status.phase'))}`);
      e.at('status.qosClass', qosClass(spec));
      break;
    case 'Service': {
      const type = spec.type ?? 'ClusterIP';
      e.at('spec.type', type);
      e.at('spec.sessionAffinity', 'None');
      e.at('spec.ipFamilies', ['IPv4']);
      e.at('spec.ipFamilyPolicy', 'SingleStack');
      e.at('spec.internalTrafficPolicy', 'Cluster');
      asArray(spec.ports).forEach((raw, i) => {
        const port = asObject(raw);
        e.at(`spec.ports.${i}.protocol`, port.protocol ?? 'TCP');
        e.at(`spec.ports.${i}.targetPort`, port.targetPort ?? port.port ?? null);
      });
      if (type === 'LoadBalancer') {
        e.at('spec.externalTrafficPolicy', 'Cluster');
        e.at('spec.allocateLoadBalancerNodePorts', true);
      }
      break;
    }
    case 'Secret':
      e.at('type', f.type ?? 'Opaque');
      break;
    default:
      break;
  }
  return e.problems;
}

/** Runs kubectl without blocking the event loop, so several example files are checked at once. */
function kubectl(c: Cluster, args: string[], version = '1.32', input?: string): Promise<KubectlResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(kubectlBinary(version), ['--cache-dir', join(c.dataDir, 'kube-cache'), ...args], {
      env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

function show(args: string[], r: KubectlResult): string {
  return `kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

async function ok(c: Cluster, args: string[], version = '1.32'): Promise<KubectlResult> {
  const r = await kubectl(c, args, version);
  assert.equal(r.code, 0, show(args, r));
  return r;
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

/** Namespace for a file whose manifests name none, so same-named examples do not meet. */
function namespaceFor(e: Example): string | undefined {
  if (e.docs.every((d) => d.namespace)) return undefined;
  return `ex-${e.rel.replace(/\.ya?ml$/, '').replace(/[^a-z0-9]+/g, '-')}`;
}

function namespaceArgs(e: Example, ns = namespaceFor(e)): string[] {
  return ns ? ['-n', ns] : [];
}

/** The kinds listed under "Kinds skiff does not serve" in examples/README.md, as `apiVersion kind`. */
function unservedInReadme(readme: string): Set<string> {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Kinds skiff does not serve')) ?? '';
  return new Set([...section.matchAll(/^- `([A-Za-z]+)` \(`([^`]+)`\)/gm)].map((m) => `${m[2]} ${m[1]}`));
}

/** Whether the server's discovery offers this kind at this apiVersion. */
async function served(c: Cluster, apiVersion: string, kind: string): Promise<boolean> {
  const r = await api(c, 'GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
  if (r.status === 404) return false;
  assert.equal(r.status, 200, `discovery of ${apiVersion}: ${r.body}`);
  const list = JSON.parse(r.body) as { resources?: { name: string; kind: string }[] };
  return (list.resources ?? []).some((res) => res.kind === kind && !res.name.includes('/'));
}

const examples = loadExamples();
const readme = readFileSync(join(EXAMPLES, 'README.md'), 'utf8');
const unserved = unservedInReadme(readme);
const isServed = (d: Doc): boolean => !unserved.has(`${d.apiVersion} ${d.kind}`);
let cluster: Cluster;

before(async () => {
  cluster = await startCluster();
  // One call first fills the discovery cache that the parallel calls then share.
  await ok(cluster, ['api-resources']);
  const namespaces = new Set<string>();
  for (const e of examples) {
    const ns = namespaceFor(e);
    if (ns) namespaces.add(ns);
    for (const d of e.docs) if (d.namespace && d.namespace !== 'default') namespaces.add(d.namespace);
  }
  const list = [...namespaces].map((n) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${n}\n`).join('---\n');
  const r = await kubectl(cluster, ['create', '-f', '-'], '1.32', list);
  assert.equal(r.code, 0, show(['create', '-f', '-'], r));
});

after(async () => {
  if (!cluster) return;
  await cluster.stop();
  removeDataDir(cluster);
});

test('examples/ is what README.md says it is', async () => {
  assert.ok(examples.length >= 25, `only ${examples.length} example files found`);
  for (const e of examples) {
    assert.ok(readme.includes(`\`${e.rel}\``), `examples/README.md does not list ${e.rel}`);
    assert.match(readFileSync(e.path, 'utf8'), /^# \S/, `${e.rel} must start with a comment line`);
    if (e.rel.startsWith('seeds/')) assert.match(readFileSync(e.path, 'utf8'), /^# From \d{3}_[0-9a-f]{16}\.txt /, `${e.rel} must name its document`);
    assert.ok(e.docs.length > 0, `${e.rel} has no manifest`);
    for (const d of e.docs) assert.ok(d.apiVersion && d.kind, `${e.rel}: a document without apiVersion/kind`);
    // -n and a namespace in the file cannot be combined, so a file must be all one or the other.
    assert.ok(e.docs.every((d) => d.namespace) || e.docs.every((d) => !d.namespace), `${e.rel} mixes namespaced and unnamespaced manifests`);
  }
  // The README's list of unserved kinds must match what the server's discovery really offers.
  const kinds = new Map<string, Doc>(examples.flatMap((e) => e.docs.map((d): [string, Doc] => [`${d.apiVersion} ${d.kind}`, d])));
  assert.ok(unserved.size > 0, 'the README lists no unserved kinds, but the seeds contain an ABAC Policy');
  for (const [key, d] of kinds) {
    assert.equal(await served(cluster, d.apiVersion, d.kind), isServed(d), `${key}: README and discovery disagree`);
  }
  for (const key of unserved) assert.ok(kinds.has(key), `README lists ${key}, which no example uses`);
});

test('kubectl 1.32: every example applies, re-applies unchanged, prints, round-trips and deletes', { concurrency: 4, timeout: 240_000 }, async (t) => {
  await Promise.all(examples.map((e) => t.test(e.rel, async () => {
    const ns = namespaceArgs(e);
    const file = ['-f', e.path, ...ns];

    if (!e.docs.every(isServed)) {
      assert.ok(e.docs.every((d) => !isServed(d)), `${e.rel} mixes served and unserved kinds`);
      for (const verb of [['apply'], ['get']]) {
        const r = await kubectl(cluster, [...verb, ...file]);
        assert.notEqual(r.code, 0, show([...verb, ...file], r));
        for (const d of e.docs) assert.ok(r.stderr.includes(`no matches for kind "${d.kind}" in version "${d.apiVersion}"`), show([...verb, ...file], r));
      }
      return;
    }

    const first = await ok(cluster, ['apply', ...file]);
    assert.deepEqual(lines(first.stdout), e.docs.map((d) => `${ref(d)} created`));
    const warnings = lines(first.stderr);
    const owed = CREATE_WARNINGS.get(e.rel) ?? [];
    assert.equal(warnings.length, owed.length, `unexpected warnings on create: ${first.stderr}`);
    for (const w of owed) assert.ok(warnings.some((l) => l.startsWith(w)), `missing warning ${w}: ${first.stderr}`);

    // Read back before the re-apply, so a surprise there can be explained by what the server stored.
    const yamlOut = (await ok(cluster, ['get', ...file, '-o', 'yaml'])).stdout;
    const top = parse(yamlOut) as JsonObject;
    const items = (top.kind === 'List' ? asArray(top.items) : [top]).map(asObject);
    const restated: string[] = [];
    for (const d of e.docs) {
      const stored = items.find((o) => o.kind === d.kind && get(o, 'metadata.name') === d.name);
      assert.ok(stored, `${d.kind} ${d.name} missing from -o yaml:\n${yamlOut}`);
      assert.equal(stored.apiVersion, d.apiVersion);
      assert.deepEqual(differences(d.body, stored, false), [], `${d.kind} ${d.name}: the stored object lost what the file says`);
      assert.deepEqual(defaultProblems(d, stored), [], `${d.kind} ${d.name}: defaults\n${yamlOut}`);
      restated.push(...differences(d.body, stored, true));
    }

    const second = await ok(cluster, ['apply', ...file]);
    const why = RESTATED_ON_REAPPLY.get(e.rel);
    assert.deepEqual(lines(second.stdout), e.docs.map((d) => `${ref(d)} ${why ? 'configured' : 'unchanged'}`),
      `re-apply (${why ?? 'nothing should differ'}); stored differs at: ${restated.join('; ') || 'nowhere'}`);
    assert.equal(restated.length > 0, why !== undefined, `stored differs from the file at: ${restated.join('; ') || 'nowhere'}`);

    const table = (await ok(cluster, ['get', ...file])).stdout;
    const tables = table.split(/\n\s*\n/).map(lines).filter((l) => l.length > 0);
    for (const d of e.docs) {
      const header = HEADERS[d.kind];
      assert.ok(header, `no expected header for ${d.kind}`);
      const match = tables.find((tl) => JSON.stringify(tl[0].split(/\s{2,}/)) === JSON.stringify(header)
        && tl.slice(1).some((row) => [d.name, ref(d)].includes(row.split(/\s{2,}/)[0])));
      assert.ok(match, `kubectl get -f: no ${header.join(' ')} table with a row for ${d.name}:\n${table}`);
    }

    const deleted = await ok(cluster, ['delete', ...file]);
    assert.deepEqual(lines(deleted.stdout), e.docs.map((d) => `${ref(d).replace(/\/(.*)$/, ' "$1"')} deleted`));
    const gone = await kubectl(cluster, ['get', ...file]);
    assert.notEqual(gone.code, 0, show(['get', ...file], gone));
    for (const d of e.docs) assert.ok(gone.stderr.includes(`"${d.name}" not found`), show(['get', ...file], gone));
  })));
});

/**
 * Groups the served examples into as few `kubectl apply` calls as possible: one for the files that name their
 * namespace, and namespaces of files whose manifests do not share a kind and name.
 */
function batches(prefix: string): { ns?: string; files: Example[] }[] {
  const servedFiles = examples.filter((e) => e.docs.every(isServed));
  const out: { ns?: string; files: Example[] }[] = [{ files: servedFiles.filter((e) => !namespaceFor(e)) }];
  const bins: { keys: Set<string>; files: Example[] }[] = [];
  for (const e of servedFiles.filter((f) => namespaceFor(f))) {
    const keys = e.docs.map((d) => `${d.kind}/${d.name}`);
    let bin = bins.find((b) => keys.every((k) => !b.keys.has(k)));
    if (!bin) bins.push((bin = { keys: new Set(), files: [] }));
    for (const k of keys) bin.keys.add(k);
    bin.files.push(e);
  }
  bins.forEach((b, i) => out.push({ ns: `${prefix}-${i}`, files: b.files }));
  return out.filter((g) => g.files.length > 0);
}

for (const version of ['1.27', '1.33']) {
  test(`kubectl ${version}: every example applies (created), then re-applies (unchanged)`, { timeout: 120_000 }, async () => {
    const groups = batches(`v${version.replace('.', '')}`);
    const ns = groups.flatMap((g) => (g.ns ? [`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${g.ns}\n`] : [])).join('---\n');
    const created = await kubectl(cluster, ['create', '-f', '-'], version, ns);
    assert.equal(created.code, 0, show(['create', '-f', '-'], created));
    // The groups live in separate namespaces or have distinct names, so they can run side by side.
    await Promise.all(groups.map(async (g) => {
      const args = [...(g.ns ? ['-n', g.ns] : []), ...g.files.flatMap((e) => ['-f', e.path])];
      const docs = g.files.flatMap((e) => e.docs.map((d) => ({ e, d })));
      const first = await ok(cluster, ['apply', ...args], version);
      assert.deepEqual(lines(first.stdout).sort(), docs.map(({ d }) => `${ref(d)} created`).sort(), first.stderr);
      const second = await ok(cluster, ['apply', ...args], version);
      assert.deepEqual(lines(second.stdout).sort(),
        docs.map(({ e, d }) => `${ref(d)} ${RESTATED_ON_REAPPLY.has(e.rel) ? 'configured' : 'unchanged'}`).sort(), second.stderr);
      // Leaves the shared namespaces (default, sisense) empty for the next version's "created".
      await ok(cluster, ['delete', ...args], version);
    }));
    for (const e of examples.filter((f) => !f.docs.every(isServed))) {
      const args = ['apply', '-f', e.path, ...namespaceArgs(e, 'default')];
      const r = await kubectl(cluster, args, version);
      assert.notEqual(r.code, 0, show(args, r));
      assert.match(r.stderr, /no matches for kind "\w+" in version/, show(args, r));
    }
  });
}
