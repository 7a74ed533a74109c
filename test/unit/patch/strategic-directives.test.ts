/** Strategic merge patch directives and edge cases: $patch, $retainKeys, $setElementOrder, primitive lists, nulls, errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../../src/api/patch/index.js';
import { isStatusError } from '../../../src/api/machinery/errors.js';

const POD = { group: '', version: 'v1', kind: 'Pod' };
type Json = Record<string, unknown>;

function pod(): Json {
  return {
    metadata: { name: 'p', labels: { app: 'p' }, finalizers: ['a', 'b'] },
    spec: {
      containers: [
        { name: 'a', image: 'a:1', args: ['x', 'y'] },
        { name: 's', image: 's:1' },
        { name: 'b', image: 'b:1' },
      ],
      tolerations: [{ key: 'k1', operator: 'Exists' }, { key: 'k2', operator: 'Exists' }],
      nodeSelector: { disk: 'ssd', zone: 'a' },
    },
  };
}

function apply(original: unknown, patch: unknown): Json {
  return applyStrategicMergePatch(original, patch, POD) as Json;
}

function at(obj: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Json | undefined)?.[k], obj);
}

function names(obj: unknown): string[] {
  return (at(obj, 'spec', 'containers') as { name: string }[]).map((c) => c.name);
}

function assertBadRequest(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => isStatusError(err) && err.code === 400 && message.test(err.message));
}

test('$patch: replace on a map swaps it whole', () => {
  const result = apply(pod(), { spec: { nodeSelector: { $patch: 'replace', gpu: 'yes' } } });
  assert.deepEqual(at(result, 'spec', 'nodeSelector'), { gpu: 'yes' });
});

test('$patch: delete on a map empties it', () => {
  const result = apply(pod(), { spec: { nodeSelector: { $patch: 'delete' } } });
  assert.deepEqual(at(result, 'spec', 'nodeSelector'), {});
  const absent = apply(pod(), { spec: { affinity: { $patch: 'delete' } } });
  assert.equal(at(absent, 'spec', 'affinity'), undefined, 'nothing is created for a delete');
});

test('$patch: merge on a map is the default merge', () => {
  const result = apply(pod(), { spec: { nodeSelector: { $patch: 'merge', gpu: 'yes' } } });
  assert.deepEqual(at(result, 'spec', 'nodeSelector'), { disk: 'ssd', zone: 'a', gpu: 'yes' });
});

test('$patch: replace inside a merge list replaces the list', () => {
  const result = apply(pod(), { spec: { containers: [{ name: 'n', image: 'n:1' }, { $patch: 'replace' }] } });
  assert.deepEqual(at(result, 'spec', 'containers'), [{ name: 'n', image: 'n:1' }]);
});

test('$patch: delete items remove by merge key; deleting an absent item is a no-op', () => {
  const result = apply(pod(), { spec: { containers: [{ $patch: 'delete', name: 's' }, { $patch: 'delete', name: 'zz' }] } });
  assert.deepEqual(names(result), ['a', 'b']);
});

test('bad $patch values and missing merge keys are 400 BadRequest', () => {
  assertBadRequest(() => apply(pod(), { spec: { containers: [{ $patch: 'merge', name: 'a' }] } }), /merging lists cannot yet be specified/);
  assertBadRequest(() => apply(pod(), { spec: { nodeSelector: { $patch: 'explode' } } }), /unknown patch type: explode/);
  assertBadRequest(() => apply(pod(), { spec: { containers: [{ image: 'no-name' }] } }), /does not contain declared merge key: name/);
  assertBadRequest(() => apply(pod(), { spec: { containers: [{ $patch: 'delete' }] } }), /merge key: name/);
  assertBadRequest(() => apply(pod(), 'not a map'), /JSON object/);
});

test('lists without a merge strategy are replaced whole', () => {
  const result = apply(pod(), {
    spec: { tolerations: [{ key: 'k3', operator: 'Exists' }], containers: [{ name: 'a', args: ['z'] }] },
  });
  assert.deepEqual(at(result, 'spec', 'tolerations'), [{ key: 'k3', operator: 'Exists' }]);
  assert.deepEqual((at(result, 'spec', 'containers') as Json[])[0], { name: 'a', image: 'a:1', args: ['z'] });
});

test('null deletes a field, and a null for an absent field is not stored', () => {
  const result = apply(pod(), { metadata: { labels: { app: null, nope: null } }, spec: { nodeSelector: null, hostname: null } });
  assert.deepEqual(at(result, 'metadata', 'labels'), {});
  assert.equal(Object.hasOwn(at(result, 'spec') as Json, 'nodeSelector'), false);
  assert.equal(Object.hasOwn(at(result, 'spec') as Json, 'hostname'), false);
});

test('a new subtree lands without nulls or directives', () => {
  const result = apply(pod(), {
    spec: { securityContext: { runAsUser: 1, fsGroup: null, $retainKeys: ['runAsUser'] }, initContainers: [{ name: 'i', image: 'i', x: null }, { $patch: 'delete', name: 'j' }] },
  });
  assert.deepEqual(at(result, 'spec', 'securityContext'), { runAsUser: 1 });
  assert.deepEqual(at(result, 'spec', 'initContainers'), [{ name: 'i', image: 'i' }]);
});

test('primitive merge lists are sets: union, then $deleteFromPrimitiveList', () => {
  const union = apply(pod(), { metadata: { finalizers: ['b', 'c'] } });
  assert.deepEqual(at(union, 'metadata', 'finalizers'), ['a', 'b', 'c']);
  const trimmed = apply(pod(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'zz'] } });
  assert.deepEqual(at(trimmed, 'metadata', 'finalizers'), ['b']);
  const both = apply(pod(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], finalizers: ['c'] } });
  // A value the live list never had goes first, as the Kubernetes ordering rules place it.
  assert.deepEqual(at(both, 'metadata', 'finalizers'), ['c', 'b']);
});

test('$setElementOrder alone reorders without changing content', () => {
  const result = apply(pod(), { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 's' }, { name: 'a' }] } });
  assert.deepEqual(names(result), ['b', 's', 'a']);
  assert.deepEqual((at(result, 'spec', 'containers') as Json[])[2], { name: 'a', image: 'a:1', args: ['x', 'y'] });
});

test('server-only items keep their place between the items the patch orders', () => {
  // "s" is unknown to the client (not in $setElementOrder); it stays between a and b, and c is appended.
  const result = apply(pod(), {
    spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }, { name: 'c' }], containers: [{ name: 'c', image: 'c:1' }] },
  });
  assert.deepEqual(names(result), ['a', 's', 'b', 'c']);
});

test('without $setElementOrder, new items go before the existing ones, in patch order (Kubernetes prepends)', () => {
  const result = apply(pod(), { spec: { containers: [{ name: 'd', image: 'd' }, { name: 'c', image: 'c' }] } });
  assert.deepEqual(names(result), ['d', 'c', 'a', 's', 'b']);
  const touched = apply(pod(), { spec: { containers: [{ name: 'b', image: 'b:2' }, { name: 'a', image: 'a:2' }] } });
  // Named items take the patch order; "s" stood before "b" in the live list, so it still does.
  assert.deepEqual(names(touched), ['s', 'b', 'a']);
});

test('$setElementOrder that contradicts the patch list is 400', () => {
  assertBadRequest(
    () => apply(pod(), { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'c', image: 'c' }] } }),
    /doesn't match \$setElementOrder/,
  );
  assertBadRequest(() => apply(pod(), { spec: { '$setElementOrder/containers': 'a' } }), /setElementOrder/);
});

test('$setElementOrder on a primitive merge list orders values', () => {
  const result = apply(pod(), { metadata: { '$setElementOrder/finalizers': ['c', 'b', 'a'], finalizers: ['c'] } });
  assert.deepEqual(at(result, 'metadata', 'finalizers'), ['c', 'b', 'a']);
});

test('$retainKeys that omits a key the patch sets is 400', () => {
  assertBadRequest(() => apply(pod(), { spec: { nodeSelector: { $retainKeys: ['disk'], zone: 'b' } } }), /retainKeys/);
  assertBadRequest(() => apply(pod(), { spec: { nodeSelector: { $retainKeys: 'disk' } } }), /retainKeys/);
});

test('$retainKeys on a volume swaps its source (captured kubectl apply item)', () => {
  const original = { spec: { volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }] } };
  const result = apply(original, {
    spec: { '$setElementOrder/volumes': [{ name: 'data' }, { name: 'cfg' }], volumes: [{ $retainKeys: ['hostPath', 'name'], emptyDir: null, hostPath: { path: '/tmp/x' }, name: 'data' }] },
  });
  assert.deepEqual(at(result, 'spec', 'volumes'), [{ name: 'data', hostPath: { path: '/tmp/x' } }, { name: 'cfg', configMap: { name: 'c' } }]);
});

test('a field changing shape takes the patch value', () => {
  const result = apply({ spec: { nodeSelector: ['odd'], hostname: { odd: true } } }, { spec: { nodeSelector: { a: 'b', c: null }, hostname: 'h' } });
  assert.deepEqual(at(result, 'spec'), { nodeSelector: { a: 'b' }, hostname: 'h' });
});

test('lists of lists and mixed element types are rejected', () => {
  assertBadRequest(() => apply({ metadata: { finalizers: ['a'] } }, { metadata: { finalizers: [['b']] } }), /lists of lists/);
  assertBadRequest(() => apply({ metadata: { finalizers: ['a'] } }, { metadata: { finalizers: [1] } }), /not identical/);
});

test('inputs are never modified', () => {
  const original = pod();
  const patch = { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] }, spec: { '$setElementOrder/containers': [{ name: 'b' }], containers: [{ $patch: 'delete', name: 'a' }, { name: 'b', image: 'b:2' }] } };
  const before = JSON.stringify([original, patch]);
  const result = apply(original, patch);
  assert.equal(JSON.stringify([original, patch]), before);
  assert.deepEqual(names(result), ['s', 'b']);
});
