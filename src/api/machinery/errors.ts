/**
 * Kubernetes Status errors: factories that build them and predicates that test them.
 * Every failure a client can cause leaves the API server as one of these.
 */
import type { GroupResource } from './object.js';

export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone'
  | 'Expired' | 'Invalid' | 'Timeout' | 'TooManyRequests' | 'MethodNotAllowed' | 'NotAcceptable'
  | 'RequestEntityTooLarge' | 'UnsupportedMediaType' | 'InternalError' | 'ServiceUnavailable' | '';

/** One field-level reason of an Invalid (422) error, as in metav1.StatusCause. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
    this.name = 'StatusError';
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): StatusReason | undefined {
    return this.status.reason;
  }
}

function failure(code: number, reason: StatusReason, message: string, details?: StatusDetails): StatusError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return new StatusError(status);
}

/** `deployments.apps` for a grouped resource, `pods` for a core one: the way Kubernetes names them in messages. */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export function newNotFound(gr: GroupResource, name: string): StatusError {
  return failure(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, { name, group: gr.group || undefined, kind: gr.resource });
}

/** A path that names nothing the server serves. */
export function newPathNotFound(): StatusError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function newAlreadyExists(gr: GroupResource, name: string): StatusError {
  return failure(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, { name, group: gr.group || undefined, kind: gr.resource });
}

export function newConflict(gr: GroupResource, name: string, why: string): StatusError {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`, {
    name, group: gr.group || undefined, kind: gr.resource,
  });
}

export const OBJECT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

/** 422 Invalid. `kind` is the Kind (not the plural): kubectl rebuilds its message from details.kind and causes. */
export function newInvalid(gk: { group: string; kind: string }, name: string, causes: StatusCause[]): StatusError {
  const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message ?? '')).join(', ');
  const msg = `${gk.kind}${gk.group ? '.' + gk.group : ''} "${name}" is invalid: ${causes.length > 1 ? '[' + list + ']' : list}`;
  return failure(422, 'Invalid', msg, { name, group: gk.group || undefined, kind: gk.kind, causes });
}

export function newBadRequest(message: string): StatusError {
  return failure(400, 'BadRequest', message);
}

export function newUnauthorized(message = 'Unauthorized'): StatusError {
  return failure(401, 'Unauthorized', message);
}

export function newForbidden(gr: GroupResource, name: string, message: string): StatusError {
  return failure(403, 'Forbidden', `${qualifiedResource(gr)} "${name}" is forbidden: ${message}`, { name, group: gr.group || undefined, kind: gr.resource });
}

export function newMethodNotSupported(gr: GroupResource, verb: string): StatusError {
  return failure(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedResource(gr)}"`, { group: gr.group || undefined, kind: gr.resource });
}

export function newGone(message: string): StatusError {
  return failure(410, 'Expired', message);
}

export function newResourceExpired(message: string): StatusError {
  return failure(410, 'Expired', message);
}

export function newRequestEntityTooLarge(message: string): StatusError {
  return failure(413, 'RequestEntityTooLarge', message);
}

export function newUnsupportedMediaType(contentType: string): StatusError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf; got ${contentType}`);
}

export function newNotAcceptable(message: string): StatusError {
  return failure(406, 'NotAcceptable', message);
}

export function newTooManyRequests(message: string, retryAfterSeconds = 1): StatusError {
  return failure(429, 'TooManyRequests', message, { retryAfterSeconds });
}

export function newServiceUnavailable(message: string): StatusError {
  return failure(503, 'ServiceUnavailable', message);
}

export function newInternalError(err: unknown): StatusError {
  const m = err instanceof Error ? err.message : String(err);
  return failure(500, 'InternalError', `Internal error occurred: ${m}`, { causes: [{ message: m }] });
}

/** A 409 Conflict from server-side apply: one cause per field owned by another manager. */
export function newApplyConflict(causes: StatusCause[]): StatusError {
  const n = causes.length;
  const list = causes.map((c) => `- ${c.message}`).join('\n');
  return failure(409, 'Conflict', `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${list.replace(/^- /, '')}`, { causes });
}

export function successStatus(details?: StatusDetails): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) s.details = details;
  return s;
}

export function isStatusError(err: unknown): err is StatusError {
  return err instanceof StatusError;
}

function hasReason(err: unknown, reason: StatusReason, code: number): boolean {
  if (!isStatusError(err)) return false;
  return err.reason ? err.reason === reason : err.code === code;
}

export const isNotFound = (err: unknown): boolean => hasReason(err, 'NotFound', 404);
export const isAlreadyExists = (err: unknown): boolean => hasReason(err, 'AlreadyExists', 409);
export const isConflict = (err: unknown): boolean => hasReason(err, 'Conflict', 409);
export const isInvalid = (err: unknown): boolean => hasReason(err, 'Invalid', 422);
export const isGone = (err: unknown): boolean => isStatusError(err) && err.code === 410;
