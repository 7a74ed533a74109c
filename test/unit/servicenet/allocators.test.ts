/** Cluster IP and node port allocation: ranges, requested values, duplicates, carry-over on update. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocateClusterIP, allocateNodePort, AllocationError, dnsServiceIP, kubernetesServiceIP } from '../../../src/api/servicenet/allocators.js';
import { contains, formatCidr, halves, parseCidr } from '../../../src/api/servicenet/cidr.js';
import { allocateService, AllocationFailed, prepareServiceUpdate } from '../../../src/api/servicenet/service-allocation.js';
import type { KObject } from '../../../src/api/machinery/object.js';

const range = parseCidr('172.18.128.0/17');
const ports = { min: 30000, max: 32767 };

test('the service range is the upper half of the network subnet', () => {
  const [low, high] = halves(parseCidr('172.18.0.0/16'));
  assert.equal(formatCidr(low), '172.18.0.0/17');
  assert.equal(formatCidr(high), '172.18.128.0/17');
  assert.equal(kubernetesServiceIP(high), '172.18.128.1');
  assert.equal(dnsServiceIP(high), '172.18.128.10');
});

test('cluster IPs are distinct, inside the range, never the reserved or edge addresses', () => {
  const small = parseCidr('10.0.0.0/27');
  const used = new Set<string>();
  for (let i = 0; i < 28; i++) {
    const ip = allocateClusterIP(small, used);
    assert.ok(contains(small, ip) && !used.has(ip), ip);
    used.add(ip);
  }
  assert.ok(!used.has('10.0.0.0') && !used.has('10.0.0.31') && !used.has('10.0.0.1') && !used.has('10.0.0.10'));
  assert.throws(() => allocateClusterIP(small, used), /range is full/);
});

test('a requested cluster IP is honoured, or refused when taken or outside the range', () => {
  assert.equal(allocateClusterIP(range, new Set(), '172.18.200.7'), '172.18.200.7');
  assert.throws(() => allocateClusterIP(range, new Set(['172.18.200.7']), '172.18.200.7'), /provided IP is already allocated/);
  assert.throws(() => allocateClusterIP(range, new Set(), '172.18.1.7'), (e: Error) => e instanceof AllocationError && /not in the valid range/.test(e.message));
});

test('node ports: requested, duplicate, out of range, dynamic', () => {
  assert.equal(allocateNodePort(ports, new Set(), 30080), 30080);
  assert.throws(() => allocateNodePort(ports, new Set([30080]), 30080), /provided port is already allocated/);
  assert.throws(() => allocateNodePort(ports, new Set(), 80), /not in the valid range/);
  const p = allocateNodePort({ min: 30000, max: 30001 }, new Set([30000]));
  assert.equal(p, 30001);
});

function svc(spec: Record<string, unknown>): KObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec };
}

test('a NodePort Service gets a cluster IP and a node port per port; a headless one none', () => {
  const out = allocateService(svc({ type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP', nodePort: 30443 }] }), undefined, range, ports, { ips: new Set(), nodePorts: new Set() });
  const spec = out.object.spec as { clusterIP: string; clusterIPs: string[]; ports: { nodePort: number }[] };
  assert.ok(contains(range, spec.clusterIP));
  assert.deepEqual(spec.clusterIPs, [spec.clusterIP]);
  assert.equal(spec.ports[1].nodePort, 30443);
  assert.ok(spec.ports[0].nodePort >= 30000 && spec.ports[0].nodePort <= 32767);
  assert.deepEqual(out.nodePorts.sort(), [spec.ports[0].nodePort, 30443].sort());
  const headless = allocateService(svc({ clusterIP: 'None', ports: [{ port: 80 }] }), undefined, range, ports, { ips: new Set(), nodePorts: new Set() });
  assert.deepEqual((headless.object.spec as { clusterIPs: string[] }).clusterIPs, ['None']);
  assert.deepEqual(headless.ips, []);
});

test('duplicates are 422 causes on the fields Kubernetes names', () => {
  assert.throws(
    () => allocateService(svc({ type: 'NodePort', clusterIP: '172.18.130.1', ports: [{ port: 80, nodePort: 30080 }] }), undefined, range, ports, { ips: new Set(['172.18.130.1']), nodePorts: new Set([30080]) }),
    (e: Error) => e instanceof AllocationFailed && e.causes.map((c) => c.field).join() === 'spec.clusterIPs,spec.ports[0].nodePort'
      && /provided IP is already allocated/.test(e.causes[0].message ?? '') && /provided port is already allocated/.test(e.causes[1].message ?? ''),
  );
});

test('an update keeps the allocated values it was sent without, and a change to ClusterIP drops node ports', () => {
  const old = svc({ type: 'NodePort', clusterIP: '172.18.130.1', clusterIPs: ['172.18.130.1'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] });
  const put = prepareServiceUpdate(svc({ type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }] }), old);
  const out = allocateService(put, old, range, ports, { ips: new Set(), nodePorts: new Set() });
  assert.deepEqual(out.object.spec, { type: 'NodePort', clusterIP: '172.18.130.1', clusterIPs: ['172.18.130.1'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] });
  assert.deepEqual([out.ips, out.nodePorts], [[], []]);
  const toClusterIP = prepareServiceUpdate(svc({ type: 'ClusterIP', clusterIP: '172.18.130.1', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] }), old);
  assert.equal((toClusterIP.spec as { ports: { nodePort?: number }[] }).ports[0].nodePort, undefined);
});
