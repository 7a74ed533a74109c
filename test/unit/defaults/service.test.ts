/** Defaulting of Services of each type. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import type { KObject } from '../../../src/api/machinery/object.js';
import { clusterIpService, gvkOf, nodePortService } from './fixtures.js';

const defaulted = (obj: KObject) => applyDefaults(gvkOf(obj), obj);
const specOf = (obj: KObject) => (defaulted(obj) as unknown as { spec: Record<string, unknown> }).spec;

test('NodePort Service gets external and internal traffic policies', () => {
  assert.deepEqual(defaulted(nodePortService()), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      type: 'NodePort',
      selector: { app: 'web' },
      ports: [{ port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }],
      sessionAffinity: 'None',
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: ['IPv4'],
    },
    status: { loadBalancer: {} },
  });
});

test('ClusterIP Service defaults type, target port and families, without external policy', () => {
  assert.deepEqual(defaulted(clusterIpService()), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      type: 'ClusterIP',
      selector: { app: 'db' },
      ports: [{ name: 'pg', port: 5432, targetPort: 5432, protocol: 'TCP' }],
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: ['IPv4'],
    },
    status: { loadBalancer: {} },
  });
});

test('named target ports, UDP and explicit policies are kept', () => {
  const svc = clusterIpService();
  const spec = svc['spec'] as Record<string, unknown>;
  spec['ports'] = [{ port: 53, targetPort: 'dns', protocol: 'UDP' }];
  spec['internalTrafficPolicy'] = 'Local';
  const out = specOf(svc);
  assert.deepEqual(out['ports'], [{ port: 53, targetPort: 'dns', protocol: 'UDP' }]);
  assert.equal(out['internalTrafficPolicy'], 'Local');
});

test('ClusterIP Service with external IPs is externally accessible', () => {
  const svc = clusterIpService();
  (svc['spec'] as Record<string, unknown>)['externalIPs'] = ['192.0.2.10'];
  assert.equal(specOf(svc)['externalTrafficPolicy'], 'Cluster');
});

test('LoadBalancer Service allocates node ports and marks ingress IPs as VIP', () => {
  const svc = clusterIpService();
  (svc['spec'] as Record<string, unknown>)['type'] = 'LoadBalancer';
  svc['status'] = { loadBalancer: { ingress: [{ ip: '192.0.2.1' }, { hostname: 'lb.example' }] } };
  const out = defaulted(svc) as unknown as { spec: Record<string, unknown>; status: unknown };
  assert.equal(out.spec['allocateLoadBalancerNodePorts'], true);
  assert.equal(out.spec['externalTrafficPolicy'], 'Cluster');
  assert.deepEqual(out.status, { loadBalancer: { ingress: [{ ip: '192.0.2.1', ipMode: 'VIP' }, { hostname: 'lb.example' }] } });
});

test('ExternalName Service gets no traffic policies and no IP families', () => {
  const svc: KObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } };
  assert.deepEqual(specOf(svc), { type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' });
});

test('headless Service without selector asks for dual stack', () => {
  const svc: KObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'h' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } };
  const spec = specOf(svc);
  assert.equal(spec['ipFamilyPolicy'], 'RequireDualStack');
  assert.deepEqual(spec['ipFamilies'], ['IPv4']);
});

test('ClientIP affinity gets a three hour timeout; None drops the config', () => {
  const sticky = clusterIpService();
  (sticky['spec'] as Record<string, unknown>)['sessionAffinity'] = 'ClientIP';
  assert.deepEqual(specOf(sticky)['sessionAffinityConfig'], { clientIP: { timeoutSeconds: 10800 } });
  const custom = clusterIpService();
  Object.assign(custom['spec'] as Record<string, unknown>, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
  assert.deepEqual(specOf(custom)['sessionAffinityConfig'], { clientIP: { timeoutSeconds: 60 } });
  const none = clusterIpService();
  (none['spec'] as Record<string, unknown>)['sessionAffinityConfig'] = { clientIP: { timeoutSeconds: 60 } };
  assert.equal(specOf(none)['sessionAffinityConfig'], undefined);
});
