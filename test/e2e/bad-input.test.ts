// End-to-end: malformed, invalid and conflicting requests get the right Status, change nothing and never 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, removeDataDir, startCluster, type Cluster, eventually } from './harness.js';

interface Status {
  kind: string;
  apiVersion: string;
  status: string;
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; kind?: string; causes?: { reason: string; message: string; field: string }[] };
}

const NS = 'bad';
const CM_PATH = `/api/v1/namespaces/${NS}/configmaps`;

let cluster: Cluster;
/** Every status code the server answered in this file, to prove none was a 500. */
const seen: { method: string; path: string; status: number }[] = [];
let baseline = '';

async function call(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): ReturnType<typeof api> {
  const reply = await api(cluster, method, path, body, headers);
  seen.push({ method, path, status: reply.status });
  return reply;
}

/** Checks the reply is a Status with this code and reason and returns it for further checks. */
function expectStatus(reply: { status: number; body: string }, code: number, reason: string): Status {
  assert.equal(reply.status, code, `expected ${code}, got ${reply.status}: ${reply.body}`);
  const st = JSON.parse(reply.body) as Status;
  assert.equal(st.kind, 'Status');
  assert.equal(st.apiVersion, 'v1');
  assert.equal(st.status, 'Failure');
  assert.equal(st.code, code);
  assert.equal(st.reason, reason);
  assert.ok(st.message.length > 0, 'a Status needs a message');
  return st;
}

/** The stored objects of the test namespace as kubectl prints them, for before/after comparison. */
/**
 * What users stored: names, uids, labels, specs and data. Status, resourceVersions and the
 * controllers' own annotations change by themselves as pods run and Deployments roll out.
 */
function state(): string {
  const list = JSON.parse(cluster.k(['get', 'configmaps,secrets,pods,deployments,services', '-n', NS, '-o', 'json'])) as { items: { kind: string; metadata: { name: string; uid: string; labels?: unknown }; spec?: unknown; data?: unknown; stringData?: unknown; type?: unknown }[] };
  return JSON.stringify(list.items.map((o) => ({ kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, labels: o.metadata.labels, spec: o.spec, data: o.data, type: o.type })), null, 2);
}

function assertUnchanged(): void {
  assert.equal(state(), baseline, 'a rejected request changed stored state');
}

const cm = (name: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data: { k: 'v' } });

describe('bad input', { timeout: 120_000 }, () => {
  before(async () => {
    cluster = await startCluster();
    cluster.k(['create', 'namespace', NS]);
    cluster.k(['create', 'configmap', 'keep', '-n', NS, '--from-literal=a=1']);
    cluster.k(['create', 'deployment', 'web', '-n', NS, '--image=nginx:1.27']);
    // The Deployment's pod is created and scheduled by the controllers; the baseline is taken once it is placed.
    await eventually(() => cluster.k(['get', 'pods', '-n', NS, '-o', 'jsonpath={.items[*].spec.nodeName}']).trim() !== '', 60_000);
    baseline = state();
  });

  after(async () => {
    if (!cluster) return;
    if (cluster.process.exitCode === null && cluster.process.signalCode === null) await cluster.stop();
    removeDataDir(cluster);
  }, { timeout: 30_000 });

  it('rejects malformed YAML and JSON given to kubectl without sending anything', () => {
    const yaml = cluster.kubectl(['apply', '-n', NS, '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n data: [\n' });
    assert.equal(yaml.code, 1);
    assert.match(yaml.stderr, /error parsing STDIN/);
    const json = cluster.kubectl(['create', '-n', NS, '-f', '-'], { input: '{"apiVersion": "v1", "kind": ' });
    assert.equal(json.code, 1);
    assert.match(json.stderr, /^error: /);
    assertUnchanged();
  });

  it('answers malformed JSON and YAML bodies with 400 BadRequest', async () => {
    const json = await call('POST', CM_PATH, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{');
    assert.match(expectStatus(json, 400, 'BadRequest').message, /json/i);
    const yaml = await call('POST', CM_PATH, 'apiVersion: v1\nkind: ConfigMap\nmetadata: [\nname', { 'Content-Type': 'application/yaml' });
    assert.match(expectStatus(yaml, 400, 'BadRequest').message, /yaml/i);
    // Valid JSON that is not an object is as unusable as broken JSON.
    expectStatus(await call('POST', CM_PATH, '[1,2,3]'), 400, 'BadRequest');
    expectStatus(await call('PUT', `${CM_PATH}/keep`, 'not json at all'), 400, 'BadRequest');
    assertUnchanged();
  });

  it('rejects a body whose kind does not belong to the endpoint', async () => {
    const secret = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sneaky' }, stringData: { a: 'b' } });
    const st = expectStatus(await call('POST', CM_PATH, secret), 400, 'BadRequest');
    assert.match(st.message, /Secret/);
    assert.match(st.message, /ConfigMap/);
    const wrongGroup = JSON.stringify({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'sneaky' } });
    expectStatus(await call('POST', CM_PATH, wrongGroup), 400, 'BadRequest');
    assertUnchanged();
  });

  it('gives a clear kubectl error for a kind the server does not have', () => {
    const r = cluster.kubectl(['apply', '-n', NS, '-f', '-'], { input: 'apiVersion: example.com/v1\nkind: Frobnicator\nmetadata:\n  name: zz\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no matches for kind "Frobnicator" in version "example.com\/v1"/);
    assert.doesNotMatch(r.stderr, /panic|goroutine/);
    // An unknown kind in a group the server does serve must fail cleanly too, not crash kubectl.
    const core = cluster.kubectl(['apply', '-n', NS, '-f', '-'], { input: 'apiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: zz\n' });
    assert.equal(core.code, 1);
    assert.match(core.stderr, /^error: resource mapping not found for name: "zz" .*no matches for kind "Frobnicator" in version "v1"/);
    assert.doesNotMatch(core.stderr, /panic|goroutine/);
    assertUnchanged();
  });

  it('answers invalid names and labels with 422 Invalid naming each field', async () => {
    const st = expectStatus(await call('POST', CM_PATH, cm('Bad_Name', { labels: { 'a b': 'c', ok: 'not ok!' } })), 422, 'Invalid');
    assert.match(st.message, /^ConfigMap "Bad_Name" is invalid: /);
    const fields = (st.details?.causes ?? []).map((c) => c.field);
    assert.ok(fields.includes('metadata.name'), `causes: ${JSON.stringify(st.details)}`);
    assert.ok(fields.includes('metadata.labels'), `causes: ${JSON.stringify(st.details)}`);
    assert.ok(st.details?.causes?.every((c) => c.reason === 'FieldValueInvalid'));
    assert.equal(st.details?.name, 'Bad_Name');
    assert.equal(st.details?.kind, 'ConfigMap');
    // Too long for a DNS subdomain (253 characters).
    const long = expectStatus(await call('POST', CM_PATH, cm('a'.repeat(254))), 422, 'Invalid');
    assert.ok(long.details?.causes?.some((c) => c.field === 'metadata.name'));
    // kubectl shows the same message.
    const r = cluster.kubectl(['create', 'configmap', 'Bad_Name', '-n', NS]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value/);
    assertUnchanged();
  });

  it('answers missing required fields with 422 and the field path', async () => {
    const pod = (spec: Record<string, unknown>): string => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });
    const noImage = expectStatus(await call('POST', `/api/v1/namespaces/${NS}/pods`, pod({ containers: [{ name: 'c' }] })), 422, 'Invalid');
    assert.match(noImage.message, /spec\.containers\[0\]\.image: Required value/);
    assert.deepEqual(noImage.details?.causes?.map((c) => [c.field, c.reason]), [['spec.containers[0].image', 'FieldValueRequired']]);
    const noContainers = expectStatus(await call('POST', `/api/v1/namespaces/${NS}/pods`, pod({})), 422, 'Invalid');
    assert.ok(noContainers.details?.causes?.some((c) => c.field === 'spec.containers' && c.reason === 'FieldValueRequired'));
    const noName = expectStatus(await call('POST', CM_PATH, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} })), 422, 'Invalid');
    assert.ok(noName.details?.causes?.some((c) => c.field === 'metadata.name'));
    assertUnchanged();
  });

  it('rejects unknown fields under fieldValidation=Strict, kubectl apply included', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strict' }, data: { a: '1' }, bogus: 1 });
    const st = expectStatus(await call('POST', `${CM_PATH}?fieldValidation=Strict`, body), 400, 'BadRequest');
    assert.match(st.message, /strict decoding error: unknown field "bogus"/);
    const r = cluster.kubectl(['apply', '-n', NS, '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\nspec:\n  nope: 1\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /strict decoding error: unknown field "spec"/);
    expectStatus(await call('POST', `${CM_PATH}?fieldValidation=Sometimes`, body), 400, 'BadRequest');
    assertUnchanged();
  });

  it('warns about unknown fields under fieldValidation=Warn', async () => {
    cluster.k(['create', 'namespace', 'scratch']);
    try {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'warned' }, data: { a: '1' }, bogus: 1 });
      const reply = await call('POST', '/api/v1/namespaces/scratch/configmaps?fieldValidation=Warn', body);
      assert.equal(reply.status, 201, reply.body);
      assert.match(String(reply.headers.warning), /^299 - "unknown field \\"bogus\\""/);
      // Accepted, but the unknown fields are dropped, as Kubernetes' typed decoding drops them.
      const created = JSON.parse(reply.body) as Record<string, unknown>;
      assert.equal('bogus' in created, false, reply.body);
      const stored = JSON.parse(cluster.k(['get', 'configmap', 'warned', '-n', 'scratch', '-o', 'json'])) as Record<string, unknown> & { data: Record<string, string> };
      assert.equal('bogus' in stored, false);
      assert.deepEqual(stored.data, { a: '1' });
      // Nested unknown fields too, under the default (Warn).
      const pod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx', imagex: 'typo' }] } });
      const podReply = await call('POST', '/api/v1/namespaces/scratch/pods', pod);
      assert.equal(podReply.status, 201, podReply.body);
      assert.match(String(podReply.headers.warning), /unknown field \\"spec\.containers\[0\]\.imagex\\"/);
      assert.doesNotMatch(cluster.k(['get', 'pod', 'p', '-n', 'scratch', '-o', 'json']), /imagex/);
    } finally {
      cluster.k(['delete', 'namespace', 'scratch', '--wait=false']);
    }
    assertUnchanged();
  });

  it('answers a body over 3 MiB with 413', async () => {
    const big = cm('big').replace('"v"', JSON.stringify('x'.repeat(3 * 1024 * 1024 + 10)));
    const st = expectStatus(await call('POST', CM_PATH, big), 413, 'RequestEntityTooLarge');
    assert.match(st.message, /too large/);
    assertUnchanged();
  });

  it('answers an unsupported Content-Type with 415', async () => {
    const st = expectStatus(await call('POST', CM_PATH, cm('plain'), { 'Content-Type': 'text/plain' }), 415, 'UnsupportedMediaType');
    assert.match(st.message, /text\/plain/);
    assertUnchanged();
  });

  it('answers a PUT with a stale resourceVersion with 409 Conflict and keeps the object', async () => {
    const before = JSON.parse(cluster.k(['get', 'configmap', 'keep', '-n', NS, '-o', 'json'])) as { metadata: { resourceVersion: string } };
    const stale = String(Number(before.metadata.resourceVersion) - 1);
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep', resourceVersion: stale }, data: { a: 'changed' } });
    const st = expectStatus(await call('PUT', `${CM_PATH}/keep`, body), 409, 'Conflict');
    assert.match(st.message, /^Operation cannot be fulfilled on configmaps "keep": the object has been modified/);
    assertUnchanged();
  });

  it('answers a create of an existing name with 409 AlreadyExists', async () => {
    const st = expectStatus(await call('POST', CM_PATH, cm('keep')), 409, 'AlreadyExists');
    assert.equal(st.message, 'configmaps "keep" already exists');
    assert.equal(st.details?.name, 'keep');
    const r = cluster.kubectl(['create', 'configmap', 'keep', '-n', NS]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /configmaps "keep" already exists/);
    assertUnchanged();
  });

  it('answers a get of a missing object with 404 NotFound', async () => {
    const st = expectStatus(await call('GET', `${CM_PATH}/x`), 404, 'NotFound');
    assert.equal(st.message, 'configmaps "x" not found');
    assert.deepEqual({ name: st.details?.name, kind: st.details?.kind }, { name: 'x', kind: 'configmaps' });
    expectStatus(await call('DELETE', `${CM_PATH}/x`), 404, 'NotFound');
    const r = cluster.kubectl(['get', 'configmap', 'x', '-n', NS]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(NotFound\): configmaps "x" not found/);
  });

  it('answers a deployment whose selector does not match its template with 422', async () => {
    const d = JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'mismatch' },
      spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const st = expectStatus(await call('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, d), 422, 'Invalid');
    assert.ok(st.details?.causes?.some((c) => c.field === 'spec.template.metadata.labels'), JSON.stringify(st.details));
    assertUnchanged();
  });

  it('answers a create in a namespace that does not exist with 404', async () => {
    const st = expectStatus(await call('POST', '/api/v1/namespaces/nope/configmaps', cm('q')), 404, 'NotFound');
    assert.equal(st.message, 'namespaces "nope" not found');
    const r = cluster.kubectl(['create', 'configmap', 'q', '-n', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /namespaces "nope" not found/);
    // Nothing was created on the way, not even the namespace.
    expectStatus(await call('GET', '/api/v1/namespaces/nope'), 404, 'NotFound');
    assertUnchanged();
  });

  it('answers bad label and field selectors with 400', async () => {
    const label = expectStatus(await call('GET', `${CM_PATH}?labelSelector=${encodeURIComponent('a in (')}`), 400, 'BadRequest');
    assert.match(label.message, /unable to parse requirement/);
    const field = expectStatus(await call('GET', `${CM_PATH}?fieldSelector=${encodeURIComponent('spec.foo=bar')}`), 400, 'BadRequest');
    assert.match(field.message, /field label not supported: spec\.foo/);
    // A watch with a bad selector is refused up front rather than streaming nothing.
    expectStatus(await call('GET', `${CM_PATH}?watch=true&labelSelector=${encodeURIComponent('a in (')}`), 400, 'BadRequest');
    const r = cluster.kubectl(['get', 'configmaps', '-n', NS, '--field-selector', 'spec.foo=bar']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /field label not supported: spec\.foo/);
  });

  it('stays up and never answered 500', async () => {
    const ready = await call('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body, 'ok');
    assert.deepEqual(seen.filter((s) => s.status >= 500), []);
    assert.ok(seen.length >= 25, `only ${seen.length} raw requests were made`);
    assertUnchanged();
    assert.equal(cluster.process.exitCode, null, 'the server exited');
  });
});
