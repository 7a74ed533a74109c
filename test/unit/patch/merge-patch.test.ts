/** Tests for JSON merge patch (RFC 7386), including the bodies kubectl label/annotate/scale send. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from '../../../src/api/patch/index.js';

test('RFC 7386 appendix A examples', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [original, patch, expected] of cases) {
    assert.deepEqual(applyMergePatch(original, patch), expected, JSON.stringify({ original, patch }));
  }
});

test('kubectl label, unlabel, annotate and scale bodies', () => {
  const deploy = { metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 1, paused: true } };
  const labeled = applyMergePatch(deploy, { metadata: { labels: { env: 'prod' } } });
  assert.deepEqual(labeled, { metadata: { name: 'web', labels: { app: 'web', env: 'prod' } }, spec: { replicas: 1, paused: true } });
  const unlabeled = applyMergePatch(labeled, { metadata: { labels: { env: null } } });
  assert.deepEqual(unlabeled, deploy);
  const annotated = applyMergePatch(deploy, { metadata: { annotations: { note: 'hi' } } }) as { metadata: { annotations: unknown } };
  assert.deepEqual(annotated.metadata.annotations, { note: 'hi' });
  assert.deepEqual(applyMergePatch(deploy, { spec: { replicas: 3 } }), { metadata: deploy.metadata, spec: { replicas: 3, paused: true } });
});

test('neither input is modified and the result shares nothing with them', () => {
  const original = { metadata: { labels: { a: '1' } }, spec: { list: [1, 2], keep: { x: 1 } } };
  const patch = { metadata: { labels: { b: '2', a: null } }, spec: { list: [3] } };
  const before = JSON.stringify([original, patch]);
  const result = applyMergePatch(original, patch) as { spec: { keep: { x: number }; list: number[] } };
  assert.equal(JSON.stringify([original, patch]), before);
  result.spec.keep.x = 99;
  result.spec.list.push(4);
  assert.equal(original.spec.keep.x, 1);
  assert.deepEqual(patch.spec.list, [3]);
});

test('a __proto__ key is stored as data, not as a prototype', () => {
  const result = applyMergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(result), Object.prototype);
  assert.deepEqual(Object.keys(result), ['__proto__']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
