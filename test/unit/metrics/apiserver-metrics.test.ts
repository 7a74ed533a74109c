// API server metrics: Kubernetes verbs, storage latency and object counts, the scrape endpoints and the metrics-only token.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import supertest from 'supertest';
import { TokenAuthenticator, METRICS_SCRAPER } from '../../../src/api/auth/tokens.js';
import { countStoredObjects } from '../../../src/api/apiserver.js';
import { versionInfo } from '../../../src/api/version.js';
import { ResourceRegistry } from '../../../src/api/registry/resources.js';
import { ObjectStore } from '../../../src/api/registry/store.js';
import { createApiApp, requestVerb, scraperMayAccess } from '../../../src/api/server/app.js';
import { PodProxy } from '../../../src/api/server/pod-proxy.js';
import { MemoryBackend } from '../../../src/api/storage/memory.js';
import { WatchCache } from '../../../src/api/storage/watch-cache.js';
import { MetricsEndpoints } from '../../../src/metrics/endpoints.js';
import { instrumentBackend, keyType } from '../../../src/metrics/storage-metrics.js';
import { assertPromtoolClean, sample } from './promtool.js';

let cache: WatchCache;
let agent: ReturnType<typeof supertest>;
const ADMIN = 'Bearer admin-token';
const SCRAPER = 'Bearer scraper-token';

before(async () => {
  const backend = new MemoryBackend();
  cache = new WatchCache(backend);
  await cache.start();
  const metrics = new Registry();
  const store = new ObjectStore(instrumentBackend(backend, metrics), cache);
  const registry = new ResourceRegistry();
  countStoredObjects(metrics, registry, store, cache);
  const endpoints = new MetricsEndpoints();
  endpoints.mount('/metrics', metrics);
  const other = new Registry();
  endpoints.mount('/metrics/controllers', other);
  endpoints.mountJson('/prometheus/sd/pods', () => [{ targets: ['10.0.0.1:80'], labels: {} }]);
  const pods = registry.find('', 'v1', 'pods');
  const nodes = registry.find('', 'v1', 'nodes');
  if (!pods || !nodes) throw new Error('pods and nodes must be registered');
  const app = createApiApp({
    registry, store, metrics, metricsEndpoints: endpoints, version: versionInfo('test'),
    tokens: new TokenAuthenticator([
      { token: 'admin-token', name: 'admin', groups: ['system:masters'] },
      { token: 'scraper-token', name: METRICS_SCRAPER, groups: ['system:monitoring'] },
    ]),
    serverAddress: () => '127.0.0.1:0', ready: () => true,
    podProxy: new PodProxy({ store, pods, nodes, agentToken: () => 'agent' }),
  });
  agent = supertest((req, res) => {
    if (!app.fastPath(req, res)) app(req, res);
  });
});

after(() => cache.stop());

test('requests are counted with the verbs Kubernetes uses, and the exposition passes promtool', async () => {
  await agent.post('/api/v1/namespaces').set('Authorization', ADMIN).send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'm' } }).expect(201);
  await agent.post('/api/v1/namespaces/m/configmaps').set('Authorization', ADMIN).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }).expect(201);
  await agent.get('/api/v1/namespaces/m/configmaps').set('Authorization', ADMIN).expect(200);
  await agent.get('/api/v1/namespaces/m/configmaps/c').set('Authorization', ADMIN).expect(200);
  await agent.get('/api/v1/namespaces/m/configmaps/nope').set('Authorization', ADMIN).expect(404);
  await agent.patch('/api/v1/namespaces/m/configmaps/c').set('Authorization', ADMIN).set('Content-Type', 'application/merge-patch+json').send('{"data":{"a":"b"}}').expect(200);
  await agent.get('/api').set('Authorization', ADMIN).expect(200);
  const res = await agent.get('/metrics').set('Authorization', SCRAPER).expect(200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const text = res.text;
  assert.equal(sample(text, 'apiserver_request_total', { verb: 'CREATE', resource: 'configmaps', code: '201' }), 1);
  assert.equal(sample(text, 'apiserver_request_total', { verb: 'LIST', resource: 'configmaps', code: '200' }), 1);
  assert.equal(sample(text, 'apiserver_request_total', { verb: 'GET', resource: 'configmaps', code: '404' }), 1);
  assert.equal(sample(text, 'apiserver_request_total', { verb: 'PATCH', resource: 'configmaps', code: '200' }), 1);
  assert.equal(sample(text, 'apiserver_request_total', { verb: 'GET', resource: '', code: '200' }), 1, 'non-resource requests are counted');
  assert.ok((sample(text, 'apiserver_request_duration_seconds_count', { verb: 'LIST', resource: 'configmaps' }) ?? 0) >= 1);
  assert.ok((sample(text, 'etcd_request_duration_seconds_count', { operation: 'create', type: 'configmaps' }) ?? 0) >= 1);
  assertPromtoolClean(text, 'the API server /metrics');
});

test('the scraper token reads metrics and discovery only; anonymous scrapes are refused', async () => {
  await agent.get('/metrics').expect(401);
  await agent.get('/metrics/controllers').set('Authorization', SCRAPER).expect(200);
  const sd = await agent.get('/prometheus/sd/pods').set('Authorization', SCRAPER).expect(200);
  assert.deepEqual(sd.body, [{ targets: ['10.0.0.1:80'], labels: {} }]);
  const denied = await agent.get('/api/v1/namespaces/m/configmaps').set('Authorization', SCRAPER).expect(403);
  assert.equal(denied.body.reason, 'Forbidden');
  await agent.get('/api/v1/secrets').set('Authorization', SCRAPER).expect(403);
  await agent.get('/metrics/unknown').set('Authorization', ADMIN).expect(404);
  assert.ok(scraperMayAccess('GET', '/api/v1/nodes/n1/proxy/metrics/cadvisor'));
  assert.ok(!scraperMayAccess('GET', '/api/v1/nodes/n1/proxy/configz'));
  assert.ok(!scraperMayAccess('POST', '/metrics'));
});

test('metrics.k8s.io is in discovery for kubectl top', async () => {
  const groups = await agent.get('/apis').set('Authorization', ADMIN).expect(200);
  assert.ok(JSON.stringify(groups.body).includes('metrics.k8s.io'));
  const list = await agent.get('/apis/metrics.k8s.io/v1beta1').set('Authorization', ADMIN).expect(200);
  assert.deepEqual((list.body.resources as { name: string }[]).map((r) => r.name).sort(), ['nodes', 'pods']);
  const empty = await agent.get('/apis/metrics.k8s.io/v1beta1/namespaces/m/pods').set('Authorization', ADMIN).expect(200);
  assert.equal(empty.body.kind, 'PodMetricsList');
  await agent.get('/apis/metrics.k8s.io/v1beta1/nodes/none').set('Authorization', ADMIN).expect(404);
});

test('storage object counts come from the watch cache at scrape time', async () => {
  const text = (await agent.get('/metrics').set('Authorization', ADMIN)).text;
  assert.equal(sample(text, 'apiserver_storage_objects', { resource: 'configmaps' }), 1);
  assert.equal(sample(text, 'apiserver_storage_objects', { resource: 'namespaces' }), 1);
  assert.equal(sample(text, 'apiserver_storage_objects', { resource: 'deployments.apps' }), 0);
});

test('request verbs and storage key types', () => {
  const info = { group: '', version: 'v1', resource: 'pods', watchPrefix: false };
  assert.equal(requestVerb('GET', info, { watch: 'true' }, undefined), 'WATCH');
  assert.equal(requestVerb('GET', { ...info, watchPrefix: true }, {}, undefined), 'WATCH');
  assert.equal(requestVerb('PATCH', { ...info, name: 'p' }, {}, 'application/apply-patch+yaml'), 'APPLY');
  assert.equal(requestVerb('DELETE', info, {}, undefined), 'DELETECOLLECTION');
  assert.equal(requestVerb('DELETE', { ...info, name: 'p' }, {}, undefined), 'DELETE');
  assert.equal(requestVerb('PUT', { ...info, name: 'p', subresource: 'status' }, {}, undefined), 'UPDATE');
  assert.equal(requestVerb('POST', { ...info, name: 'p', subresource: 'exec' }, {}, undefined), 'CONNECT');
  assert.equal(keyType('/registry/apps/deployments/ns/d'), 'deployments.apps');
  assert.equal(keyType('/registry/core/pods/ns/p'), 'pods');
});
