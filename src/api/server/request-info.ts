/** Parses an API path into what it addresses: group, version, namespace, resource, name, subresource. */
import { newNotFound } from '../machinery/errors.js';

export interface RequestInfo {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** The path used the legacy /watch/ prefix. */
  watchPrefix: boolean;
}

/**
 * `/api/v1/namespaces/ns/pods/name/log` → {group:'', version:'v1', namespace:'ns', resource:'pods', ...}.
 * Namespaces are themselves a resource, so /api/v1/namespaces/x/status addresses namespace x's status.
 */
export function parseRequestPath(path: string): RequestInfo | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else return undefined;
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  if (!rest.length) return undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    const [, namespace, resource, name, subresource, ...extra] = rest;
    if (extra.length && subresource !== 'proxy') throw newNotFound({ group, resource }, name ?? '');
    return { group, version, namespace, resource, name, subresource, watchPrefix };
  }
  const [resource, name, subresource, ...extra] = rest;
  if (extra.length && subresource !== 'proxy') throw newNotFound({ group, resource }, name ?? '');
  return { group, version, resource, name, subresource, watchPrefix };
}
