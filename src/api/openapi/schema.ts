// The subset of OpenAPI schema objects that skiff generates, serves and walks.

/** One schema in the Kubernetes dialect of OpenAPI 3.0 (the `x-kubernetes-*` extensions included). */
export interface JSONSchema {
  type?: string;
  format?: string;
  description?: string;
  required?: string[];
  properties?: Record<string, JSONSchema>;
  additionalProperties?: JSONSchema | boolean;
  items?: JSONSchema;
  allOf?: JSONSchema[];
  oneOf?: JSONSchema[];
  $ref?: string;
  'x-kubernetes-group-version-kind'?: GroupVersionKindExtension[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
}

/**
 * The `x-kubernetes-group-version-kind` entry. Key order is part of the contract: kubectl explain matches the
 * entry of an operation against the entries of a schema by deep equality, so both are always built by `gvkExtension`.
 */
export interface GroupVersionKindExtension {
  group: string;
  kind: string;
  version: string;
}

/** Schemas by their Kubernetes name, e.g. `io.k8s.api.apps.v1.Deployment`. */
export type Definitions = Record<string, JSONSchema>;

/** A resource the API server serves, as far as OpenAPI documents need to know it. */
export interface OpenAPIResource {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespaced: boolean;
  subresources: string[];
}

/** Prefix of every reference inside the generated definitions and the v3 documents. */
export const V3_REF_PREFIX = '#/components/schemas/';

export function gvkExtension(gvk: { group: string; version: string; kind: string }): GroupVersionKindExtension {
  return { group: gvk.group, kind: gvk.kind, version: gvk.version };
}

/** The definition name a `$ref` points at, or undefined for references outside the document. */
export function refName(ref: string): string | undefined {
  return ref.startsWith(V3_REF_PREFIX) ? ref.slice(V3_REF_PREFIX.length) : undefined;
}
