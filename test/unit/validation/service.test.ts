/** Services and Endpoints. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../../src/api/machinery/object.js';
import { causeAt, check, fieldsOf, service, withField } from './fixtures.js';

describe('Service', () => {
  it('accepts a realistic service', () => {
    assert.deepEqual(check(service), []);
    assert.deepEqual(check(withField(withField(service, 'spec.clusterIP', 'None'), 'spec.clusterIPs', ['None'])), []);
  });

  it('uses DNS-1035 names', () => {
    assert.match(causeAt(check(withField(service, 'metadata.name', '1web')), 'metadata.name')?.message ?? '', /^Invalid value: "1web": a DNS-1035 label/);
  });

  it('checks ports', () => {
    assert.deepEqual(check(withField(service, 'spec.ports[0].port', 0)), [{
      reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be between 1 and 65535, inclusive', field: 'spec.ports[0].port',
    }]);
    assert.deepEqual(check(withField(service, 'spec.ports[1].name', undefined)), [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.ports[1].name' }]);
    assert.deepEqual(check(withField(service, 'spec.ports[1].name', 'http')), [{ reason: 'FieldValueDuplicate', message: 'Duplicate value: "http"', field: 'spec.ports[1].name' }]);
    assert.deepEqual(fieldsOf(check(withField(service, 'spec.ports[0].targetPort', 'HTTP'))), ['spec.ports[0].targetPort', 'spec.ports[0].targetPort']);
    assert.deepEqual(fieldsOf(check(withField(service, 'spec.ports[0].protocol', 'ICMP'))), ['spec.ports[0].protocol']);
    assert.deepEqual(fieldsOf(check(withField(service, 'spec.ports', []))), ['spec.ports']);
    const single = withField(service, 'spec.ports', [{ port: 80, targetPort: 8080, protocol: 'TCP' }]);
    assert.deepEqual(check(single), []);
  });

  it('restricts node ports', () => {
    assert.deepEqual(check(withField(service, 'spec.ports[0].nodePort', 30080)), [{
      reason: 'FieldValueForbidden', message: "Forbidden: may not be used when `type` is 'ClusterIP'", field: 'spec.ports[0].nodePort',
    }]);
    const nodePort = withField(withField(service, 'spec.type', 'NodePort'), 'spec.ports[0].nodePort', 8080);
    assert.deepEqual(check(nodePort), [{
      reason: 'FieldValueInvalid', message: 'Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767',
      field: 'spec.ports[0].nodePort',
    }]);
    assert.deepEqual(check(withField(nodePort, 'spec.ports[0].nodePort', 30080)), []);
  });

  it('checks type, cluster IPs and external names', () => {
    assert.deepEqual(check(withField(service, 'spec.type', 'Internal')), [{
      reason: 'FieldValueNotSupported', message: 'Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"', field: 'spec.type',
    }]);
    assert.deepEqual(fieldsOf(check(withField(service, 'spec.clusterIPs', ['10.96.0.300']))), ['spec.clusterIPs[0]']);
    const ext: KObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' } };
    assert.deepEqual(check(ext), []);
    assert.deepEqual(check(withField(ext, 'spec.externalName', undefined)), [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.externalName' }]);
    assert.deepEqual(fieldsOf(check(withField(service, 'spec.selector', { app: 'we b' }))), ['spec.selector']);
  });

  it('keeps the cluster IP once set', () => {
    const next = withField(withField(service, 'spec.clusterIP', '10.96.0.11'), 'spec.clusterIPs', ['10.96.0.11']);
    assert.deepEqual(check(next, service), [{
      reason: 'FieldValueInvalid', message: 'Invalid value: ["10.96.0.11"]: may not change once set', field: 'spec.clusterIPs[0]',
    }]);
    assert.deepEqual(check(withField(service, 'spec.selector', { app: 'api' }), service), []);
  });
});

describe('Endpoints', () => {
  it('checks addresses and ports', () => {
    const ep: KObject = {
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }],
    };
    assert.deepEqual(check(ep), []);
    assert.deepEqual(fieldsOf(check(withField(ep, 'subsets[0].addresses[0].ip', 'pod-a'))), ['subsets[0].addresses[0].ip']);
    assert.deepEqual(fieldsOf(check(withField(ep, 'subsets[0].ports[0].port', 0))), ['subsets[0].ports[0].port']);
  });
});
