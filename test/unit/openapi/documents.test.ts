// Shape of the v3 index, the v3 group-version documents and the v2 document (JSON and protobuf).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import type { OpenAPIResource } from '../../../src/api/openapi/index.js';
import { hashOf, openAPIV2Document, openAPIV2Protobuf, openAPIV3Document, openAPIV3Index } from '../../../src/api/openapi/index.js';

const deployments: OpenAPIResource = { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true, subresources: ['status', 'scale'] };
const pods: OpenAPIResource = { group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true, subresources: ['status'] };
const namespaces: OpenAPIResource = { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false, subresources: [] };
const all = [deployments, pods, namespaces];

interface Doc {
  paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string }>; 'x-kubernetes-group-version-kind': unknown }>>;
  components: { schemas: Record<string, unknown> };
}

describe('openAPIV3Index', () => {
  it('lists group-versions without a leading slash, with hashed URLs', () => {
    const index = openAPIV3Index(['v1', 'apps/v1'], all) as { paths: Record<string, { serverRelativeURL: string }> };
    assert.deepEqual(Object.keys(index.paths).sort(), ['api/v1', 'apis/apps/v1']);
    const doc = openAPIV3Document('apps/v1', all);
    assert.equal(index.paths['apis/apps/v1'].serverRelativeURL, `/openapi/v3/apis/apps/v1?hash=${hashOf(doc)}`);
  });

  it('changes a hash when the document changes', () => {
    const a = openAPIV3Index(['v1'], [pods]) as { paths: Record<string, { serverRelativeURL: string }> };
    const b = openAPIV3Index(['v1'], [pods, namespaces]) as { paths: Record<string, { serverRelativeURL: string }> };
    assert.notEqual(a.paths['api/v1'].serverRelativeURL, b.paths['api/v1'].serverRelativeURL);
    const c = openAPIV3Index(['v1']) as { paths: Record<string, { serverRelativeURL: string }> };
    assert.match(c.paths['api/v1'].serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
  });
});

describe('openAPIV3Document', () => {
  it('has item and collection paths, and a PATCH that advertises fieldValidation (what kubectl apply checks)', () => {
    const doc = openAPIV3Document('apps/v1', all) as Doc;
    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    assert.deepEqual(Object.keys(item).sort(), ['delete', 'get', 'patch', 'put']);
    assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
    assert.ok(item.patch.parameters.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
    assert.deepEqual(Object.keys(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments']).sort(), ['delete', 'get', 'post']);
    assert.ok(doc.paths['/apis/apps/v1/watch/namespaces/{namespace}/deployments'].get);
    assert.ok(doc.paths['/apis/apps/v1/deployments'].get);
    assert.deepEqual(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].get['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  });

  it('carries exactly the reachable schemas, and every reference resolves', () => {
    const doc = openAPIV3Document('apps/v1', all) as Doc;
    const names = Object.keys(doc.components.schemas);
    for (const n of ['io.k8s.api.apps.v1.Deployment', 'io.k8s.api.apps.v1.DeploymentList', 'io.k8s.api.core.v1.Container', 'io.k8s.api.autoscaling.v1.Scale', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status']) {
      assert.ok(names.includes(n), n);
    }
    assert.ok(!names.includes('io.k8s.api.core.v1.Service'));
    for (const m of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) assert.ok(doc.components.schemas[m[1]], m[1]);
  });

  it('serves cluster-scoped resources without the namespace segment and accepts path-style group-versions', () => {
    const doc = openAPIV3Document('/api/v1', all) as Doc;
    assert.ok(doc.paths['/api/v1/namespaces/{name}'].patch);
    assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].get);
    assert.equal(openAPIV3Document('batch/v1', all), undefined);
  });
});

describe('openAPIV2Document', () => {
  it('uses #/definitions references and string forms for one-of scalars', () => {
    const doc = openAPIV2Document(all) as { swagger: string; definitions: Record<string, { type?: string; format?: string; properties?: Record<string, { $ref?: string }> }> };
    assert.equal(doc.swagger, '2.0');
    assert.equal(doc.definitions['io.k8s.api.apps.v1.Deployment'].properties?.spec.$ref, '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
    assert.equal(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
    assert.equal(doc.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'].type, 'string');
    assert.ok(!JSON.stringify(doc).includes('#/components/schemas/'));
  });

  it('encodes to gnostic protobuf that decodes back to the same definitions', () => {
    // Only the fields under test are declared; protobuf skips the rest.
    const root = protobuf.Root.fromJSON({
      nested: {
        Document: { fields: { swagger: { id: 1, type: 'string' }, definitions: { id: 9, type: 'Definitions' } } },
        Definitions: { fields: { additionalProperties: { id: 1, rule: 'repeated', type: 'NamedSchema' } } },
        NamedSchema: { fields: { name: { id: 1, type: 'string' }, value: { id: 2, type: 'Schema' } } },
        Schema: {
          fields: {
            ref: { id: 1, type: 'string' }, description: { id: 4, type: 'string' }, required: { id: 19, rule: 'repeated', type: 'string' },
            type: { id: 22, type: 'TypeItem' }, properties: { id: 25, type: 'Definitions' }, vendorExtension: { id: 31, rule: 'repeated', type: 'NamedAny' },
          },
        },
        TypeItem: { fields: { value: { id: 1, rule: 'repeated', type: 'string' } } },
        NamedAny: { fields: { name: { id: 1, type: 'string' }, value: { id: 2, type: 'Any' } } },
        Any: { fields: { yaml: { id: 2, type: 'string' } } },
      },
    });
    interface Schema { ref?: string; description?: string; required?: string[]; type?: { value: string[] }; properties?: { additionalProperties: Array<{ name: string; value: Schema }> }; vendorExtension?: Array<{ name: string; value: { yaml: string } }> }
    const decoded = root.lookupType('Document').toObject(root.lookupType('Document').decode(openAPIV2Protobuf(all))) as { swagger: string; definitions: { additionalProperties: Array<{ name: string; value: Schema }> } };
    assert.equal(decoded.swagger, '2.0');
    const byName = new Map(decoded.definitions.additionalProperties.map((d) => [d.name, d.value]));
    const spec = byName.get('io.k8s.api.apps.v1.DeploymentSpec');
    assert.deepEqual(spec?.type?.value, ['object']);
    assert.deepEqual(spec?.required, ['selector', 'template']);
    const replicas = spec?.properties?.additionalProperties.find((p) => p.name === 'replicas');
    assert.deepEqual(replicas?.value.type?.value, ['integer']);
    assert.match(replicas?.value.description ?? '', /Number of desired pods/);
    const gvk = byName.get('io.k8s.api.apps.v1.Deployment')?.vendorExtension?.find((e) => e.name === 'x-kubernetes-group-version-kind');
    assert.deepEqual(JSON.parse(gvk?.value.yaml ?? 'null'), [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  });
});
