// Unknown-field detection against the generated schemas.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unknownFields } from '../../../src/api/openapi/index.js';

const deployment = { group: 'apps', version: 'v1', kind: 'Deployment' };

function manifest(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', labels: { 'any/key': 'x' }, annotations: { a: 'b' }, managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': {} } }] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx', resources: { limits: { cpu: '1' } }, env: [{ name: 'A', value: 'b' }] }] },
      },
    },
    status: { replicas: 1 },
  };
}

describe('unknownFields', () => {
  it('accepts a valid manifest, including map keys and free-form fields', () => {
    assert.deepEqual(unknownFields(deployment, manifest()), []);
  });

  it('reports unknown fields with their paths, through lists and references', () => {
    const m = manifest() as { spec: Record<string, unknown> & { template: { spec: { containers: Array<Record<string, unknown>> } } } };
    m.spec.replicasx = 3;
    m.spec.template.spec.containers[0].imagex = 'nginx';
    (m.spec.template.spec.containers[0].env as Array<Record<string, unknown>>)[0].valeu = 'typo';
    assert.deepEqual(unknownFields(deployment, m), [
      '.spec.template.spec.containers[0].env[0].valeu',
      '.spec.template.spec.containers[0].imagex',
      '.spec.replicasx',
    ]);
  });

  it('reports unknown top-level and metadata fields', () => {
    assert.deepEqual(unknownFields(deployment, { ...manifest(), extra: 1, metadata: { name: 'x', nam: 'y' } }), ['.metadata.nam', '.extra']);
  });

  it('descends into map values that are objects', () => {
    const cm = { group: '', version: 'v1', kind: 'ConfigMap' };
    assert.deepEqual(unknownFields(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { anything: 'x' } }), []);
    const crd = { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition' };
    const obj = { spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: { properties: { a: { type: 'string', bogus: 1 } } } } }] } };
    assert.deepEqual(unknownFields(crd, obj), ['.spec.versions[0].schema.openAPIV3Schema.properties[a].bogus']);
  });

  it('knows nothing about kinds without a schema', () => {
    assert.deepEqual(unknownFields({ group: 'example.com', version: 'v1', kind: 'Widget' }, { spec: { x: 1 } }), []);
  });

  it('ignores values whose shape does not match the schema (type errors are not its business)', () => {
    assert.deepEqual(unknownFields(deployment, { spec: 'text', metadata: [1] }), []);
  });
});
