// Crash-loop Backoff timing, and image pull policy, registry and credential matching for pulls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, BACKOFF_RESET_MS, INITIAL_BACKOFF_MS, MAX_BACKOFF_MS } from '../../../src/agent/backoff.js';
import { matchAuth, pullPolicyOf, registryAuthFor, registryOf } from '../../../src/agent/images.js';
import type { KObject } from '../../../src/api/machinery/object.js';

test('backoff starts at 10 s and doubles to a 300 s cap', () => {
  assert.deepEqual([INITIAL_BACKOFF_MS, MAX_BACKOFF_MS, BACKOFF_RESET_MS], [10_000, 300_000, 600_000]);
  const b = new Backoff();
  let now = 0;
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    delays.push(b.next('p/c', now));
    now += delays[delays.length - 1] + 1000;
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
});

test('isInBackoff and remaining follow the last failure', () => {
  const b = new Backoff();
  assert.equal(b.isInBackoff('k', 0), false);
  assert.equal(b.remaining('k', 0), 0);
  b.next('k', 1000);
  assert.equal(b.isInBackoff('k', 1000), true);
  assert.equal(b.remaining('k', 4000), 7000);
  assert.equal(b.isInBackoff('k', 10_999), true);
  assert.equal(b.isInBackoff('k', 11_000), false);
  assert.equal(b.remaining('k', 20_000), 0);
  assert.equal(b.isInBackoff('other', 1000), false, 'keys are independent');
});

test('a container that ran 10 minutes starts over at the initial delay', () => {
  const b = new Backoff();
  b.next('k', 0);
  b.next('k', 20_000);
  b.next('k', 60_000); // 40 s now
  b.resetIfRanLongEnough('k', 100_000, 100_000 + 599_000);
  assert.equal(b.next('k', 700_000), 80_000, 'ran 599 s: still doubling');
  b.resetIfRanLongEnough('k', 800_000, 800_000 + BACKOFF_RESET_MS);
  assert.equal(b.isInBackoff('k', 1_400_001), false);
  assert.equal(b.next('k', 1_400_001), 10_000, 'ran 10 min: back to 10 s');
});

test('a long quiet time after the last failure also resets; forget and retain drop entries', () => {
  const b = new Backoff();
  b.next('k', 0);
  b.next('k', 20_000); // 20 s
  assert.equal(b.next('k', 20_000 + 20_000 + BACKOFF_RESET_MS + 1), 10_000);
  b.next('a', 0);
  b.next('b', 0);
  b.forget('a');
  assert.equal(b.isInBackoff('a', 1), false);
  b.retain((k) => k !== 'b');
  assert.equal(b.isInBackoff('b', 1), false);
  assert.equal(b.isInBackoff('k', 20_000 + 20_000 + BACKOFF_RESET_MS + 2), true);
});

test('pullPolicyOf defaults like the API server: latest or untagged → Always, tagged or digest → IfNotPresent', () => {
  const cases: [string, string][] = [
    ['nginx', 'Always'], ['nginx:latest', 'Always'], ['nginx:1.27', 'IfNotPresent'],
    ['localhost:5000/app', 'Always'], ['localhost:5000/app:v2', 'IfNotPresent'],
    ['registry.example.com/team/app:latest', 'Always'],
    ['nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000', 'IfNotPresent'],
  ];
  for (const [image, want] of cases) assert.equal(pullPolicyOf({ name: 'c', image }), want, image);
  assert.equal(pullPolicyOf({ name: 'c', image: 'nginx:1.27', imagePullPolicy: 'Always' }), 'Always');
  assert.equal(pullPolicyOf({ name: 'c', image: 'nginx', imagePullPolicy: 'Never' }), 'Never');
});

test('registryOf finds the registry host, Docker Hub otherwise', () => {
  const cases: [string, string][] = [
    ['nginx', 'docker.io'], ['library/nginx:1', 'docker.io'], ['bitnami/redis', 'docker.io'],
    ['ghcr.io/org/app:1', 'ghcr.io'], ['localhost/app', 'localhost'], ['localhost:5000/app', 'localhost:5000'],
    ['registry.local:8443/a/b@sha256:abc', 'registry.local:8443'],
  ];
  for (const [image, want] of cases) assert.equal(registryOf(image), want, image);
});

test('matchAuth picks credentials by host, decodes auth, and maps Docker Hub keys', () => {
  const auth = Buffer.from('bob:pa:ss').toString('base64');
  const configs: Parameters<typeof matchAuth>[1] = [
    { auths: { 'https://index.docker.io/v1/': { auth } } },
    { auths: { 'ghcr.io': { username: 'u', password: 'p' }, 'https://registry.local:8443/v2/': { auth } } },
  ];
  assert.deepEqual(matchAuth('docker.io', configs), { username: 'bob', password: 'pa:ss', serveraddress: 'https://index.docker.io/v1/' });
  assert.deepEqual(matchAuth('ghcr.io', configs), { username: 'u', password: 'p', serveraddress: 'ghcr.io' });
  assert.equal(matchAuth('registry.local:8443', configs)?.username, 'bob');
  assert.equal(matchAuth('quay.io', configs), undefined);
  assert.equal(matchAuth('ghcr.io', []), undefined);
});

test('registryAuthFor reads dockerconfigjson and legacy dockercfg secrets named by imagePullSecrets', async () => {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');
  const secrets: Record<string, KObject> = {
    bad: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad' }, data: { '.dockerconfigjson': Buffer.from('{not json').toString('base64') } },
    legacy: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'legacy' }, data: { '.dockercfg': enc({ 'quay.io': { username: 'q', password: 'r' } }) } },
    modern: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'modern' }, data: { '.dockerconfigjson': enc({ auths: { 'ghcr.io': { username: 'g', password: 'h' } } }) } },
  };
  const asked: string[] = [];
  const sources = {
    configMap: async (): Promise<KObject | undefined> => undefined,
    secret: async (ns: string, name: string): Promise<KObject | undefined> => { asked.push(`${ns}/${name}`); return secrets[name]; },
  };
  const p = { metadata: { namespace: 'team' }, spec: { containers: [], imagePullSecrets: [{ name: 'missing' }, { name: 'bad' }, { name: 'legacy' }, { name: 'modern' }] } };
  assert.equal((await registryAuthFor('quay.io/x/y:1', p, sources))?.username, 'q');
  assert.equal((await registryAuthFor('ghcr.io/x/y:1', p, sources))?.password, 'h');
  assert.equal(await registryAuthFor('nginx', p, sources), undefined);
  assert.ok(asked.every((a) => a.startsWith('team/')));
  assert.equal(await registryAuthFor('ghcr.io/x', { spec: { containers: [] } }, sources), undefined);
});
