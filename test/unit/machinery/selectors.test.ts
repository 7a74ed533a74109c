// Label and field selector parsing and matching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLabelSelector, fromLabelSelector, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../../../src/api/machinery/selectors.js';
import { isStatusError } from '../../../src/api/machinery/errors.js';

const labels = { app: 'web', tier: 'fe', env: 'prod' };

test('equality operators', () => {
  assert.equal(matchesLabels(parseLabelSelector('app=web'), labels), true);
  assert.equal(matchesLabels(parseLabelSelector('app==web'), labels), true);
  assert.equal(matchesLabels(parseLabelSelector('app!=web'), labels), false);
  assert.equal(matchesLabels(parseLabelSelector('missing!=x'), labels), true);
  assert.equal(matchesLabels(parseLabelSelector('app=db'), labels), false);
});

test('set operators keep commas inside parentheses', () => {
  const sel = parseLabelSelector('app=web,tier in (fe,be),env notin (dev, test)');
  assert.equal(sel.length, 3);
  assert.deepEqual(sel[1], { key: 'tier', operator: 'in', values: ['fe', 'be'] });
  assert.equal(matchesLabels(sel, labels), true);
  assert.equal(matchesLabels(parseLabelSelector('tier in (be)'), labels), false);
  assert.equal(matchesLabels(parseLabelSelector('tier notin (fe)'), labels), false);
});

test('exists and does-not-exist', () => {
  assert.equal(matchesLabels(parseLabelSelector('app'), labels), true);
  assert.equal(matchesLabels(parseLabelSelector('!app'), labels), false);
  assert.equal(matchesLabels(parseLabelSelector('!canary,app'), labels), true);
});

test('empty selector matches everything; an empty value matches an empty label', () => {
  assert.equal(matchesLabels(parseLabelSelector(''), {}), true);
  assert.equal(matchesLabels(parseLabelSelector('a='), { a: '' }), true);
});

test('syntax errors are BadRequest', () => {
  for (const bad of ['app in fe', 'tier in (fe', '=x', 'a b']) {
    assert.throws(() => parseLabelSelector(bad), (e: unknown) => isStatusError(e) && e.code === 400, bad);
  }
});

test('metav1.LabelSelector converts and formats', () => {
  const sel = fromLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }, { key: 'x', operator: 'DoesNotExist' }] });
  assert.equal(formatLabelSelector(sel), 'app=web,tier in (be,fe),!x');
  assert.equal(matchesLabels(sel, labels), true);
});

test('field selectors', () => {
  const reqs = parseFieldSelector('metadata.name=web,status.phase!=Running');
  assert.deepEqual(reqs, [{ field: 'metadata.name', operator: '=', value: 'web' }, { field: 'status.phase', operator: '!=', value: 'Running' }]);
  assert.equal(matchesFields(reqs, { 'metadata.name': 'web', 'status.phase': 'Pending' }), true);
  assert.equal(matchesFields(reqs, { 'metadata.name': 'web', 'status.phase': 'Running' }), false);
  assert.throws(() => parseFieldSelector('nonsense'), (e: unknown) => isStatusError(e) && e.code === 400);
});
