/** Endpoints and EndpointSlice plans: selection, readiness, terminating pods, named ports, hostnames, slicing, mirroring. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KObject } from '../../../src/api/machinery/object.js';
import { desiredSubsets, servicesSelecting } from '../../../src/controllers/endpoints/plan.js';
import { desiredSlices, mirroredSlices, reconcileSlices, CONTROLLER_NAME } from '../../../src/controllers/endpointslice/plan.js';

function svc(spec: Service['spec'], name = 'web'): Service & KObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns', uid: 'svc-uid', labels: { app: 'web' } }, spec };
}

function pod(name: string, ip: string, opts: { ready?: boolean; terminating?: boolean; labels?: Record<string, string>; portName?: string; port?: number; hostname?: string; subdomain?: string; node?: string } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `${name}-uid`, labels: opts.labels ?? { app: 'web' }, ...(opts.terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      nodeName: opts.node === undefined ? 'n1' : opts.node || undefined, hostname: opts.hostname, subdomain: opts.subdomain,
      containers: [{ name: 'c', ports: [{ name: opts.portName ?? 'http', containerPort: opts.port ?? 8080 }] }],
    },
    status: { phase: 'Running', podIP: ip || undefined, conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

const web = svc({ selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] });

test('Endpoints: ready and not-ready addresses, named target ports resolved per pod, others left out', () => {
  const pods = [
    pod('a', '10.0.0.3'), pod('b', '10.0.0.2', { ready: false }), pod('c', '10.0.0.4', { port: 9090 }),
    pod('d', '', {}), pod('e', '10.0.0.5', { labels: { app: 'other' } }), pod('f', '10.0.0.6', { terminating: true }),
    pod('g', '10.0.0.7', { portName: 'grpc' }), pod('h', '10.0.0.8', { node: '' }),
  ];
  const subsets = desiredSubsets(web, pods);
  assert.equal(subsets.length, 2);
  const s8080 = subsets.find((s) => s.ports?.[0].port === 8080);
  assert.deepEqual(s8080?.addresses?.map((a) => a.ip), ['10.0.0.3']);
  assert.deepEqual(s8080?.notReadyAddresses?.map((a) => a.ip), ['10.0.0.2']);
  assert.deepEqual(s8080?.addresses?.[0].targetRef, { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'a-uid' });
  assert.equal(s8080?.addresses?.[0].nodeName, 'n1');
  assert.deepEqual(subsets.find((s) => s.ports?.[0].port === 9090)?.addresses?.map((a) => a.ip), ['10.0.0.4']);
});

test('Endpoints: publishNotReadyAddresses lists every pod as ready; hostnames for pods in the Service subdomain', () => {
  const s = svc({ selector: { app: 'web' }, clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ port: 80, targetPort: 8080 }] });
  const subsets = desiredSubsets(s, [pod('web-0', '10.0.0.9', { ready: false, hostname: 'web-0', subdomain: 'web' }), pod('x', '10.0.0.10', { hostname: 'x', subdomain: 'other' })]);
  assert.deepEqual(subsets[0].addresses?.map((a) => [a.ip, a.hostname]), [['10.0.0.9', 'web-0'], ['10.0.0.10', undefined]]);
  assert.equal(subsets[0].notReadyAddresses, undefined);
});

test('EndpointSlices: conditions for ready, not ready and terminating pods', () => {
  const [slice] = desiredSlices(web, [pod('a', '10.0.0.3'), pod('b', '10.0.0.2', { ready: false }), pod('f', '10.0.0.6', { terminating: true }), pod('g', '10.0.0.7', { terminating: true, ready: false })]);
  assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(slice.endpoints.map((e) => [e.addresses[0], e.conditions]), [
    ['10.0.0.2', { ready: false, serving: false, terminating: false }],
    ['10.0.0.3', { ready: true, serving: true, terminating: false }],
    ['10.0.0.6', { ready: false, serving: true, terminating: true }],
    ['10.0.0.7', { ready: false, serving: false, terminating: true }],
  ]);
});

test('EndpointSlices: at most 100 endpoints each, and an empty slice when nothing matches', () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(`p${i}`, `10.1.${Math.floor(i / 200)}.${i % 200}`));
  const slices = desiredSlices(web, pods);
  assert.deepEqual(slices.map((s) => s.endpoints.length), [100, 100, 50]);
  assert.deepEqual(desiredSlices(web, []), [{ ports: [], endpoints: [] }]);
});

test('mirroring: Endpoints of a selector-less Service become slices', () => {
  const slices = mirroredSlices({ subsets: [{ addresses: [{ ip: '192.0.2.1' }], notReadyAddresses: [{ ip: '192.0.2.2' }], ports: [{ name: 'x', port: 9000 }] }] });
  assert.deepEqual(slices, [{ ports: [{ name: 'x', port: 9000, protocol: 'TCP' }], endpoints: [
    { addresses: ['192.0.2.1'], conditions: { ready: true } }, { addresses: ['192.0.2.2'], conditions: { ready: false } },
  ] }]);
});

test('reconcile: existing slices are reused in name order, written only when different, extras deleted', () => {
  const desired = desiredSlices(web, [pod('a', '10.0.0.3')]);
  const first = reconcileSlices(web, [], desired, CONTROLLER_NAME);
  assert.equal(first.create.length, 1);
  const created = first.create[0] as EndpointSlice & KObject;
  assert.deepEqual(created.metadata.labels, { app: 'web', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': CONTROLLER_NAME });
  assert.equal(created.metadata.ownerReferences?.[0].uid, 'svc-uid');
  const existing = [{ ...created, metadata: { ...created.metadata, name: 'web-b' } }, { ...created, metadata: { ...created.metadata, name: 'web-a' } }];
  const again = reconcileSlices(web, existing, desired, CONTROLLER_NAME);
  assert.deepEqual([again.create.length, again.update.length, again.delete.map((s) => s.metadata.name)], [0, 0, ['web-b']]);
  const moved = reconcileSlices(web, existing, desiredSlices(web, [pod('a', '10.0.0.4')]), CONTROLLER_NAME);
  assert.deepEqual(moved.update.map((s) => s.metadata.name), ['web-a']);
});

test('a pod change concerns the Services of its namespace whose selector matches its old or new labels', () => {
  const web = svc({ selector: { app: 'web' } }, 'web');
  const api = svc({ selector: { app: 'api' } }, 'api');
  const manual = svc({}, 'manual');
  const elsewhere = { ...svc({ selector: { app: 'web' } }, 'web2'), metadata: { name: 'web2', namespace: 'other' } };
  const pod = (app: string): Pod => ({ metadata: { name: 'p', namespace: 'ns', labels: { app } } });
  assert.deepEqual(servicesSelecting([web, api, manual, elsewhere], [pod('web')]).map((s) => s.metadata?.name), ['web']);
  assert.deepEqual(servicesSelecting([web, api, manual, elsewhere], [pod('web'), pod('api')]).map((s) => s.metadata?.name), ['web', 'api']);
  assert.deepEqual(servicesSelecting([web, api], [pod('db')]), []);
});
