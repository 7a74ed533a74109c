/** The dashboard's watch multiplexing: request parsing and line framing. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { muxLine, parseMuxRequest } from '../../../src/ui/mux.js';

describe('watch mux', () => {
  it('reads watch paths with their resourceVersions', () => {
    assert.deepEqual(parseMuxRequest(new URLSearchParams('w=/api/v1/pods&rv=12&w=/apis/apps/v1/deployments&rv=')), [
      { path: '/api/v1/pods', resourceVersion: '12' }, { path: '/apis/apps/v1/deployments', resourceVersion: '' },
    ]);
    assert.deepEqual(parseMuxRequest(new URLSearchParams('w=/api/v1/namespaces/default/events')), [{ path: '/api/v1/namespaces/default/events', resourceVersion: '' }]);
  });

  it('refuses anything but collection paths, and bad versions', () => {
    assert.match(String(parseMuxRequest(new URLSearchParams(''))), /at least one/);
    assert.match(String(parseMuxRequest(new URLSearchParams('w=/api/v1/pods/x/log'))), /not a collection path/);
    assert.match(String(parseMuxRequest(new URLSearchParams('w=/api/v1/../../etc'))), /not a collection path/);
    assert.match(String(parseMuxRequest(new URLSearchParams('w=https://example.com/api/v1/pods'))), /not a collection path/);
    assert.match(String(parseMuxRequest(new URLSearchParams('w=/api/v1/pods&rv=abc'))), /not a number/);
    assert.match(String(parseMuxRequest(new URLSearchParams('w=/api/v1/pods&w=/api/v1/nodes&rv=1'))), /once per w=/);
    assert.match(String(parseMuxRequest(new URLSearchParams(Array.from({ length: 17 }, () => 'w=/api/v1/pods').join('&')))), /at most 16/);
  });

  it('frames events and error replies as one JSON line each', () => {
    const ev = '{"type":"ADDED","object":{"kind":"Pod"}}';
    assert.deepEqual(JSON.parse(muxLine(3, ev, ev)), { r: 3, e: { type: 'ADDED', object: { kind: 'Pod' } } });
    assert.deepEqual(JSON.parse(muxLine(1, undefined, '{"kind":"Status","code":403}')), { r: 1, status: { kind: 'Status', code: 403 } });
    assert.deepEqual(JSON.parse(muxLine(0, undefined, 'not json')), { r: 0, status: 'not json' });
    assert.ok(muxLine(0, ev, ev).endsWith('}\n'));
  });
});
