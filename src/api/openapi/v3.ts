// OpenAPI v3 as served under /openapi/v3: the index of group-versions and one document per group-version.
import { apiVersionOf } from '../machinery/object.js';
import { definitions, reachableDefinitions } from './definitions.js';
import { hashOf } from './hash.js';
import type { Operation } from './operations.js';
import { operationSchemas, operationsFor, pathParameters, QUERY_PARAMETERS } from './operations.js';
import type { Definitions, OpenAPIResource } from './schema.js';
import { V3_REF_PREFIX } from './schema.js';

const JSON_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/** `apps/v1`, `/apis/apps/v1`, `api/v1` and `v1` all name a group-version; documents are keyed by the short form. */
export function normalizeGroupVersion(groupVersion: string): string {
  return groupVersion.replace(/^\/+/, '').replace(/^apis?\//, '');
}

/** `api/v1` for the core group-version, `apis/<group>/<version>` otherwise: the keys of the v3 index. */
export function indexKey(groupVersion: string): string {
  const gv = normalizeGroupVersion(groupVersion);
  return gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
}

const documentCache = new Map<string, { document: object; hash: string }>();

function cacheKey(gv: string, resources: OpenAPIResource[]): string {
  return JSON.stringify([gv, resources.map((r) => [r.group, r.version, r.kind, r.resource, r.namespaced, [...r.subresources].sort()]).sort()]);
}

function content(types: string[], ref: string | undefined): Record<string, { schema: object }> {
  const schema = ref ? { $ref: V3_REF_PREFIX + ref } : { type: 'object' };
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

/** `core_v1`, `apps_v1`: upstream groups operations by group-version. */
export function operationTag(path: string): string {
  const parts = path.split('/');
  return parts[1] === 'api' ? `core_${parts[2]}` : `${parts[2].split('.')[0]}_${parts[3]}`;
}

function renderOperation(op: Operation): object {
  const known = definitions();
  const response = op.response && known[op.response] ? op.response : undefined;
  const rendered: Record<string, unknown> = {
    tags: [operationTag(op.path)],
    description: op.description,
    operationId: op.operationId,
    parameters: [
      ...pathParameters(op.path).map((name) => ({ name, in: 'path', required: true, description: `${name} of the resource`, schema: { type: 'string', uniqueItems: true } })),
      ...op.query.map((name) => ({ name, in: 'query', description: QUERY_PARAMETERS[name].description, schema: { type: QUERY_PARAMETERS[name].type, uniqueItems: true } })),
    ],
    responses: Object.fromEntries(op.codes.map((c) => [String(c), { description: c === 201 ? 'Created' : c === 202 ? 'Accepted' : 'OK', content: content(JSON_TYPES, response) }])),
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': op.gvk,
  };
  if (op.body) {
    const body = known[op.body] ? op.body : undefined;
    rendered.requestBody = { content: content(op.method === 'patch' ? PATCH_TYPES : JSON_TYPES, body), required: op.method !== 'delete' };
  }
  return rendered;
}

/** Paths and the schema closure for a set of resources; shared by every group-version document. */
function build(resources: OpenAPIResource[]): { paths: Record<string, Record<string, object>>; schemas: Definitions } {
  const ops = resources.flatMap(operationsFor);
  const paths: Record<string, Record<string, object>> = {};
  for (const op of ops) (paths[op.path] ??= {})[op.method] = renderOperation(op);
  const roots = [...operationSchemas(ops)];
  const all = definitions();
  const schemas: Definitions = {};
  for (const name of reachableDefinitions(roots)) schemas[name] = all[name];
  return { paths, schemas };
}

/**
 * The OpenAPI 3.0 document of one group-version, or undefined when no served resource belongs to it.
 * Documents are cached per resource set, so repeated requests cost a map lookup.
 */
export function openAPIV3Document(groupVersion: string, resources: OpenAPIResource[]): object | undefined {
  return cachedDocument(groupVersion, resources)?.document;
}

function cachedDocument(groupVersion: string, resources: OpenAPIResource[]): { document: object; hash: string } | undefined {
  const gv = normalizeGroupVersion(groupVersion);
  const own = resources.filter((r) => apiVersionOf(r) === gv);
  if (own.length === 0) return undefined;
  const key = cacheKey(gv, own);
  let entry = documentCache.get(key);
  if (!entry) {
    const { paths, schemas } = build(own);
    const document = { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'unversioned' }, paths, components: { schemas } };
    entry = { document, hash: hashOf(document) };
    documentCache.set(key, entry);
  }
  return entry;
}

/** The hash of a group-version document, as it appears in the index; undefined when there is no document. */
export function openAPIV3Hash(groupVersion: string, resources: OpenAPIResource[]): string | undefined {
  return cachedDocument(groupVersion, resources)?.hash;
}

/**
 * The `/openapi/v3` index. With the served resources the hashes are those of the actual documents; without them
 * each hash covers the generated definitions and the group-version, which still changes whenever the schemas do.
 */
export function openAPIV3Index(groupVersions: string[], resources?: OpenAPIResource[]): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of [...new Set(groupVersions.map(normalizeGroupVersion))].sort()) {
    const key = indexKey(gv);
    const hash = (resources && openAPIV3Hash(gv, resources)) ?? fallbackHash(gv);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}

let definitionsHash: string | undefined;

function fallbackHash(gv: string): string {
  definitionsHash ??= hashOf(definitions());
  return hashOf([definitionsHash, gv]);
}
