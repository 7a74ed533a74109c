// SortedKeys and prefixEnd: the ordered key index and prefix bounds behind lists.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prefixEnd } from '../../../src/api/storage/key-range.js';
import { SortedKeys } from '../../../src/api/storage/sorted-keys.js';

describe('SortedKeys', () => {
  it('keeps keys ordered and unique, and scans prefix ranges after a key', () => {
    const keys = new SortedKeys();
    for (const key of ['/b/2', '/a/1', '/b/1', '/b0', '/b/3', '/a/1']) keys.insert(key);
    assert.equal(keys.size, 5);
    assert.deepEqual([...keys.range('/b/')], ['/b/1', '/b/2', '/b/3']);
    assert.deepEqual([...keys.range('/b/', '/b/1')], ['/b/2', '/b/3']);
    assert.deepEqual([...keys.range('/b/', '/a')], ['/b/1', '/b/2', '/b/3']);
    assert.deepEqual([...keys.range('')], ['/a/1', '/b/1', '/b/2', '/b/3', '/b0']);
    keys.remove('/b/2');
    keys.remove('/missing');
    assert.deepEqual([...keys.range('/b/')], ['/b/1', '/b/3']);
  });
});

describe('prefixEnd', () => {
  it('bumps the last character, or drops characters that cannot be bumped', () => {
    assert.equal(prefixEnd('/registry/pods/'), '/registry/pods0');
    assert.equal(prefixEnd(''), undefined);
    assert.equal(prefixEnd('a\uffff'), 'b');
    assert.equal(prefixEnd('\uffff'), undefined);
    assert.equal(prefixEnd('a\ud7ff'), 'b');
  });
});
