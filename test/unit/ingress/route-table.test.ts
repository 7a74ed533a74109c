// Ingress rule matching: exact and wildcard hosts, Exact/Prefix paths by element, precedence, defaultBackend, named ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRouteTable, matchRoute, normalizeHost, pathMatches } from '../../../src/proxy/ingress/route-table.js';
import { backend, ingress, path, service, slice } from './fixtures.js';

const svcs = [service('a', [{ name: 'http', port: 80, targetPort: 8080 }]), service('b', [{ name: 'web', port: 80 }, { name: 'admin', port: 9000 }]), service('c', [{ port: 80 }])];
const slices = [
  slice('a', [{ name: 'http', port: 8080 }], [{ ip: '10.0.0.1' }, { ip: '10.0.0.2', ready: false }]),
  slice('b', [{ name: 'web', port: 8081 }, { name: 'admin', port: 9090 }], [{ ip: '10.0.1.1', ready: true }]),
  slice('c', [{ port: 8082 }], [{ ip: '10.0.2.1' }]),
];
const table = (ings: ReturnType<typeof ingress>[]) => buildRouteTable({ ingresses: ings, services: svcs, endpointSlices: slices });
const svcOf = (t: ReturnType<typeof matchRoute>) => t?.backend?.service;

test('Prefix matches by path element and ignores a trailing slash; Exact matches only itself', () => {
  const p = { path: '/foo', type: 'Prefix' as const };
  assert.equal(pathMatches(p, '/foo'), true);
  assert.equal(pathMatches(p, '/foo/'), true);
  assert.equal(pathMatches(p, '/foo/bar'), true);
  assert.equal(pathMatches(p, '/foobar'), false);
  assert.equal(pathMatches({ path: '/foo/', type: 'Prefix' }, '/foo'), true);
  assert.equal(pathMatches({ path: '/', type: 'Prefix' }, '/anything/at/all'), true);
  assert.equal(pathMatches({ path: '/foo', type: 'Exact' }, '/foo'), true);
  assert.equal(pathMatches({ path: '/foo', type: 'Exact' }, '/foo/'), false);
  assert.equal(pathMatches({ path: '/foo', type: 'Exact' }, '/foo/bar'), false);
});

test('the Host header is matched without its port and case-insensitively', () => {
  assert.equal(normalizeHost('Example.COM:8080'), 'example.com');
  assert.equal(normalizeHost('[::1]:80'), '[::1]');
  const t = table([ingress('i', [{ host: 'example.com', paths: [path('/', 'Prefix', 'a', 'http')] }])]);
  assert.equal(svcOf(matchRoute(t, 'EXAMPLE.com:31000', '/x')), 'a');
  assert.equal(matchRoute(t, 'other.com', '/x'), undefined);
});

test('a wildcard host covers exactly one label, and an exact host wins over it', () => {
  const t = table([ingress('i', [
    { host: '*.example.com', paths: [path('/', 'Prefix', 'b', 80)] },
    { host: 'foo.example.com', paths: [path('/', 'Prefix', 'a', 'http')] },
  ])]);
  assert.equal(svcOf(matchRoute(t, 'bar.example.com', '/')), 'b');
  assert.equal(svcOf(matchRoute(t, 'foo.example.com', '/')), 'a');
  assert.equal(matchRoute(t, 'a.bar.example.com', '/'), undefined);
  assert.equal(matchRoute(t, 'example.com', '/'), undefined);
});

test('the longest path wins, Exact before Prefix on equal length, whatever the order written', () => {
  const t = table([ingress('i', [{ host: 'h', paths: [
    path('/', 'Prefix', 'c'), path('/api', 'Prefix', 'b', 80), path('/api/v2', 'ImplementationSpecific', 'a', 'http'), path('/api', 'Exact', 'a', 'http'),
  ] }])]);
  assert.equal(svcOf(matchRoute(t, 'h', '/api/v2/x?q=1')), 'a');
  assert.equal(matchRoute(t, 'h', '/api/v2/x')?.path, '/api/v2');
  assert.equal(matchRoute(t, 'h', '/api')?.path, '/api');
  assert.equal(svcOf(matchRoute(t, 'h', '/api')), 'a', 'Exact /api wins over Prefix /api');
  assert.equal(svcOf(matchRoute(t, 'h', '/api/')), 'b');
  assert.equal(svcOf(matchRoute(t, 'h', '/apix')), 'c');
});

test('rules of several Ingresses merge; on a conflict the oldest Ingress keeps the path', () => {
  const older = ingress('old', [{ host: 'h', paths: [path('/x', 'Prefix', 'a', 'http')] }], { created: '2026-01-01T00:00:00Z' });
  const newer = ingress('new', [{ host: 'h', paths: [path('/x/', 'Prefix', 'b', 80), path('/y', 'Prefix', 'b', 80)] }], { created: '2026-02-01T00:00:00Z' });
  const t = table([newer, older]);
  assert.equal(matchRoute(t, 'h', '/x/1')?.ingress, 'old');
  assert.equal(matchRoute(t, 'h', '/y')?.ingress, 'new');
});

test('host-less rules catch other hosts; the defaultBackend catches the rest', () => {
  const t = table([
    ingress('hosted', [{ host: 'h', paths: [path('/only', 'Exact', 'a', 'http')] }]),
    ingress('any', [{ paths: [path('/common', 'Prefix', 'b', 'web')] }], { defaultBackend: backend('c', 80), created: '2026-03-01T00:00:00Z' }),
  ]);
  assert.equal(svcOf(matchRoute(t, 'h', '/only')), 'a');
  assert.equal(svcOf(matchRoute(t, 'h', '/common/z')), 'b', 'a host with no matching path falls through to host-less rules');
  assert.equal(svcOf(matchRoute(t, 'nowhere', '/common')), 'b');
  const d = matchRoute(t, 'nowhere', '/else');
  assert.equal(svcOf(d), 'c');
  assert.equal(d?.path, '');
  assert.equal(matchRoute(table([ingress('hosted', [{ host: 'h', paths: [path('/only', 'Exact', 'a', 'http')] }])]), 'h', '/else'), undefined);
});

test('backends resolve by Service port number or name to ready endpoints at the target port', () => {
  const t = table([ingress('i', [
    { host: 'num', paths: [path('/', 'Prefix', 'b', 9000)] },
    { host: 'named', paths: [path('/', 'Prefix', 'b', 'web')] },
    { host: 'a', paths: [path('/', 'Prefix', 'a', 80)] },
    { host: 'unnamed', paths: [path('/', 'Prefix', 'c', 80)] },
  ])]);
  assert.deepEqual(matchRoute(t, 'num', '/')?.endpoints, [{ ip: '10.0.1.1', port: 9090 }]);
  assert.deepEqual(matchRoute(t, 'named', '/')?.endpoints, [{ ip: '10.0.1.1', port: 8081 }]);
  assert.deepEqual(matchRoute(t, 'a', '/')?.endpoints, [{ ip: '10.0.0.1', port: 8080 }], 'not-ready endpoints get no traffic');
  assert.deepEqual(matchRoute(t, 'unnamed', '/')?.endpoints, [{ ip: '10.0.2.1', port: 8082 }]);
});

test('a backend that cannot be served says why', () => {
  const t = table([ingress('i', [
    { host: 'nosvc', paths: [path('/', 'Prefix', 'missing', 80)] },
    { host: 'noport', paths: [path('/', 'Prefix', 'a', 'grpc')] },
    { host: 'noeps', paths: [path('/', 'Prefix', 'd', 80)] },
  ])]);
  assert.match(matchRoute(t, 'nosvc', '/')?.unavailable ?? '', /service "default\/missing" does not exist/);
  assert.match(matchRoute(t, 'noport', '/')?.unavailable ?? '', /has no port named "grpc"/);
  const noEps = buildRouteTable({ ingresses: [ingress('i', [{ host: 'h', paths: [path('/', 'Prefix', 'a', 'http')] }])], services: svcs, endpointSlices: [] });
  assert.match(matchRoute(noEps, 'h', '/')?.unavailable ?? '', /has no ready endpoints/);
  assert.deepEqual(matchRoute(noEps, 'h', '/')?.endpoints, []);
});

test('slices of a Service in another namespace are not mixed in', () => {
  const t = buildRouteTable({
    ingresses: [ingress('i', [{ host: 'h', paths: [path('/', 'Prefix', 'a', 'http')] }], { ns: 'team' })],
    services: [service('a', [{ name: 'http', port: 80 }], 'team')],
    endpointSlices: [slice('a', [{ name: 'http', port: 8080 }], [{ ip: '10.9.9.9' }]), slice('a', [{ name: 'http', port: 8080 }], [{ ip: '10.1.1.1' }], 'team')],
  });
  assert.deepEqual(matchRoute(t, 'h', '/')?.endpoints, [{ ip: '10.1.1.1', port: 8080 }]);
});
