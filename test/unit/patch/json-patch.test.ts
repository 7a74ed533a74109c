/** Tests for JSON patch (RFC 6902): kubectl rollout undo's body, validation and error codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from '../../../src/api/patch/index.js';
import { isStatusError, type StatusError } from '../../../src/api/machinery/errors.js';

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (isStatusError(err)) return err;
    throw err;
  }
  assert.fail('expected a StatusError');
}

const deploy = {
  metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '2' } },
  spec: { replicas: 2, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } } },
};

test('kubectl rollout undo: replace the template and the annotations', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] } };
  const annotations = { 'deployment.kubernetes.io/revision': '1' };
  const result = applyJsonPatch(deploy, [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ]);
  assert.deepEqual(result, { metadata: { name: 'web', annotations }, spec: { replicas: 2, template } });
  assert.equal(deploy.spec.template.spec.containers[0]?.image, 'nginx:2', 'input untouched');
});

test('add, remove, move, copy and a passing test, applied in order', () => {
  const result = applyJsonPatch({ a: [1, 2], b: { c: 'x' } }, [
    { op: 'test', path: '/b/c', value: 'x' },
    { op: 'add', path: '/a/-', value: 3 },
    { op: 'add', path: '/a/0', value: 0 },
    { op: 'remove', path: '/a/1' },
    { op: 'copy', from: '/b', path: '/d' },
    { op: 'move', from: '/b/c', path: '/e' },
    { op: 'add', path: '/metadata~1x', value: true },
  ]);
  assert.deepEqual(result, { a: [0, 2, 3], b: {}, d: { c: 'x' }, e: 'x', 'metadata/x': true });
});

test('the operations list is not modified, even when values are objects', () => {
  const ops = [{ op: 'add', path: '/x', value: { y: 1 } }];
  const result = applyJsonPatch({}, ops) as { x: { y: number } };
  result.x.y = 2;
  assert.deepEqual(ops, [{ op: 'add', path: '/x', value: { y: 1 } }]);
});

test('a failed test is 422 Invalid and leaves nothing applied', () => {
  const original = { spec: { replicas: 2 } };
  const err = statusOf(() => applyJsonPatch(original, [
    { op: 'replace', path: '/spec/replicas', value: 5 },
    { op: 'test', path: '/spec/replicas', value: 2 },
  ]));
  assert.equal(err.code, 422);
  assert.equal(err.reason, 'Invalid');
  assert.match(err.message, /operation 1 \(test \/spec\/replicas\) failed/);
  assert.deepEqual(original, { spec: { replicas: 2 } });
});

test('operations on missing paths are 422', () => {
  assert.equal(statusOf(() => applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '/b', value: 1 }])).code, 422);
  assert.equal(statusOf(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '/b' }])).code, 422);
  assert.equal(statusOf(() => applyJsonPatch({ a: 1 }, [{ op: 'add', path: '/b/c', value: 1 }])).code, 422);
  assert.match(statusOf(() => applyJsonPatch({ a: [] }, [{ op: 'add', path: '/a/5', value: 1 }])).message, /operation 0/);
});

test('malformed patches are 400 BadRequest', () => {
  const bad: unknown[] = [
    { op: 'add', path: '/a', value: 1 },
    [null],
    [{ path: '/a' }],
    [{ op: 'frobnicate', path: '/a' }],
    [{ op: '_get', path: '/a', value: 1 }],
    [{ op: 'add', path: 'a', value: 1 }],
    [{ op: 'add', path: '/a' }],
    [{ op: 'move', path: '/a' }],
  ];
  for (const ops of bad) {
    const err = statusOf(() => applyJsonPatch({ a: 1 }, ops));
    assert.equal(err.code, 400, JSON.stringify(ops));
    assert.equal(err.reason, 'BadRequest');
  }
});

test('an add of null is allowed (it is a value, not a deletion)', () => {
  assert.deepEqual(applyJsonPatch({}, [{ op: 'add', path: '/a', value: null }]), { a: null });
});
