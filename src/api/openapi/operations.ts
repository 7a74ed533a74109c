// The REST operations each served resource offers, described once and rendered by both the v2 and v3 documents.
import { definitionNameFor } from './definitions.js';
import type { GroupVersionKindExtension, OpenAPIResource } from './schema.js';
import { gvkExtension } from './schema.js';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

/** Values of `x-kubernetes-action`, as the Kubernetes API server names its verbs in OpenAPI. */
export type OperationAction = 'get' | 'list' | 'watchlist' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';

export interface Operation {
  path: string;
  method: HttpMethod;
  operationId: string;
  description: string;
  action: OperationAction;
  gvk: GroupVersionKindExtension;
  /** Query parameter names; their types come from QUERY_PARAMETERS. */
  query: string[];
  /** Definition name of the request body; `Patch` bodies are free-form. */
  body?: string;
  /** Definition name of the 200/201 response body, when the schema is known. */
  response?: string;
  /** Status codes the operation answers with on success. */
  codes: number[];
}

export interface QueryParameter {
  type: 'string' | 'integer' | 'boolean';
  description: string;
}

/** The query parameters the operations advertise; kubectl reads `fieldValidation` on PATCH to choose server-side validation. */
export const QUERY_PARAMETERS: Record<string, QueryParameter> = {
  pretty: { type: 'string', description: "If 'true', then the output is pretty printed." },
  dryRun: { type: 'string', description: 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed' },
  fieldManager: { type: 'string', description: 'fieldManager is a name associated with the actor or entity that is making these changes.' },
  fieldValidation: { type: 'string', description: 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict.' },
  force: { type: 'boolean', description: 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.' },
  gracePeriodSeconds: { type: 'integer', description: 'The duration in seconds before the object should be deleted.' },
  propagationPolicy: { type: 'string', description: "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'." },
  labelSelector: { type: 'string', description: 'A selector to restrict the list of returned objects by their labels. Defaults to everything.' },
  fieldSelector: { type: 'string', description: 'A selector to restrict the list of returned objects by their fields. Defaults to everything.' },
  limit: { type: 'integer', description: 'limit is a maximum number of responses to return for a list call.' },
  continue: { type: 'string', description: 'The continue option should be set when retrieving more results from the server.' },
  resourceVersion: { type: 'string', description: 'resourceVersion sets a constraint on what resource versions a request may be served from.' },
  resourceVersionMatch: { type: 'string', description: 'resourceVersionMatch determines how resourceVersion is applied to list calls.' },
  timeoutSeconds: { type: 'integer', description: 'Timeout for the list/watch call.' },
  watch: { type: 'boolean', description: 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.' },
  allowWatchBookmarks: { type: 'boolean', description: 'allowWatchBookmarks requests watch events with type "BOOKMARK".' },
};

const WRITE = ['dryRun', 'fieldManager', 'fieldValidation', 'pretty'];
const PATCH = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'];
const DELETE = ['dryRun', 'gracePeriodSeconds', 'propagationPolicy', 'pretty'];
const LIST = ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'pretty', 'resourceVersion', 'resourceVersionMatch', 'timeoutSeconds', 'watch'];

export const STATUS = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
export const DELETE_OPTIONS = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
export const PATCH_BODY = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
export const WATCH_EVENT = 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent';

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function groupVersionPrefix(gv: { group: string; version: string }): string {
  return gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`;
}

/** `AppsV1`, `CoreV1`, `NetworkingV1`: the group-version part of upstream operation ids. */
function operationGroup(r: OpenAPIResource): string {
  const group = r.group ? r.group.split('.')[0] : 'core';
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  return cap(group) + cap(r.version);
}

/** Subresources whose body is another kind than the resource's own. */
const SUBRESOURCE_KINDS: Record<string, { group: string; version: string; kind: string }> = {
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
};

/** Every operation of one resource: collection, item, watch and subresource paths. */
export function operationsFor(r: OpenAPIResource): Operation[] {
  const prefix = groupVersionPrefix(r);
  const scope = r.namespaced ? 'Namespaced' : '';
  const base = `${prefix}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
  const item = `${base}/{name}`;
  const gvk = gvkExtension(r);
  const self = definitionNameFor(r);
  const list = definitionNameFor({ ...r, kind: `${r.kind}List` });
  const id = (verb: string, suffix = ''): string => `${verb}${operationGroup(r)}${scope}${r.kind}${suffix}`;
  const ops: Operation[] = [
    { path: base, method: 'get', operationId: id('list'), description: `list or watch objects of kind ${r.kind}`, action: 'list', gvk, query: LIST, response: list, codes: [200] },
    { path: base, method: 'post', operationId: id('create'), description: `create a ${r.kind}`, action: 'post', gvk, query: WRITE, body: self, response: self, codes: [200, 201, 202] },
    { path: base, method: 'delete', operationId: id('deleteCollection'), description: `delete collection of ${r.kind}`, action: 'deletecollection', gvk, query: [...DELETE, ...LIST.filter((q) => q !== 'watch' && q !== 'allowWatchBookmarks')], body: DELETE_OPTIONS, response: STATUS, codes: [200] },
    { path: item, method: 'get', operationId: id('read'), description: `read the specified ${r.kind}`, action: 'get', gvk, query: ['pretty'], response: self, codes: [200] },
    { path: item, method: 'put', operationId: id('replace'), description: `replace the specified ${r.kind}`, action: 'put', gvk, query: WRITE, body: self, response: self, codes: [200, 201] },
    { path: item, method: 'patch', operationId: id('patch'), description: `partially update the specified ${r.kind}`, action: 'patch', gvk, query: PATCH, body: PATCH_BODY, response: self, codes: [200, 201] },
    { path: item, method: 'delete', operationId: id('delete'), description: `delete a ${r.kind}`, action: 'delete', gvk, query: DELETE, body: DELETE_OPTIONS, response: STATUS, codes: [200, 202] },
    { path: `${prefix}/watch${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`, method: 'get', operationId: id('watch', 'List'), description: `watch individual changes to a list of ${r.kind}`, action: 'watchlist', gvk, query: LIST, response: WATCH_EVENT, codes: [200] },
  ];
  if (r.namespaced) {
    ops.push({ path: `${prefix}/${r.resource}`, method: 'get', operationId: `list${operationGroup(r)}${r.kind}ForAllNamespaces`, description: `list or watch objects of kind ${r.kind}`, action: 'list', gvk, query: LIST, response: list, codes: [200] });
  }
  for (const sub of r.subresources) {
    const subKind = SUBRESOURCE_KINDS[sub] ?? r;
    const subGvk = gvkExtension({ group: subKind.group, version: subKind.version, kind: subKind.kind });
    const subSchema = definitionNameFor(subKind);
    const suffix = sub.charAt(0).toUpperCase() + sub.slice(1);
    const path = `${item}/${sub}`;
    ops.push(
      { path, method: 'get', operationId: id('read', suffix), description: `read ${sub} of the specified ${r.kind}`, action: 'get', gvk: subGvk, query: ['pretty'], response: subSchema, codes: [200] },
      { path, method: 'put', operationId: id('replace', suffix), description: `replace ${sub} of the specified ${r.kind}`, action: 'put', gvk: subGvk, query: WRITE, body: subSchema, response: subSchema, codes: [200, 201] },
      { path, method: 'patch', operationId: id('patch', suffix), description: `partially update ${sub} of the specified ${r.kind}`, action: 'patch', gvk: subGvk, query: PATCH, body: PATCH_BODY, response: subSchema, codes: [200, 201] },
    );
  }
  return ops;
}

/** Path parameters in the order they appear in the path. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
}

/** Definition names an operation list refers to, for the schema closure of a document. */
export function operationSchemas(ops: Operation[]): string[] {
  const names = new Set<string>();
  for (const op of ops) {
    if (op.body) names.add(op.body);
    if (op.response) names.add(op.response);
  }
  names.add(STATUS);
  return [...names];
}
