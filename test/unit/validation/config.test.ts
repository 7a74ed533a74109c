/** ConfigMaps and Secrets. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../../src/api/machinery/object.js';
import { check, fieldsOf, withField } from './fixtures.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const configMap: KObject = {
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'default' },
  data: { 'nginx.conf': 'server {}', LOG_LEVEL: 'info' },
};
const tls: KObject = {
  apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-tls', namespace: 'default' }, type: 'kubernetes.io/tls',
  data: { 'tls.crt': b64('cert'), 'tls.key': b64('key') },
};

describe('ConfigMap', () => {
  it('accepts a realistic configmap', () => {
    assert.deepEqual(check(configMap), []);
  });

  it('checks keys', () => {
    const causes = check(withField(configMap, 'data', { 'bad/key': 'x' }));
    assert.deepEqual(fieldsOf(causes), ['data[bad/key]']);
    assert.match(causes[0]?.message ?? '', /^Invalid value: "bad\/key": a valid config key must consist of alphanumeric characters, '-', '_' or '\.'/);
    const dup = withField(configMap, 'binaryData', { LOG_LEVEL: b64('x') });
    assert.deepEqual(fieldsOf(check(dup)), ['binaryData[LOG_LEVEL]']);
  });

  it('limits the total size to 1 MiB', () => {
    const causes = check(withField(configMap, 'data', { big: 'x'.repeat(1024 * 1024) }));
    assert.deepEqual(causes, [{ reason: 'FieldValueTooLong', message: 'Too long: may not be more than 1048576 bytes', field: '' }]);
  });

  it('freezes data when immutable', () => {
    const frozen = withField(configMap, 'immutable', true);
    assert.deepEqual(check(withField(frozen, 'data.LOG_LEVEL', 'debug'), frozen), [{
      reason: 'FieldValueForbidden', message: 'Forbidden: field is immutable when `immutable` is set', field: 'data',
    }]);
    assert.deepEqual(fieldsOf(check(withField(frozen, 'immutable', false), frozen)), ['immutable']);
    assert.deepEqual(check(withField(frozen, 'metadata.labels', { a: 'b' }), frozen), []);
    assert.deepEqual(check(withField(configMap, 'data.LOG_LEVEL', 'debug'), configMap), []);
  });
});

describe('Secret', () => {
  it('accepts realistic secrets', () => {
    assert.deepEqual(check(tls), []);
    const opaque: KObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, type: 'Opaque', stringData: { password: 'hunter2' } };
    assert.deepEqual(check(opaque), []);
  });

  it('requires the keys of its type', () => {
    assert.deepEqual(check(withField(tls, 'data', { 'tls.crt': b64('c') })), [{ reason: 'FieldValueRequired', message: 'Required value', field: 'data[tls.key]' }]);
    const docker: KObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'reg', namespace: 'default' }, type: 'kubernetes.io/dockerconfigjson', data: {} };
    assert.deepEqual(fieldsOf(check(docker)), ['data[.dockerconfigjson]']);
    assert.deepEqual(check(withField(docker, 'data', { '.dockerconfigjson': b64('{"auths":{}}') })), []);
    assert.deepEqual(fieldsOf(check(withField(docker, 'data', { '.dockerconfigjson': b64('not json') }))), ['data[.dockerconfigjson]']);
  });

  it('keeps the type immutable', () => {
    assert.deepEqual(check(withField(tls, 'type', 'Opaque'), tls), [{ reason: 'FieldValueInvalid', message: 'Invalid value: "Opaque": field is immutable', field: 'type' }]);
  });
});
