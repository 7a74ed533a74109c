/** Content negotiation: which response shape a client asked for, and how its request body is encoded. */

export type DiscoveryFormat = 'v2' | 'v2beta1' | 'legacy';

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [type, ...ps] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of ps) {
      const i = p.indexOf('=');
      if (i > 0) params[p.slice(0, i).trim()] = p.slice(i + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

/** Aggregated discovery only when asked for by exact group/version/kind; the first acceptable one wins. */
export function discoveryFormat(accept: string | undefined): DiscoveryFormat {
  for (const m of parseAccept(accept)) {
    if (m.params.as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io') {
      if (m.params.v === 'v2') return 'v2';
      if (m.params.v === 'v2beta1') return 'v2beta1';
    }
    if (m.type === 'application/json' && !m.params.as) return 'legacy';
  }
  return 'legacy';
}

export interface TableRequest {
  version: 'v1' | 'v1beta1';
}

/** A Table response when the client lists `as=Table` for meta.k8s.io before any plain JSON. */
export function wantsTable(accept: string | undefined): TableRequest | undefined {
  for (const m of parseAccept(accept)) {
    if (m.params.as === 'Table' && m.params.g === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1')) {
      return { version: m.params.v };
    }
    if ((m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*') && !m.params.as) return undefined;
  }
  return undefined;
}

/** Whether the client asked for metadata only (PartialObjectMetadata / List). */
export function wantsPartialMetadata(accept: string | undefined): 'PartialObjectMetadata' | 'PartialObjectMetadataList' | undefined {
  for (const m of parseAccept(accept)) {
    if (m.params.g === 'meta.k8s.io' && (m.params.as === 'PartialObjectMetadata' || m.params.as === 'PartialObjectMetadataList')) return m.params.as;
    if (m.type === 'application/json' && !m.params.as) return undefined;
  }
  return undefined;
}

export type BodyEncoding = 'json' | 'yaml' | 'protobuf' | 'strategic' | 'merge' | 'json-patch' | 'apply';

/** The body's encoding from Content-Type; a missing Content-Type is JSON, as kubectl sometimes omits it. */
export function bodyEncoding(contentType: string | undefined): BodyEncoding | undefined {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  switch (t) {
    case '': case 'application/json': return 'json';
    case 'application/yaml': case 'application/x-yaml': case 'text/yaml': return 'yaml';
    case 'application/vnd.kubernetes.protobuf': return 'protobuf';
    case 'application/strategic-merge-patch+json': return 'strategic';
    case 'application/merge-patch+json': return 'merge';
    case 'application/json-patch+json': return 'json-patch';
    case 'application/apply-patch+yaml': case 'application/apply-patch+cbor': return t.endsWith('yaml') ? 'apply' : undefined;
    default: return undefined;
  }
}
