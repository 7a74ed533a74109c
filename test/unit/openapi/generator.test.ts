// The .d.ts to schema generator, and the committed output staying in step with it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateDefinitions } from '../../../scripts/gen-openapi.js';

const root = join(import.meta.dirname, '..', '..', '..');
const defs = generateDefinitions(join(root, 'node_modules', 'kubernetes-types'));

describe('generateDefinitions', () => {
  it('names schemas like Kubernetes and marks top-level kinds with their GVK', () => {
    const d = defs['io.k8s.api.apps.v1.Deployment'];
    assert.deepEqual(d['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    assert.deepEqual(defs['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
    assert.equal(defs['io.k8s.api.apps.v1.DeploymentSpec']['x-kubernetes-group-version-kind'], undefined);
    assert.ok(defs['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties?.labels);
  });

  it('keeps descriptions and wraps references so the field description survives', () => {
    const spec = defs['io.k8s.api.apps.v1.Deployment'].properties?.spec;
    assert.match(spec?.description ?? '', /desired behavior of the Deployment/);
    assert.deepEqual(spec?.allOf, [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' }]);
  });

  it('lists non-optional properties as required', () => {
    assert.deepEqual(defs['io.k8s.api.apps.v1.DeploymentSpec'].required, ['selector', 'template']);
    assert.deepEqual(defs['io.k8s.api.core.v1.Container'].required, ['name']);
  });

  it('maps scalar types: integers, int-or-string, quantities, times, string maps', () => {
    const port = defs['io.k8s.api.core.v1.ServicePort'].properties ?? {};
    assert.deepEqual(port.port, { description: port.port.description, type: 'integer' });
    assert.deepEqual(port.targetPort.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' }]);
    assert.equal(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString']['x-kubernetes-int-or-string'], true);
    assert.equal(defs['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].format, 'date-time');
    assert.ok(defs['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf);
    const limits = defs['io.k8s.api.core.v1.ResourceRequirements'].properties?.limits;
    assert.deepEqual(limits?.additionalProperties, { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' });
    assert.equal(defs['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps'].properties?.maximum.type, 'number');
  });

  it('marks free-form types and known list types', () => {
    assert.equal(defs['io.k8s.apimachinery.pkg.runtime.RawExtension']['x-kubernetes-preserve-unknown-fields'], true);
    const containers = defs['io.k8s.api.core.v1.PodSpec'].properties?.containers;
    assert.equal(containers?.['x-kubernetes-list-type'], 'map');
    assert.deepEqual(containers?.['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(containers?.['x-kubernetes-patch-merge-key'], 'name');
  });

  it('every reference points at a definition', () => {
    const text = JSON.stringify(defs);
    for (const m of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) assert.ok(defs[m[1]], `dangling ${m[1]}`);
  });

  it('matches the committed generated file (run scripts/gen-openapi.ts after upgrading kubernetes-types)', () => {
    const committed: unknown = JSON.parse(readFileSync(join(root, 'src', 'api', 'openapi', 'generated', 'definitions.json'), 'utf8'));
    assert.deepEqual(committed, defs);
  });
});
