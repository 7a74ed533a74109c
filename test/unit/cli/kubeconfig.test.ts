// Kubeconfig merging keeps the user's other entries and makes the cluster's context current.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { mergeKubeconfig } from '../../../src/cli/kubeconfig.js';

const entry = { contextName: 'skiff', server: 'https://127.0.0.1:6443', caPem: 'CA', clientCertPem: 'CERT', clientKeyPem: 'KEY' };

test('merges into an existing config without dropping other contexts', () => {
  const existing = 'apiVersion: v1\nkind: Config\nclusters: [{name: other, cluster: {server: "https://10.0.0.1"}}]\nusers: [{name: other, user: {token: t}}]\ncontexts: [{name: other, context: {cluster: other, user: other}}]\ncurrent-context: other\n';
  const doc = parse(mergeKubeconfig(existing, entry)) as { contexts: { name: string }[]; clusters: { name: string; cluster: Record<string, string> }[]; 'current-context': string };
  assert.deepEqual(doc.contexts.map((c) => c.name), ['other', 'skiff']);
  assert.equal(doc['current-context'], 'skiff');
  const c = doc.clusters.find((x) => x.name === 'skiff');
  assert.equal(c?.cluster.server, 'https://127.0.0.1:6443');
  assert.equal(Buffer.from(c?.cluster['certificate-authority-data'] ?? '', 'base64').toString(), 'CA');
});

test('re-merging replaces the entry instead of duplicating it', () => {
  const once = mergeKubeconfig(undefined, entry);
  const twice = parse(mergeKubeconfig(once, { ...entry, server: 'https://127.0.0.1:7000' })) as { clusters: { name: string; cluster: { server: string } }[] };
  assert.equal(twice.clusters.length, 1);
  assert.equal(twice.clusters[0].cluster.server, 'https://127.0.0.1:7000');
});
