/** Cluster DNS answers: ClusterIP, headless, pod hostnames, ExternalName, SRV, NXDOMAIN, and forwarding of other names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as packet from 'dns-packet';
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import { answerQuestion, type ClusterView } from '../../../src/dns/records.js';
import { DnsServer } from '../../../src/dns/dns-server.js';

const services: Record<string, Service> = {
  'ns/web': { spec: { clusterIP: '10.0.128.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
  'ns/db': { spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] } },
  'ns/ext': { spec: { type: 'ExternalName', externalName: 'example.com' } },
};
const endpoints: Record<string, Endpoints> = {
  'ns/db': { subsets: [{
    addresses: [{ ip: '10.0.0.5', hostname: 'db-0' }, { ip: '10.0.0.6' }], notReadyAddresses: [{ ip: '10.0.0.7', hostname: 'db-2' }],
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  }] },
};
const view: ClusterView = {
  service: (ns, n) => services[`${ns}/${n}`],
  endpoints: (ns, n) => endpoints[`${ns}/${n}`],
  hasNamespace: (ns) => ns === 'ns' || ns === 'default',
};
const ips = (name: string, type = 'A'): string[] | string => {
  const a = answerQuestion({ name, type }, view);
  if (!a) return 'forward';
  return a.rcode === 'NXDOMAIN' ? 'NXDOMAIN' : a.answers.map((r) => (typeof r.data === 'string' ? r.data : `${r.data.target}:${r.data.port}`));
};

test('a ClusterIP Service answers with its ClusterIP, in any letter case, and nothing for AAAA', () => {
  assert.deepEqual(ips('web.ns.svc.cluster.local'), ['10.0.128.20']);
  assert.deepEqual(ips('WEB.ns.svc.cluster.local.'), ['10.0.128.20']);
  assert.deepEqual(ips('web.ns.svc.cluster.local', 'AAAA'), []);
});

test('a headless Service answers with its ready pods; a pod hostname with its pod', () => {
  assert.deepEqual(ips('db.ns.svc.cluster.local'), ['10.0.0.5', '10.0.0.6']);
  assert.deepEqual(ips('db-0.db.ns.svc.cluster.local'), ['10.0.0.5']);
  assert.deepEqual(ips('10-0-0-6.db.ns.svc.cluster.local'), ['10.0.0.6']);
  assert.equal(ips('db-2.db.ns.svc.cluster.local'), 'NXDOMAIN');
});

test('ExternalName is a CNAME; SRV for named ports; pod A records', () => {
  assert.deepEqual(ips('ext.ns.svc.cluster.local'), ['example.com']);
  assert.deepEqual(ips('_http._tcp.web.ns.svc.cluster.local', 'SRV'), ['web.ns.svc.cluster.local:80']);
  assert.deepEqual(ips('_pg._tcp.db.ns.svc.cluster.local', 'SRV'), ['db-0.db.ns.svc.cluster.local:5432', '10-0-0-6.db.ns.svc.cluster.local:5432']);
  assert.deepEqual(ips('10-0-0-9.ns.pod.cluster.local'), ['10.0.0.9']);
});

test('unknown names in the domain are NXDOMAIN; names outside it are forwarded', () => {
  assert.equal(ips('nope.ns.svc.cluster.local'), 'NXDOMAIN');
  assert.equal(ips('web.other.svc.cluster.local'), 'NXDOMAIN');
  assert.equal(ips('web.ns.cluster.local'), 'NXDOMAIN');
  assert.deepEqual(ips('ns.svc.cluster.local'), []);
  assert.equal(ips('example.com'), 'forward');
});

test('the server encodes answers and NXDOMAIN, and SERVFAIL when no upstream answers', async () => {
  const server = new DnsServer({ address: '127.0.0.1', port: 0, view, upstreams: [] });
  const ask = async (name: string): Promise<packet.DecodedPacket> => {
    const out = await server.handle(packet.encode({ type: 'query', id: 7, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] }));
    assert.ok(out);
    return packet.decode(out);
  };
  const ok = await ask('web.ns.svc.cluster.local');
  assert.equal(ok.id, 7);
  assert.equal(ok.rcode, 'NOERROR');
  assert.deepEqual(ok.answers?.map((a) => a.data), ['10.0.128.20']);
  assert.equal((await ask('nope.ns.svc.cluster.local')).rcode, 'NXDOMAIN');
  assert.equal((await ask('example.com')).rcode, 'SERVFAIL');
});
