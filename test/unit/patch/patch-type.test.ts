/** Tests for mapping PATCH Content-Type headers onto patch flavours. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patchTypeOf } from '../../../src/api/patch/index.js';

test('the four Kubernetes patch media types map to their flavour', () => {
  assert.equal(patchTypeOf('application/strategic-merge-patch+json'), 'strategic');
  assert.equal(patchTypeOf('application/merge-patch+json'), 'merge');
  assert.equal(patchTypeOf('application/json-patch+json'), 'json');
  assert.equal(patchTypeOf('application/apply-patch+yaml'), 'apply');
});

test('parameters, case and spaces are ignored', () => {
  assert.equal(patchTypeOf('application/merge-patch+json; charset=utf-8'), 'merge');
  assert.equal(patchTypeOf(' Application/Strategic-Merge-Patch+JSON ;charset=UTF-8'), 'strategic');
});

test('other media types are not patches', () => {
  assert.equal(patchTypeOf('application/json'), undefined);
  assert.equal(patchTypeOf('application/yaml'), undefined);
  assert.equal(patchTypeOf(''), undefined);
  assert.equal(patchTypeOf('toString'), undefined);
});
