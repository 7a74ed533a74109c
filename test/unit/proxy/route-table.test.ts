// The route table (ready endpoints, terminating fallback, ports by name, HTTP detection), the listener diff, address diff and Service status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRouteTable, proxyModeOf } from '../../../src/proxy/route-table.js';
import { desiredListeners, diffAddresses, diffListeners } from '../../../src/proxy/listeners.js';
import { serviceStatusPatch } from '../../../src/proxy/service-status.js';
import type { EndpointSlice, Service } from '../../../src/proxy/types.js';

function svc(name: string, o: Partial<NonNullable<Service['spec']>> = {}, created = '2024-01-01T00:00:00Z', annotations?: Record<string, string>): Service {
  return {
    metadata: { name, namespace: 'default', creationTimestamp: created, ...(annotations ? { annotations } : {}) },
    spec: { type: 'ClusterIP', clusterIP: '10.0.0.10', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...o },
  };
}

type Ep = { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean };
function slice(service: string, name: string, eps: Ep[], ports: { name?: string; port: number }[] = [{ name: 'http', port: 8080 }]): EndpointSlice {
  return {
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ...(e.ready !== undefined ? { ready: e.ready } : {}), ...(e.serving !== undefined ? { serving: e.serving } : {}), ...(e.terminating !== undefined ? { terminating: e.terminating } : {}) } })),
    ports: ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, protocol: 'TCP' })),
  };
}

const ips = (t: ReturnType<typeof buildRouteTable>, key: string): string[] => (t.routes.get(key)?.endpoints ?? []).map((e) => e.key);

test('only ready endpoints get traffic, across slices, deduplicated and sorted', () => {
  const t = buildRouteTable([svc('web')], [
    slice('web', 'a', [{ ip: '10.1.0.3', ready: true }, { ip: '10.1.0.9', ready: false }]),
    slice('web', 'b', [{ ip: '10.1.0.2' }, { ip: '10.1.0.3', ready: true }]),
    slice('other', 'c', [{ ip: '10.1.0.7', ready: true }]),
  ]);
  assert.deepEqual(ips(t, 'default/web:http'), ['10.1.0.2:8080', '10.1.0.3:8080']);
  assert.deepEqual([...t.clusterIPs], ['10.0.0.10']);
});

test('serving terminating endpoints are used only when nothing is ready', () => {
  const terminating = slice('web', 'a', [{ ip: '10.1.0.4', ready: false, serving: true, terminating: true }, { ip: '10.1.0.5', ready: false, serving: false, terminating: true }]);
  assert.deepEqual(ips(buildRouteTable([svc('web')], [terminating]), 'default/web:http'), ['10.1.0.4:8080']);
  const withReady = slice('web', 'b', [{ ip: '10.1.0.6', ready: true }]);
  assert.deepEqual(ips(buildRouteTable([svc('web')], [terminating, withReady]), 'default/web:http'), ['10.1.0.6:8080']);
});

test('ports match by name; unnamed ports use the number as label; UDP is not proxied', () => {
  const s = svc('multi', { ports: [{ port: 53, protocol: 'UDP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }] });
  const t = buildRouteTable([s, svc('plain', { clusterIP: '10.0.0.11', ports: [{ port: 5432, protocol: 'TCP' }] })], [
    slice('multi', 'a', [{ ip: '10.1.0.2' }], [{ name: 'metrics', port: 9100 }, { name: 'http', port: 1 }]),
    slice('plain', 'b', [{ ip: '10.1.0.3' }], [{ port: 5432 }]),
  ]);
  assert.deepEqual([...t.routes.keys()].sort(), ['default/multi:metrics', 'default/plain:5432']);
  assert.deepEqual(ips(t, 'default/multi:metrics'), ['10.1.0.2:9100']);
  assert.deepEqual(ips(t, 'default/plain:5432'), ['10.1.0.3:5432']);
  assert.equal(t.routes.get('default/plain:5432')?.mode, 'tcp');
});

test('headless, ExternalName and in-process Services get no routes; in-process ones keep their address', () => {
  const t = buildRouteTable([
    svc('headless', { clusterIP: 'None' }),
    svc('ext', { type: 'ExternalName', clusterIP: undefined, externalName: 'example.com' }),
    svc('dns', { clusterIP: '10.0.0.53' }, undefined, { 'skiff.io/served-in-process': 'dns' }),
  ], []);
  assert.equal(t.routes.size, 0);
  assert.deepEqual([...t.clusterIPs], ['10.0.0.53']);
});

test('HTTP is detected from appProtocol or the port name', () => {
  assert.equal(proxyModeOf({ name: 'http' }), 'http');
  assert.equal(proxyModeOf({ name: 'http-admin' }), 'http');
  assert.equal(proxyModeOf({ name: 'web', appProtocol: 'http' }), 'http');
  assert.equal(proxyModeOf({ name: 'http', appProtocol: 'https' }), 'tcp');
  assert.equal(proxyModeOf({ name: 'https' }), 'tcp');
  assert.equal(proxyModeOf({ name: 'httpd' }), 'tcp');
  assert.equal(proxyModeOf({}), 'tcp');
});

test('session affinity and node ports are carried into the route', () => {
  const t = buildRouteTable([svc('np', { type: 'NodePort', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } }, ports: [{ name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' }] })], []);
  const r = t.routes.get('default/np:http');
  assert.equal(r?.nodePort, 30080);
  assert.equal(r?.affinityTimeoutMs, 30_000);
  assert.equal(r?.endpoints.length, 0);
});

test('listeners: ClusterIP, NodePort and LoadBalancer sockets; the older Service keeps a contested port', () => {
  const a = svc('a', { type: 'LoadBalancer', clusterIP: '10.0.0.1', ports: [{ name: 'http', port: 8081, nodePort: 30001, protocol: 'TCP' }] }, '2024-01-01T00:00:00Z');
  const b = svc('b', { type: 'LoadBalancer', clusterIP: '10.0.0.2', ports: [{ name: 'tcp', port: 8081, nodePort: 30002, protocol: 'TCP' }] }, '2024-01-02T00:00:00Z');
  const t = buildRouteTable([b, a], []);
  const created = new Map([['default/a', '2024-01-01T00:00:00Z'], ['default/b', '2024-01-02T00:00:00Z']]);
  const d = desiredListeners(t, { nodePortAddress: '127.0.0.2', loadBalancerAddress: '127.0.0.1' }, (k) => created.get(k) ?? '');
  assert.deepEqual([...d.listeners.keys()].sort(), ['10.0.0.1:8081', '10.0.0.2:8081', '127.0.0.1:8081', '127.0.0.2:30001', '127.0.0.2:30002']);
  assert.equal(d.listeners.get('127.0.0.1:8081')?.service, 'default/a');
  assert.equal(d.listeners.get('127.0.0.1:8081')?.mode, 'http');
  assert.deepEqual(d.conflicts.map((c) => [c.spec.id, c.spec.service, c.heldBy]), [['127.0.0.1:8081', 'default/b', 'default/a']]);
});

test('listener diff: open the missing, close the unwanted, reopen on a mode change, retarget in place', () => {
  const spec = (id: string, mode: 'http' | 'tcp', routeKey: string) => ({ id, address: id.split(':')[0], port: Number(id.split(':')[1]), mode, kind: 'ClusterIP' as const, routeKey, service: 'default/x' });
  const current = new Map([
    ['10.0.0.1:80', { mode: 'http' as const, routeKey: 'default/x:http' }],
    ['10.0.0.2:80', { mode: 'http' as const, routeKey: 'default/y:http' }],
    ['10.0.0.3:80', { mode: 'http' as const, routeKey: 'default/z:http' }],
    ['10.0.0.4:80', { mode: 'tcp' as const, routeKey: 'default/w:80' }],
  ]);
  const desired = new Map([
    ['10.0.0.1:80', spec('10.0.0.1:80', 'http', 'default/x:http')],
    ['10.0.0.2:80', spec('10.0.0.2:80', 'tcp', 'default/y:http')],
    ['10.0.0.3:80', spec('10.0.0.3:80', 'http', 'default/z:web')],
    ['10.0.0.5:80', spec('10.0.0.5:80', 'tcp', 'default/v:80')],
  ]);
  const d = diffListeners(current, desired);
  assert.deepEqual(d.close.sort(), ['10.0.0.2:80', '10.0.0.4:80']);
  assert.deepEqual(d.open.map((s) => s.id).sort(), ['10.0.0.2:80', '10.0.0.5:80']);
  assert.deepEqual(d.retarget.map((s) => s.id), ['10.0.0.3:80']);
  assert.deepEqual(diffListeners(new Map(), new Map()), { open: [], close: [], retarget: [] });
});

test('address diff adds what Services need and removes what none wants', () => {
  assert.deepEqual(diffAddresses(['10.0.0.1', '10.0.0.9'], new Set(['10.0.0.1', '10.0.0.2'])), { add: ['10.0.0.2'], remove: ['10.0.0.9'] });
});

test('Service status: Listening condition, load balancer ingress, no patch when nothing changes', () => {
  const now = new Date('2024-05-01T00:00:00Z');
  const lb = svc('lb', { type: 'LoadBalancer' });
  const ok = serviceStatusPatch(lb, [], '127.0.0.1', now);
  assert.deepEqual(ok?.status.loadBalancer, { ingress: [{ ip: '127.0.0.1', ipMode: 'VIP' }] });
  assert.equal(ok?.status.conditions[0].status, 'True');
  const applied: Service = { ...lb, status: { conditions: ok?.status.conditions, loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } };
  assert.equal(serviceStatusPatch(applied, [], '127.0.0.1', new Date('2024-05-02T00:00:00Z')), undefined);
  const failed = serviceStatusPatch(applied, [{ reason: 'PortInUse', loadBalancer: true, message: 'LoadBalancer port 127.0.0.1:80 is already in use on this machine' }], '127.0.0.1', new Date('2024-05-03T00:00:00Z'));
  assert.equal(failed?.status.conditions[0].status, 'False');
  assert.equal(failed?.status.conditions[0].reason, 'PortInUse');
  assert.equal(failed?.status.conditions[0].lastTransitionTime, '2024-05-03T00:00:00Z');
  assert.equal(failed?.status.loadBalancer.ingress, null);
});
