// Content hashes of OpenAPI documents, used in `?hash=` URLs and ETags so clients may cache documents for good.
import { createHash } from 'node:crypto';

/** Upper-case SHA-512 hex of the document's JSON, the form the Kubernetes API server uses. */
export function hashOf(document: unknown): string {
  return createHash('sha512').update(JSON.stringify(document)).digest('hex').toUpperCase();
}
