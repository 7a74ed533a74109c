/** JSON patch (RFC 6902), the `application/json-patch+json` flavour used by `kubectl rollout undo` and `kubectl patch --type json`. */
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { deepCopy, isPlainObject } from '../machinery/object.js';
import { newBadRequest, StatusError } from '../machinery/errors.js';

const OPS_WITH_VALUE = new Set(['add', 'replace', 'test']);
const OPS_WITH_FROM = new Set(['move', 'copy']);

/**
 * Applies a JSON patch and returns the result; neither argument is modified.
 * A malformed patch document is a 400 BadRequest. An operation that cannot apply to this object (missing path,
 * failed `test`, index out of range) is a 422, as the Kubernetes API server answers.
 */
export function applyJsonPatch(original: unknown, ops: unknown): unknown {
  const operations = decodeOperations(ops);
  try {
    return fastJsonPatch.applyPatch(deepCopy(original), operations, true, true).newDocument;
  } catch (err) {
    if (err instanceof fastJsonPatch.JsonPatchError) {
      const i = err.index ?? 0;
      const op = operations[i];
      throw newUnprocessable(`json patch operation ${i} (${op?.op ?? '?'} ${op?.path ?? '?'}) ${describeFailure(err.name)}`);
    }
    throw err;
  }
}

/**
 * Checks the shape of every operation before touching the document, so a bad patch is reported as such
 * rather than as a failure against the object. Returns private copies: the library may keep references to values.
 */
function decodeOperations(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) throw newBadRequest('json patch must be a list of operations');
  return ops.map((raw: unknown, i: number): Operation => {
    if (!isPlainObject(raw)) throw newBadRequest(`json patch operation ${i} is not an object`);
    const { op, path } = raw;
    if (typeof op !== 'string') throw newBadRequest(`json patch operation ${i} has no "op"`);
    if (!OPS_WITH_VALUE.has(op) && !OPS_WITH_FROM.has(op) && op !== 'remove') {
      throw newBadRequest(`json patch operation ${i} has unknown op "${op}"`);
    }
    if (typeof path !== 'string' || !isPointer(path)) {
      throw newBadRequest(`json patch operation ${i} (${op}) has a missing or malformed "path"`);
    }
    if (OPS_WITH_VALUE.has(op) && !Object.hasOwn(raw, 'value')) {
      throw newBadRequest(`json patch operation ${i} (${op} ${path}) has no "value"`);
    }
    if (OPS_WITH_FROM.has(op) && (typeof raw.from !== 'string' || !isPointer(raw.from))) {
      throw newBadRequest(`json patch operation ${i} (${op} ${path}) has a missing or malformed "from"`);
    }
    return deepCopy(raw) as unknown as Operation;
  });
}

/** RFC 6901: empty (the whole document) or `/`-separated tokens. */
function isPointer(path: string): boolean {
  return path === '' || path.startsWith('/');
}

function describeFailure(name: string): string {
  switch (name) {
    case 'TEST_OPERATION_FAILED': return 'failed: the value does not match';
    case 'OPERATION_PATH_UNRESOLVABLE': return 'does not apply: the path does not exist';
    case 'OPERATION_FROM_UNRESOLVABLE': return 'does not apply: the "from" path does not exist';
    case 'OPERATION_PATH_CANNOT_ADD': return 'does not apply: the parent of the path does not exist';
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX': return 'does not apply: illegal list index';
    case 'OPERATION_VALUE_OUT_OF_BOUNDS': return 'does not apply: list index out of range';
    default: return `is invalid (${name})`;
  }
}

/** 422 with reason Invalid and the plain message, as apiserver's generic server response for a failed JSON patch. */
function newUnprocessable(message: string): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Invalid', code: 422 });
}
