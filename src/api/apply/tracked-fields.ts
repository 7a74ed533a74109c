/** The part of an object whose fields have owners: what the server sets itself is never tracked. */
import { isPlainObject, type KObject } from '../machinery/object.js';

/**
 * Which part of the object a write may touch: the main resource never owns `status` (the server resets
 * it there), and the status subresource owns nothing but `status`.
 */
export type TrackingScope = 'main' | 'status';

/** Metadata the server alone sets, as in the Kubernetes field manager's stripped fields. */
const SERVER_METADATA = [
  'name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink',
  'deletionTimestamp', 'deletionGracePeriodSeconds',
] as const;

/** A copy of the tracked part of `obj`; an absent object has nothing tracked. */
export function trackedFields(obj: KObject | undefined, scope: TrackingScope): Record<string, unknown> {
  if (!obj) return {};
  if (scope === 'status') return obj.status === undefined ? {} : { status: obj.status };
  const out: Record<string, unknown> = { ...obj };
  delete out.apiVersion;
  delete out.kind;
  delete out.status;
  if (isPlainObject(obj.metadata)) {
    const meta: Record<string, unknown> = { ...obj.metadata };
    for (const k of SERVER_METADATA) delete meta[k];
    if (Object.keys(meta).length > 0) out.metadata = meta;
    else delete out.metadata;
  }
  return out;
}
