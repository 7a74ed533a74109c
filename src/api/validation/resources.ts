/** Container resource requirements: resource names, quantity syntax and requests not exceeding limits. */
import { child, type Causes, invalid, key, MSG_NONNEGATIVE } from './causes.js';
import { isQualifiedName } from './formats.js';
import { parseQuantity, QUANTITY_REGEX } from './quantity.js';
import { asObject, readObject, type JsonObject } from './read.js';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

function validateContainerResourceName(errs: Causes, name: string, path: string): void {
  for (const msg of isQualifiedName(name)) errs.push(invalid(path, name, msg));
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
      errs.push(invalid(path, name, 'must be a standard resource for containers'));
    }
  } else if (name.startsWith('kubernetes.io/') || name.startsWith('requests.')) {
    errs.push(invalid(path, name, "doesn't follow extended resource name standard"));
  }
}

/**
 * Reads a quantity given as a JSON string or number. A malformed quantity fails decoding in Kubernetes;
 * here it is reported against its field so kubectl still names the culprit.
 */
export function readQuantity(errs: Causes, raw: unknown, path: string): number | undefined {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : undefined;
  const q = text === undefined ? undefined : parseQuantity(text);
  if (q === undefined) errs.push(invalid(path, raw, `quantities must match the regular expression '${QUANTITY_REGEX}'`));
  return q;
}

function readResourceList(errs: Causes, o: JsonObject, path: string, name: string): Map<string, { raw: unknown; value: number }> {
  const out = new Map<string, { raw: unknown; value: number }>();
  const list = readObject(errs, o, path, name);
  if (!list) return out;
  for (const [res, raw] of Object.entries(list)) {
    const p = key(child(path, name), res);
    validateContainerResourceName(errs, res, p);
    const value = readQuantity(errs, raw, p);
    if (value === undefined) continue;
    if (value < 0) errs.push(invalid(p, raw, MSG_NONNEGATIVE));
    out.set(res, { raw, value });
  }
  return out;
}

export function validateResourceRequirements(errs: Causes, value: unknown, path: string): void {
  const r = asObject(value);
  if (!r) return;
  const limits = readResourceList(errs, r, path, 'limits');
  const requests = readResourceList(errs, r, path, 'requests');
  for (const [res, req] of requests) {
    const lim = limits.get(res);
    if (lim && req.value > lim.value) {
      errs.push(invalid(key(child(path, 'requests'), res), String(req.raw), `must be less than or equal to ${res} limit of ${String(lim.raw)}`));
    }
    // Hugepages cannot be overcommitted, so a request needs a matching limit.
    if (res.startsWith('hugepages-') && !lim) {
      errs.push(invalid(key(child(path, 'limits'), res), '', 'Limit must be set for non overcommitable resources'));
    }
  }
}
