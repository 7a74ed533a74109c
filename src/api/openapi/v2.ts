// The Swagger 2.0 document served at /openapi/v2 to clients that ask for JSON.
import { definitions, reachableDefinitions } from './definitions.js';
import type { Operation } from './operations.js';
import { operationSchemas, operationsFor, pathParameters, QUERY_PARAMETERS } from './operations.js';
import type { JSONSchema, OpenAPIResource } from './schema.js';
import { refName } from './schema.js';
import { operationTag } from './v3.js';
import type { V2Document, V2Operation } from './v2-protobuf.js';
import { encodeV2Document } from './v2-protobuf.js';

const V2_REF_PREFIX = '#/definitions/';

/**
 * Swagger 2.0 has neither `oneOf` nor the `allOf` wrapping of v3, so references keep their description as a
 * sibling and the one-of scalars fall back to the string forms upstream publishes in v2.
 */
export function toV2Schema(schema: JSONSchema): JSONSchema {
  if (schema['x-kubernetes-int-or-string']) {
    const { oneOf: _oneOf, ...rest } = schema;
    return { ...rest, type: 'string', format: 'int-or-string' };
  }
  const out: JSONSchema = { ...schema };
  if (out.oneOf) {
    delete out.oneOf;
    out.type = 'string';
  }
  if (out.$ref) out.$ref = V2_REF_PREFIX + (refName(out.$ref) ?? out.$ref);
  if (out.allOf?.length === 1 && out.allOf[0].$ref && !out.properties) {
    out.$ref = V2_REF_PREFIX + (refName(out.allOf[0].$ref) ?? out.allOf[0].$ref);
    delete out.allOf;
  } else if (out.allOf) {
    out.allOf = out.allOf.map(toV2Schema);
  }
  if (out.properties) out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, toV2Schema(v)]));
  if (out.items) out.items = toV2Schema(out.items);
  if (typeof out.additionalProperties === 'object') out.additionalProperties = toV2Schema(out.additionalProperties);
  return out;
}

function renderOperation(op: Operation): V2Operation {
  const known = definitions();
  const ref = (name: string | undefined): JSONSchema => (name && known[name] ? { $ref: V2_REF_PREFIX + name } : { type: 'object' });
  const parameters: V2Operation['parameters'] = [
    ...pathParameters(op.path).map((name) => ({ name, in: 'path', required: true, type: 'string', uniqueItems: true, description: `${name} of the resource` })),
    ...op.query.map((name) => ({ name, in: 'query', type: QUERY_PARAMETERS[name].type, uniqueItems: true, description: QUERY_PARAMETERS[name].description })),
  ];
  if (op.body) parameters.push({ name: 'body', in: 'body', required: op.method !== 'delete', schema: ref(op.body) });
  return {
    tags: [operationTag(op.path)],
    description: op.description,
    operationId: op.operationId,
    consumes: op.method === 'patch'
      ? ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']
      : ['*/*'],
    produces: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
    schemes: ['https'],
    parameters,
    responses: Object.fromEntries(op.codes.map((c) => [String(c), { description: c === 201 ? 'Created' : c === 202 ? 'Accepted' : 'OK', schema: ref(op.response) }])),
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': op.gvk,
  };
}

const cache = new Map<string, { document: V2Document; protobuf?: Uint8Array }>();

function cached(resources: OpenAPIResource[]): { document: V2Document; protobuf?: Uint8Array } {
  const key = JSON.stringify(resources.map((r) => [r.group, r.version, r.kind, r.resource, r.namespaced, [...r.subresources].sort()]).sort());
  let entry = cache.get(key);
  if (!entry) {
    entry = { document: build(resources) };
    cache.set(key, entry);
  }
  return entry;
}

/** One Swagger 2.0 document covering every served resource, with the definitions they reach; cached per resource set. */
export function openAPIV2Document(resources: OpenAPIResource[]): object {
  return cached(resources).document;
}

/** The same document in the protobuf encoding kubectl requests (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`). */
export function openAPIV2Protobuf(resources: OpenAPIResource[]): Uint8Array {
  const entry = cached(resources);
  entry.protobuf ??= encodeV2Document(entry.document);
  return entry.protobuf;
}

function build(resources: OpenAPIResource[]): V2Document {
  const ops = resources.flatMap(operationsFor);
  const paths: Record<string, Record<string, V2Operation>> = {};
  for (const op of ops) (paths[op.path] ??= {})[op.method] = renderOperation(op);
  const all = definitions();
  const defs: Record<string, JSONSchema> = {};
  for (const name of reachableDefinitions(operationSchemas(ops))) defs[name] = toV2Schema(all[name]);
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'unversioned' }, paths, definitions: defs };
}
