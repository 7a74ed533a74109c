/** Ingress and IngressClass. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../../src/api/machinery/object.js';
import { check, fieldsOf, withField } from './fixtures.js';

const P0 = 'spec.rules[0].http.paths[0]';
const ingress: KObject = {
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' },
  spec: {
    ingressClassName: 'skiff',
    tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
    rules: [
      { host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
      { host: '*.apps.example.com', http: { paths: [{ path: '/api', pathType: 'Exact', backend: { service: { name: 'api', port: { name: 'http' } } } }] } },
    ],
  },
};

describe('Ingress', () => {
  it('accepts a realistic ingress', () => {
    assert.deepEqual(check(ingress), []);
  });

  it('checks hosts', () => {
    assert.deepEqual(fieldsOf(check(withField(ingress, 'spec.rules[0].host', 'Web.example.com'))), ['spec.rules[0].host']);
    assert.deepEqual(check(withField(ingress, 'spec.rules[0].host', '10.0.0.1')), [{
      reason: 'FieldValueInvalid', message: 'Invalid value: "10.0.0.1": must be a DNS name, not an IP address', field: 'spec.rules[0].host',
    }]);
    assert.deepEqual(fieldsOf(check(withField(ingress, 'spec.rules[1].host', 'a.*.example.com'))), ['spec.rules[1].host']);
  });

  it('checks paths and path types', () => {
    assert.deepEqual(check(withField(ingress, `${P0}.path`, 'api')), [{
      reason: 'FieldValueInvalid', message: 'Invalid value: "api": must be an absolute path', field: `${P0}.path`,
    }]);
    assert.deepEqual(check(withField(ingress, `${P0}.pathType`, undefined)), [{
      reason: 'FieldValueRequired', message: 'Required value: pathType must be specified', field: `${P0}.pathType`,
    }]);
    assert.deepEqual(check(withField(ingress, `${P0}.pathType`, 'Regex')), [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"', field: `${P0}.pathType`,
    }]);
  });

  it('checks backends', () => {
    assert.deepEqual(check(withField(ingress, `${P0}.backend.service.port`, { name: 'http', number: 80 })), [{
      reason: 'FieldValueInvalid', message: 'Invalid value: "": cannot set both port name & port number', field: `${P0}.backend.service.port`,
    }]);
    assert.deepEqual(fieldsOf(check(withField(ingress, `${P0}.backend.service.port`, {}))), [`${P0}.backend.service.port`]);
    assert.deepEqual(fieldsOf(check(withField(ingress, `${P0}.backend.service.name`, undefined))), [`${P0}.backend.service.name`]);
    assert.deepEqual(fieldsOf(check(withField(ingress, `${P0}.backend`, {}))), [`${P0}.backend`]);
    assert.deepEqual(fieldsOf(check(withField(ingress, `${P0}.backend.service.port.number`, 0))), [`${P0}.backend.service.port`]);
  });

  it('needs rules or a default backend', () => {
    assert.deepEqual(fieldsOf(check(withField(ingress, 'spec.rules', undefined))), ['spec']);
    const onlyDefault = withField(withField(ingress, 'spec.rules', undefined), 'spec.defaultBackend', { service: { name: 'web', port: { number: 80 } } });
    assert.deepEqual(check(onlyDefault), []);
  });
});

describe('IngressClass', () => {
  const cls: KObject = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'skiff' }, spec: { controller: 'skiff.dev/ingress' } };
  it('requires a domain-prefixed controller that never changes', () => {
    assert.deepEqual(check(cls), []);
    assert.deepEqual(check(withField(cls, 'spec.controller', undefined)), [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.controller' }]);
    assert.deepEqual(fieldsOf(check(withField(cls, 'spec.controller', 'nginx'))), ['spec.controller']);
    assert.deepEqual(fieldsOf(check(withField(cls, 'spec.controller', 'other.dev/x'), cls)), ['spec.controller']);
  });
});
