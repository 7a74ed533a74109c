/** Service environment variables and pod resolver configuration, as the kubelet builds them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { serviceEnvFor, serviceVariables } from '../../../src/agent/container-config/service-env.js';
import { parseResolvConf, podDNSConfig } from '../../../src/agent/container-config/dns-config.js';

function svc(ns: string, name: string, spec: Service['spec']): Service {
  return { metadata: { namespace: ns, name }, spec };
}

const kubernetes = svc('default', 'kubernetes', { clusterIP: '10.0.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] });
const web = svc('ns', 'my-web', { clusterIP: '10.0.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] });
const headless = svc('ns', 'db', { clusterIP: 'None', ports: [{ port: 5432 }] });
const other = svc('elsewhere', 'api', { clusterIP: '10.0.0.30', ports: [{ port: 8080 }] });

test('one Service gives the host, port, named ports and Docker link variables', () => {
  assert.deepEqual(serviceVariables(web), [
    { name: 'MY_WEB_SERVICE_HOST', value: '10.0.0.20' },
    { name: 'MY_WEB_SERVICE_PORT', value: '80' },
    { name: 'MY_WEB_SERVICE_PORT_HTTP', value: '80' },
    { name: 'MY_WEB_SERVICE_PORT_DNS', value: '53' },
    { name: 'MY_WEB_PORT', value: 'tcp://10.0.0.20:80' },
    { name: 'MY_WEB_PORT_80_TCP', value: 'tcp://10.0.0.20:80' },
    { name: 'MY_WEB_PORT_80_TCP_PROTO', value: 'tcp' },
    { name: 'MY_WEB_PORT_80_TCP_PORT', value: '80' },
    { name: 'MY_WEB_PORT_80_TCP_ADDR', value: '10.0.0.20' },
    { name: 'MY_WEB_PORT_53_UDP', value: 'udp://10.0.0.20:53' },
    { name: 'MY_WEB_PORT_53_UDP_PROTO', value: 'udp' },
    { name: 'MY_WEB_PORT_53_UDP_PORT', value: '53' },
    { name: 'MY_WEB_PORT_53_UDP_ADDR', value: '10.0.0.20' },
  ]);
});

test('a pod sees its namespace and kubernetes, not headless Services or other namespaces', () => {
  const pod: Pod = { metadata: { namespace: 'ns', name: 'p' } };
  const names = serviceEnvFor(pod, [kubernetes, web, headless, other]).map((e) => e.name);
  assert.ok(names.includes('KUBERNETES_SERVICE_HOST') && names.includes('MY_WEB_SERVICE_HOST'));
  assert.ok(!names.some((n) => n.startsWith('DB_') || n.startsWith('API_')));
});

test('enableServiceLinks: false keeps only the kubernetes Service', () => {
  const pod: Pod = { metadata: { namespace: 'ns', name: 'p' }, spec: { enableServiceLinks: false, containers: [] } };
  const names = serviceEnvFor(pod, [kubernetes, web]).map((e) => e.name);
  assert.ok(names.includes('KUBERNETES_SERVICE_HOST'));
  assert.ok(!names.includes('MY_WEB_SERVICE_HOST'));
});

function pod(spec: Partial<NonNullable<Pod['spec']>>): Pod {
  return { metadata: { namespace: 'team', name: 'p' }, spec: { containers: [], ...spec } };
}

test('ClusterFirst names cluster DNS with the namespace search path; Default keeps the node resolver', () => {
  assert.deepEqual(podDNSConfig(pod({}), '10.0.0.10'), {
    servers: ['10.0.0.10'], searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'],
  });
  assert.equal(podDNSConfig(pod({ dnsPolicy: 'Default' }), '10.0.0.10'), undefined);
  assert.equal(podDNSConfig(pod({ hostNetwork: true }), '10.0.0.10'), undefined);
  assert.deepEqual(podDNSConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), '10.0.0.10')?.servers, ['10.0.0.10']);
});

test('None uses dnsConfig alone; dnsConfig merges into the others, options by name', () => {
  const dnsConfig = { nameservers: ['192.0.2.53'], searches: ['corp.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] };
  assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig }), '10.0.0.10'), { servers: ['192.0.2.53'], searches: ['corp.example'], options: ['ndots:2', 'edns0'] });
  assert.deepEqual(podDNSConfig(pod({ dnsConfig }), '10.0.0.10'), {
    servers: ['10.0.0.10', '192.0.2.53'], searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], options: ['ndots:2', 'edns0'],
  });
  const host = parseResolvConf('nameserver 192.0.2.1\nsearch lan\noptions rotate\n');
  assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'Default', dnsConfig }), '10.0.0.10', host), {
    servers: ['192.0.2.1', '192.0.2.53'], searches: ['lan', 'corp.example'], options: ['rotate', 'ndots:2', 'edns0'],
  });
});
