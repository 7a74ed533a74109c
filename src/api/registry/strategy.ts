/**
 * What the API server does to an object around a write, the generic part of Kubernetes'
 * per-kind REST strategies: identity on create, status and spec separation, generation,
 * graceful deletion and finalizers. Pure functions: objects in, objects (or decisions) out.
 */
import { randomUUID } from 'node:crypto';
import { deepCopy, deepEqual, type KObject } from '../machinery/object.js';
import type { ResourceDefinition } from './resources.js';

/** Fields of metadata that only the server sets. */
const SERVER_METADATA = ['uid', 'creationTimestamp', 'resourceVersion', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink'] as const;

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Random suffix for generateName, from the same alphabet Kubernetes uses (no vowels, no confusable digits). */
export function nameSuffix(n = 5): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

function hasStatus(def: ResourceDefinition): boolean {
  return def.subresources.includes('status');
}

/** The parts of an object that count as "spec" for metadata.generation: everything but metadata and status. */
function specOf(obj: KObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/** Server-assigned identity and the status reset Kubernetes applies on create. */
export function prepareForCreate(def: ResourceDefinition, input: KObject, now: Date): KObject {
  const obj = deepCopy(input);
  const meta = obj.metadata;
  for (const f of SERVER_METADATA) delete meta[f];
  if (!meta.name && meta.generateName) meta.name = meta.generateName + nameSuffix();
  meta.uid = randomUUID();
  meta.creationTimestamp = rfc3339(now);
  if (def.generation) meta.generation = 1;
  if (!def.namespaced) delete meta.namespace;
  if (hasStatus(def)) {
    // Status is written only through /status; what a client sends on create is dropped, except
    // for kinds whose status is part of what their creator reports (nodes register with theirs).
    if (def.kind !== 'Node' && def.kind !== 'PersistentVolume') delete obj.status;
  }
  if (meta.managedFields === null) delete meta.managedFields;
  return obj;
}

export type UpdateTarget = 'main' | 'status';

/**
 * Carries over what an update of the given target may not change: server fields of metadata,
 * the status on a main-resource update, everything but status on a status update; bumps
 * generation when the spec changed.
 */
export function prepareForUpdate(def: ResourceDefinition, input: KObject, old: KObject, target: UpdateTarget): KObject {
  const obj = deepCopy(input);
  const meta = obj.metadata;
  const oldMeta = old.metadata;
  meta.uid = oldMeta.uid;
  meta.creationTimestamp = oldMeta.creationTimestamp;
  meta.name = oldMeta.name;
  if (def.namespaced) meta.namespace = oldMeta.namespace;
  else delete meta.namespace;
  if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
  else delete meta.deletionGracePeriodSeconds;
  delete meta.selfLink;
  if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
  else delete meta.generation;

  if (target === 'status') {
    const next: KObject = { ...deepCopy(old), status: obj.status };
    // Status writers may also touch labels and annotations, as the kubelet does for pods.
    next.metadata = { ...deepCopy(old.metadata), labels: meta.labels, annotations: meta.annotations, managedFields: meta.managedFields };
    if (next.metadata.labels === undefined) delete next.metadata.labels;
    if (next.metadata.annotations === undefined) delete next.metadata.annotations;
    if (next.metadata.managedFields === undefined) delete next.metadata.managedFields;
    if (next.status === undefined) delete next.status;
    return next;
  }
  if (hasStatus(def)) {
    if (old.status === undefined) delete obj.status;
    else obj.status = deepCopy(old.status);
  }
  if (def.group === '' && def.kind === 'Namespace') {
    // A namespace's spec.finalizers change only through /finalize, as in Kubernetes' namespace strategy.
    const finalizers = (old.spec as { finalizers?: string[] } | undefined)?.finalizers;
    obj.spec = { ...(obj.spec as object | undefined), finalizers: finalizers && deepCopy(finalizers) };
    if (!finalizers) delete (obj.spec as { finalizers?: string[] }).finalizers;
  }
  if (def.generation && !deepEqual(specOf(obj), specOf(old))) meta.generation = (oldMeta.generation ?? 0) + 1;
  return obj;
}

export type DeletionDecision =
  | { action: 'delete' }
  /** Keep the object, marked for deletion (finalizers pending or a grace period running). */
  | { action: 'update'; object: KObject };

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
}

function addFinalizer(obj: KObject, f: string): void {
  const fs = obj.metadata.finalizers ?? [];
  if (!fs.includes(f)) obj.metadata.finalizers = [...fs, f];
}

function removeFinalizer(obj: KObject, f: string): void {
  const fs = (obj.metadata.finalizers ?? []).filter((x) => x !== f);
  if (fs.length) obj.metadata.finalizers = fs;
  else delete obj.metadata.finalizers;
}

/** Default propagation when the client names none: dependents are orphaned only for kinds that did so in extensions/v1beta1 days, which no longer applies in v1. */
function propagationOf(opts: DeleteOptions): 'Orphan' | 'Background' | 'Foreground' {
  if (opts.propagationPolicy) return opts.propagationPolicy;
  if (opts.orphanDependents === true) return 'Orphan';
  return 'Background';
}

/**
 * How a DELETE proceeds. A pod bound to a node goes through graceful termination (its node agent
 * removes it); any object with finalizers, or deleted with Foreground/Orphan propagation, stays
 * with a deletionTimestamp until its finalizers are gone; everything else goes at once.
 */
export function decideDeletion(def: ResourceDefinition, current: KObject, opts: DeleteOptions, now: Date): DeletionDecision {
  const obj = deepCopy(current);
  const meta = obj.metadata;
  const policy = propagationOf(opts);
  if (def.kind === 'Namespace' && def.group === '') {
    // Namespaces always pass through Terminating so their contents are removed first.
    if (!meta.deletionTimestamp) meta.deletionTimestamp = rfc3339(now);
    obj.status = { ...(obj.status as object | undefined), phase: 'Terminating' };
    return { action: 'update', object: obj };
  }
  if (policy === 'Foreground') addFinalizer(obj, 'foregroundDeletion');
  if (policy === 'Orphan') addFinalizer(obj, 'orphan');
  if (policy === 'Background' && opts.propagationPolicy) {
    // An explicit Background policy overrides an earlier Orphan/Foreground request.
    removeFinalizer(obj, 'orphan');
    removeFinalizer(obj, 'foregroundDeletion');
  }

  let grace = 0;
  if (def.kind === 'Pod' && def.group === '') grace = podGracePeriod(obj, opts);
  const hasFinalizers = (meta.finalizers ?? []).length > 0;
  if (grace === 0 && !hasFinalizers) return { action: 'delete' };
  // Marking an object for deletion is a change its controller must observe: generation moves, as in Kubernetes.
  if (!meta.deletionTimestamp && (meta.generation ?? 0) > 0) meta.generation = (meta.generation ?? 0) + 1;

  if (grace > 0) {
    const deadline = new Date(now.getTime() + grace * 1000);
    // A second delete may shorten the grace period, never lengthen it.
    if (!meta.deletionTimestamp || Date.parse(meta.deletionTimestamp) > deadline.getTime()) {
      meta.deletionTimestamp = rfc3339(deadline);
      meta.deletionGracePeriodSeconds = grace;
    }
  } else {
    if (!meta.deletionTimestamp) meta.deletionTimestamp = rfc3339(now);
    meta.deletionGracePeriodSeconds = 0;
  }
  return { action: 'update', object: obj };
}

function podGracePeriod(pod: KObject, opts: DeleteOptions): number {
  const spec = (pod.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  // Unscheduled or finished pods have no running containers to stop.
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const requested = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
  // gracePeriodSeconds=0 from a client means "immediately" only with --force; Kubernetes turns
  // 0 into 1 so the node still gets a chance to stop the containers.
  if (requested <= 0) return opts.gracePeriodSeconds === 0 ? 0 : 1;
  return requested;
}

/** Whether an update leaves an object marked for deletion with nothing left to wait for. */
export function readyToDelete(def: ResourceDefinition, obj: KObject): boolean {
  const meta = obj.metadata;
  if (!meta.deletionTimestamp) return false;
  // A namespace also waits for its spec.finalizers, cleared through /finalize once it is empty.
  if (def.kind === 'Namespace' && def.group === '' && ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0) return false;
  if ((meta.finalizers ?? []).length > 0) return false;
  return (meta.deletionGracePeriodSeconds ?? 0) === 0;
}
