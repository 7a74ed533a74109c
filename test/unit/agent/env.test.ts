// $(VAR) expansion (Kubernetes' forked golang expansion) and a container's environment from env, envFrom and valueFrom.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { expand } from '../../../src/agent/container-config/expand.js';
import { buildEnv, fieldPathValue, resourceFieldValue, type EnvContext } from '../../../src/agent/container-config/env.js';
import { ContainerConfigError } from '../../../src/agent/contracts.js';
import type { KObject } from '../../../src/api/machinery/object.js';

const vars: Record<string, string> = { A: 'alpha', B: 'beta', EMPTY: '' };
const lookup = (n: string): string | undefined => vars[n];

test('expand substitutes $(VAR), keeps unknown references, and $$ escapes', () => {
  const cases: [string, string][] = [
    ['$(A)', 'alpha'],
    ['x-$(A)-$(B)-y', 'x-alpha-beta-y'],
    ['$(EMPTY)|', '|'],
    ['$(NOPE)', '$(NOPE)'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$alpha'],
    ['$$', '$'],
    ['100$', '100$'],
    ['$A', '$A'],
    ['$()', '$()'],
    ['no refs', 'no refs'],
  ];
  for (const [input, want] of cases) assert.equal(expand(input, lookup), want, input);
});

test('an unterminated reference stays literal and the rest is still scanned', () => {
  assert.equal(expand('$(A', lookup), '$(A');
  assert.equal(expand('pre $(A and $$', lookup), 'pre $(A and $');
  // The closing paren of a later reference ends the first name, as in Kubernetes.
  assert.equal(expand('$(A $(B)', lookup), '$(A $(B)');
});

const cm = (name: string, data: Record<string, string>, binaryData?: Record<string, string>): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data, ...(binaryData ? { binaryData } : {}) });
const secret = (name: string, data: Record<string, string>): KObject => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'ns' },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

function envCtx(container: Partial<Container>, objects: KObject[] = [], podExtra: Partial<Pod> = {}): EnvContext {
  const c: Container = { name: 'app', image: 'img', ...container };
  const find = (kind: string, ns: string, name: string): KObject | undefined => objects.find((o) => o.kind === kind && o.metadata.name === name && ns === 'ns');
  const pod: Pod = {
    metadata: { name: 'web', namespace: 'ns', uid: 'u-1', labels: { tier: 'b', app: 'web' }, annotations: { note: 'say "hi"' } },
    spec: { containers: [c], nodeName: 'node-1', serviceAccountName: 'robot' },
    ...podExtra,
  };
  return {
    pod, container: c, podIP: '10.1.0.7', hostIP: '172.18.0.2', nodeName: 'node-1',
    nodeAllocatable: { cpu: 4, memoryBytes: 8 * 1024 ** 3 },
    sources: { configMap: async (ns, name) => find('ConfigMap', ns, name), secret: async (ns, name) => find('Secret', ns, name) },
    serviceEnv: [{ name: 'KUBERNETES_SERVICE_HOST', value: '10.96.0.1' }, { name: 'OVERRIDDEN', value: 'service' }],
  };
}

const asRecord = (env: { name: string; value: string }[]): Record<string, string> => Object.fromEntries(env.map((e) => [e.name, e.value]));

test('env: service links, then envFrom with prefix (invalid names skipped), then env in order with expansion', async () => {
  const env = await buildEnv(envCtx({
    envFrom: [
      { configMapRef: { name: 'settings' }, prefix: 'CFG_' },
      { configMapRef: { name: 'raw' } },
      { secretRef: { name: 'creds' } },
    ],
    env: [
      { name: 'OVERRIDDEN', value: 'mine' },
      { name: 'GREETING', value: 'hello $(CFG_MODE) from $(KUBERNETES_SERVICE_HOST)' },
      { name: 'LATER_REF', value: '$(DEFINED_AFTER)' },
      { name: 'DEFINED_AFTER', value: 'x' },
      { name: 'ESCAPED', value: '$$(CFG_MODE)' },
      { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'settings', key: 'MODE' } } },
    ],
  }, [cm('settings', { MODE: 'fast', 'bad key': 'x' }), cm('raw', { '1BAD': 'x', good: 'y', 'dotted.name': 'z' }), secret('creds', { PASSWORD: 's3cret' })]));
  const r = asRecord(env);
  assert.equal(r.CFG_MODE, 'fast');
  assert.equal(r['CFG_bad key'], undefined, 'invalid env names from envFrom are skipped');
  assert.equal(r['1BAD'], undefined);
  assert.equal(r.good, 'y');
  assert.equal(r['dotted.name'], 'z');
  assert.equal(r.PASSWORD, 's3cret', 'secret data is decoded');
  assert.equal(r.OVERRIDDEN, 'mine', 'env wins over service links');
  assert.equal(r.GREETING, 'hello fast from 10.96.0.1');
  assert.equal(r.LATER_REF, '$(DEFINED_AFTER)', 'only earlier definitions expand');
  assert.equal(r.ESCAPED, '$(CFG_MODE)');
  assert.equal(r.FROM_CM, 'fast');
  // Declared env keeps its relative order.
  const names = env.map((e) => e.name);
  assert.ok(names.indexOf('GREETING') < names.indexOf('LATER_REF') && names.indexOf('LATER_REF') < names.indexOf('DEFINED_AFTER'));
});

test('valueFrom: secret, fieldRef and resourceFieldRef with divisor; results are not expanded', async () => {
  const r = asRecord(await buildEnv(envCtx({
    resources: { limits: { cpu: '1500m', memory: '256Mi' }, requests: { cpu: '250m' } },
    env: [
      { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'CPU_LIMIT_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
      { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
      { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
      { name: 'RAW', valueFrom: { configMapKeyRef: { name: 'settings', key: 'TEMPLATE' } } },
    ],
  }, [secret('creds', { PASSWORD: 'pw' }), cm('settings', { TEMPLATE: '$(POD_NAME)' })])));
  assert.deepEqual(r, {
    KUBERNETES_SERVICE_HOST: '10.96.0.1', OVERRIDDEN: 'service',
    PW: 'pw', POD_NAME: 'web', POD_NS: 'ns', POD_UID: 'u-1', POD_IP: '10.1.0.7', HOST_IP: '172.18.0.2', NODE: 'node-1', SA: 'robot', APP: 'web',
    CPU_LIMIT: '2', CPU_LIMIT_M: '1500', CPU_REQ: '250', MEM_MI: '256', MEM: String(256 * 1024 * 1024),
    RAW: '$(POD_NAME)',
  });
});

test('resourceFieldRef of an unset limit is the node allocatable; another container by name', () => {
  const ctx = envCtx({});
  const pod: Pod = { ...ctx.pod, spec: { containers: [ctx.container, { name: 'side', image: 'i', resources: { limits: { memory: '1Gi' } } }] } };
  assert.equal(resourceFieldValue(pod, undefined, 'limits.cpu', undefined, ctx.nodeAllocatable, ctx.container), '4');
  assert.equal(resourceFieldValue(pod, undefined, 'limits.memory', '1Gi', ctx.nodeAllocatable, ctx.container), '8');
  assert.equal(resourceFieldValue(pod, 'side', 'limits.memory', '1Mi', ctx.nodeAllocatable, ctx.container), '1024');
  assert.equal(resourceFieldValue(pod, undefined, 'requests.cpu', undefined, ctx.nodeAllocatable, ctx.container), '0');
  assert.throws(() => resourceFieldValue(pod, 'ghost', 'limits.cpu', undefined, ctx.nodeAllocatable, ctx.container), ContainerConfigError);
});

test('downward API labels and annotations: sorted keys, quoted values', () => {
  const ctx = envCtx({});
  assert.equal(fieldPathValue(ctx.pod, 'metadata.labels', ctx), 'app="web"\ntier="b"');
  assert.equal(fieldPathValue(ctx.pod, 'metadata.annotations', ctx), 'note="say \\"hi\\""');
  assert.equal(fieldPathValue(ctx.pod, "metadata.annotations['note']", ctx), 'say "hi"');
  assert.equal(fieldPathValue(ctx.pod, "metadata.labels['missing']", ctx), '');
  assert.throws(() => fieldPathValue(ctx.pod, 'spec.bogus', ctx), /unsupported fieldPath: spec.bogus/);
});

test('optional references that are missing leave the variable out', async () => {
  const r = asRecord(await buildEnv(envCtx({
    envFrom: [{ configMapRef: { name: 'nope', optional: true } }, { secretRef: { name: 'nope', optional: true } }],
    env: [
      { name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
      { name: 'B', valueFrom: { configMapKeyRef: { name: 'settings', key: 'absent', optional: true } } },
      { name: 'C', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } },
      { name: 'D', valueFrom: { secretKeyRef: { name: 'creds', key: 'absent', optional: true } } },
      { name: 'E', value: 'kept' },
    ],
  }, [cm('settings', { x: '1' }), secret('creds', { y: '2' })])));
  assert.deepEqual(Object.keys(r).filter((k) => k.length === 1), ['E']);
});

test('missing required references are ContainerConfigErrors with the kubelet messages', async () => {
  const objects = [cm('settings', { x: '1' }), secret('creds', { y: '2' })];
  const cases: [Partial<Container>, string][] = [
    [{ env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'x', key: 'k' } } }] }, 'configmap "x" not found'],
    [{ env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'k' } } }] }, "couldn't find key k in ConfigMap ns/settings"],
    [{ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }, 'secret "s" not found'],
    [{ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] }, "couldn't find key k in Secret ns/creds"],
    [{ envFrom: [{ configMapRef: { name: 'gone' } }] }, 'configmap "gone" not found'],
    [{ envFrom: [{ secretRef: { name: 'gone' } }] }, 'secret "gone" not found'],
  ];
  for (const [container, message] of cases) {
    await assert.rejects(buildEnv(envCtx(container, objects)), (err: unknown) => err instanceof ContainerConfigError && err.message === message, message);
  }
});
