/** Field sets: what an object sets, in the FieldsV1 form Kubernetes stores in managedFields. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldSetOf, fieldSetFromFieldsV1, fieldSetToFieldsV1, pathToString } from '../../../src/api/apply/index.js';
import { pathsOf } from '../../../src/api/apply/field-set.js';

test('a deployment manifest gives the FieldsV1 trie kubectl shows', () => {
  const obj = {
    metadata: { labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
      },
    },
  };
  assert.deepEqual(fieldSetToFieldsV1(fieldSetOf(obj, 'Deployment')), {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      // LabelSelector is atomic: owned whole.
      'f:selector': {},
      'f:template': {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': {
              '.': {},
              'f:image': {},
              'f:name': {},
              'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            },
          },
        },
      },
    },
  });
});

test('set lists are owned per value, unknown and atomic lists as a whole, empty maps as leaves', () => {
  const obj = {
    metadata: { finalizers: ['a.io/x', 'b.io/y'] },
    spec: { containers: [{ name: 'c', args: ['-v'], resources: {} }], tolerations: [{ key: 'k' }], custom: [{ name: 'x' }] },
  };
  const paths = pathsOf(fieldSetOf(obj, 'Pod')).map(pathToString);
  assert.deepEqual(paths.sort(), [
    '.metadata.finalizers[="a.io/x"]',
    '.metadata.finalizers[="b.io/y"]',
    '.spec.containers[name="c"]',
    '.spec.containers[name="c"].args',
    '.spec.containers[name="c"].name',
    '.spec.containers[name="c"].resources',
    '.spec.custom',
    '.spec.tolerations',
  ]);
});

test('service ports are keyed by port and protocol', () => {
  const set = fieldSetOf({ spec: { ports: [{ port: 80, protocol: 'UDP' }, { port: 80 }] } }, 'Service');
  const paths = pathsOf(set).map(pathToString);
  assert.ok(paths.includes('.spec.ports[port=80,protocol="UDP"]'));
  assert.ok(paths.includes('.spec.ports[port=80,protocol="TCP"]'));
});

test('list items that cannot be told apart make the list atomic', () => {
  const set = fieldSetOf({ spec: { containers: [{ name: 'a' }, { name: 'a' }] } }, 'Pod');
  assert.deepEqual(pathsOf(set).map(pathToString), ['.spec.containers']);
});

test('FieldsV1 round-trips, including members that also have children', () => {
  const fields = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {} } } },
  };
  const set = fieldSetFromFieldsV1(fields);
  assert.equal(set.size, 4);
  assert.deepEqual(fieldSetToFieldsV1(set), fields);
});
