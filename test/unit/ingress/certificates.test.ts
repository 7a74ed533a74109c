// TLS certificate selection: hosts from spec.tls (or the rule hosts), exact then wildcard SNI, missing Secrets reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { buildCertificateTable, certificateFor } from '../../../src/proxy/ingress/certificates.js';
import { ingress, path } from './fixtures.js';

const secret = (name: string, crt = 'CERT', key = 'KEY'): [string, Secret] => [`default/${name}`, {
  metadata: { name, namespace: 'default', resourceVersion: '7' }, type: 'kubernetes.io/tls',
  data: { 'tls.crt': Buffer.from(`${crt}-${name}`).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
}];

function withTls(name: string, hosts: string[] | undefined, secretName: string, ruleHosts: string[] = []) {
  const ing = ingress(name, ruleHosts.map((h) => ({ host: h, paths: [path('/', 'Prefix', 's')] })));
  ing.spec = { ...ing.spec, tls: [{ ...(hosts ? { hosts } : {}), secretName }] };
  return ing;
}

test('SNI picks the exact host, then a wildcard for one label, else nothing', () => {
  const t = buildCertificateTable([withTls('i', ['shop.test', '*.apps.test'], 'one'), withTls('j', ['api.apps.test'], 'two')], new Map([secret('one'), secret('two')]));
  assert.equal(certificateFor(t, 'SHOP.test')?.certPem, 'CERT-one');
  assert.equal(certificateFor(t, 'x.apps.test')?.certPem, 'CERT-one');
  assert.equal(certificateFor(t, 'api.apps.test')?.certPem, 'CERT-two');
  assert.equal(certificateFor(t, 'a.b.apps.test'), undefined);
  assert.equal(certificateFor(t, 'other.test'), undefined);
  assert.equal(certificateFor(t, 'shop.test')?.secret, 'default/one');
  assert.equal(certificateFor(t, 'shop.test')?.version, '7');
});

test('a TLS entry without hosts covers the Ingress\'s rule hosts', () => {
  const t = buildCertificateTable([withTls('i', undefined, 'one', ['a.test', 'b.test'])], new Map([secret('one')]));
  assert.equal(certificateFor(t, 'b.test')?.keyPem, 'KEY');
});

test('a missing or incomplete Secret is reported and its hosts fall back to the default certificate', () => {
  const broken: [string, Secret] = ['default/broken', { metadata: { name: 'broken', namespace: 'default' }, data: {} }];
  const t = buildCertificateTable([withTls('i', ['a.test'], 'absent'), withTls('j', ['b.test'], 'broken')], new Map([broken]));
  assert.equal(certificateFor(t, 'a.test'), undefined);
  assert.deepEqual(t.problems.map((p) => p.message), [
    'TLS secret "default/absent" does not exist; the default certificate is served instead',
    'TLS secret "default/broken" has no tls.crt and tls.key; the default certificate is served instead',
  ]);
});
