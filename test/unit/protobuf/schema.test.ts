// The field-table notation: parsing marks, catching dangling message references, and Duration formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTables, parseField } from '../../../src/api/protobuf/schema.js';
import { messageDescriptors } from '../../../src/api/protobuf/registry.js';
import { formatDuration } from '../../../src/api/protobuf/well-known.js';
import { protobufKinds, rootMessageFor } from '../../../src/api/protobuf/kinds.js';

test('parseField reads names, types and marks', () => {
  assert.deepEqual(parseField(1, 'replicas int32?', 'apps'), {
    number: 1, jsonName: 'replicas', value: { kind: 'scalar', scalar: 'int32' }, repeated: false, map: false, presence: 'pointer', inline: false,
  });
  assert.deepEqual(parseField(3, 'template core.PodTemplateSpec', 'apps').value, { kind: 'message', name: 'core.PodTemplateSpec' });
  assert.deepEqual(parseField(6, 'ports ContainerPort[]', 'core').value, { kind: 'message', name: 'core.ContainerPort' });
  assert.equal(parseField(6, 'ports ContainerPort[]', 'core').repeated, true);
  const limits = parseField(1, 'limits map<string,Quantity>', 'core');
  assert.equal(limits.map, true);
  assert.deepEqual(limits.value, { kind: 'wellKnown', name: 'Quantity' });
  const inline = parseField(2, '...volumeSource VolumeSource', 'core');
  assert.equal(inline.inline, true);
  assert.equal(inline.jsonName, 'volumeSource');
  assert.equal(parseField(3, 'containerPort int32!', 'core').presence, 'always');
  assert.throws(() => parseField(1, 'no-type', 'core'), /bad protobuf field spec/);
});

test('compileTables refuses references to messages that do not exist', () => {
  assert.throws(() => compileTables({ x: { A: { 1: 'b B' } } }), /unknown message x\.B/);
});

test('every decodable kind has a compiled root message', () => {
  for (const { apiVersion, kind } of protobufKinds()) {
    const root = rootMessageFor(apiVersion, kind);
    assert.ok(root && messageDescriptors.has(root), `${apiVersion} ${kind}`);
  }
  assert.equal(rootMessageFor('apps/v1', 'Deployment'), 'apps.Deployment');
  assert.equal(rootMessageFor('apps/v1', 'Nope'), undefined);
});

test('formatDuration matches Go time.Duration.String', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(1_500_000_000), '1.5s');
  assert.equal(formatDuration(3_600_000_000_000), '1h0m0s');
  assert.equal(formatDuration(90_000_000_000), '1m30s');
  assert.equal(formatDuration(2_000_000), '2ms');
  assert.equal(formatDuration(-5_000_000_000), '-5s');
});
