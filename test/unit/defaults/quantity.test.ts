/** Canonical quantity strings, and the fields of each kind that the API server canonicalizes when storing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import { canonicalQuantity } from '../../../src/api/defaults/quantity.js';
import type { KObject } from '../../../src/api/machinery/object.js';
import { deepFreeze, gvkOf } from './fixtures.js';

const defaulted = (obj: KObject): KObject => applyDefaults(gvkOf(obj), deepFreeze(obj));

test('decimal SI values move trailing zeros into the largest suffix that keeps an integer mantissa', () => {
  const cases: [string, string][] = [
    ['1000m', '1'], ['0.5', '500m'], ['500m', '500m'], ['1000', '1k'], ['10000', '10k'], ['12345', '12345'],
    ['129M', '129M'], ['1.5', '1500m'], ['.5', '500m'], ['1.', '1'], ['2000000000n', '2'], ['1500k', '1500k'],
    ['0.001', '1m'], ['1000P', '1E'], ['-1000m', '-1'], ['+2', '2'], ['007', '7'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
});

test('binary SI values keep binary suffixes while exact, and fall back to decimal when they cannot', () => {
  const cases: [string, string][] = [
    ['1024Mi', '1Gi'], ['2000Ki', '2000Ki'], ['1Ki', '1Ki'], ['1.5Gi', '1536Mi'], ['1048576Ki', '1Gi'],
    ['128Mi', '128Mi'], ['-1.5Gi', '-1536Mi'],
    // Below 1024 there is no binary suffix to use; a fractional number of bytes cannot be binary either.
    ['0.5Ki', '512'], ['1.1Ki', '1126400m'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
});

test('decimal exponent values stay in exponent form, with the exponent a multiple of 3', () => {
  const cases: [string, string][] = [['1e3', '1e3'], ['1E3', '1e3'], ['129e6', '129e6'], ['300e6', '300e6'], ['1e-3', '1e-3'], ['1.5e3', '1500'], ['10e3', '10e3'], ['1e4', '10e3']];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
});

test('zero is always "0", sub-nano values round up, and non-quantities are left alone', () => {
  for (const zero of ['0', '0Mi', '0.000', '-0', '0e5']) assert.equal(canonicalQuantity(zero), '0', zero);
  assert.equal(canonicalQuantity('0.1n'), '1n');
  assert.equal(canonicalQuantity('1.0000000001'), '1000000001n');
  assert.equal(canonicalQuantity('-0.1n'), '-1n');
  for (const bad of ['', 'abc', '1Qi', '1.2.3', '.', '1 Gi', 'Gi']) assert.equal(canonicalQuantity(bad), bad, bad);
});

test('a Pod stores canonical requests, limits (copied requests included) and emptyDir size limits', () => {
  const pod = defaulted({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
    spec: {
      containers: [{ name: 'c', image: 'nginx:1', resources: { requests: { cpu: '500m', memory: '1024Mi' }, limits: { cpu: '1000m', memory: 0.5 } } }],
      initContainers: [{ name: 'i', image: 'busybox:1', resources: { limits: { cpu: '2000m' } } }],
      volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '1024Mi' } }],
    },
  });
  const spec = pod.spec as { containers: { resources: unknown }[]; initContainers: { resources: unknown }[]; volumes: { emptyDir: unknown }[] };
  assert.deepEqual(spec.containers[0].resources, { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '500m' } });
  assert.deepEqual(spec.initContainers[0].resources, { requests: { cpu: '2' }, limits: { cpu: '2' } });
  assert.deepEqual(spec.volumes[0].emptyDir, { sizeLimit: '1Gi' });
});

test('workload templates, claim templates, claims, volumes and nodes are canonicalized too', () => {
  const template = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx:1', resources: { limits: { memory: '2048Mi' } } }] } };
  const deploy = defaulted({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template } });
  assert.deepEqual((deploy.spec as { template: { spec: { containers: { resources: unknown }[] } } }).template.spec.containers[0].resources, { limits: { memory: '2Gi' } });
  const cron = defaulted({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template } } } });
  assert.match(JSON.stringify(cron.spec), /"memory":"2Gi"/);
  const sts = defaulted({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' },
    spec: { selector: { matchLabels: { a: 'b' } }, template, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1000M' } } } }] },
  });
  assert.match(JSON.stringify(sts.spec), /"storage":"1G"/);
  assert.match(JSON.stringify(sts.spec), /"memory":"2Gi"/);

  const claim = defaulted({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { resources: { requests: { storage: '1024Mi' }, limits: { storage: '2048Mi' } } }, status: { capacity: { storage: '1024Mi' } } });
  assert.deepEqual((claim.spec as { resources: unknown }).resources, { requests: { storage: '1Gi' }, limits: { storage: '2Gi' } });
  assert.deepEqual((claim.status as { capacity: unknown }).capacity, { storage: '1Gi' });
  const pv = defaulted({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'v' }, spec: { capacity: { storage: '5120Mi' } } });
  assert.deepEqual((pv.spec as { capacity: unknown }).capacity, { storage: '5Gi' });
  const node = defaulted({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { capacity: { cpu: '4000m', memory: '8388608Ki', pods: '110' } } });
  const status = node.status as { capacity: unknown; allocatable: unknown };
  assert.deepEqual(status.capacity, { cpu: '4', memory: '8Gi', pods: '110' });
  assert.deepEqual(status.allocatable, { cpu: '4', memory: '8Gi', pods: '110' });
});

test('canonicalization is idempotent and leaves kinds without quantities untouched', () => {
  for (const s of ['1000m', '1.5Gi', '1e3', '0.1n', '1.1Ki', '12345', '-1.5Gi']) assert.equal(canonicalQuantity(canonicalQuantity(s)), canonicalQuantity(s), s);
  const cm = defaulted({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { memory: '1024Mi' } });
  assert.deepEqual(cm.data, { memory: '1024Mi' });
});
