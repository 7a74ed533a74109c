/**
 * ControllerRevision history shared by the DaemonSet and StatefulSet controllers: a revision holds
 * the strategic merge patch that restores its owner's pod template (what `kubectl rollout undo`
 * sends back), is named <owner>-<hash>, and numbered so history and undo can list it. All pure.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { deepCopy, deepEqual, isPlainObject } from '../../api/machinery/object.js';
import { matchesLabels, type LabelSelector } from '../../api/machinery/selectors.js';
import { computeHash } from '../deployment/util.js';
import { controllerRefOf, ownerReferenceFor } from '../replicaset/plan.js';

/** Label on revisions and on the pods made from them; kubectl and users select on it. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** Kubernetes keeps object names to 253 characters; the prefix leaves room for `-<hash>`. */
const MAX_PREFIX = 223;

/** The owner as the history needs it: identity, selector, template and collision count. */
export interface RevisionOwner {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; uid?: string };
  template?: PodTemplateSpec;
  collisionCount?: number;
}

/**
 * The patch a revision stores: `{spec: {template: {..., $patch: replace}}}`. Applied as a
 * strategic merge patch it swaps the owner's template for this one wholesale.
 */
export function revisionPatch(template: PodTemplateSpec | undefined): Record<string, unknown> {
  return { spec: { template: { ...deepCopy(template ?? {}), $patch: 'replace' } } };
}

/** A copy without nulls: Go clients write `creationTimestamp: null` for "absent". */
function dropNulls<T>(v: T): T {
  if (Array.isArray(v)) return v.map(dropNulls) as T;
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)])) as T;
  return v;
}

/** The pod template a revision restores. */
export function templateOf(rev: ControllerRevision): PodTemplateSpec {
  const data = rev.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const t = { ...(data?.spec?.template ?? {}) };
  delete t['$patch'];
  return dropNulls(t) as PodTemplateSpec;
}

/** Whether a revision restores exactly this template. */
export function revisionMatches(rev: ControllerRevision, template: PodTemplateSpec | undefined): boolean {
  return deepEqual(templateOf(rev), dropNulls(deepCopy(template ?? {})));
}

export function revisionHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  return computeHash(dropNulls(deepCopy(template ?? {})), collisionCount);
}

export function revisionName(ownerName: string, hash: string): string {
  return `${ownerName.slice(0, MAX_PREFIX)}-${hash}`;
}

/** The hash a revision goes by: its label, or the tail of its name for revisions made elsewhere. */
export function hashOf(rev: ControllerRevision): string {
  return rev.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? (rev.metadata?.name ?? '').split('-').pop() ?? '';
}

/** A new revision of the owner's current template, numbered `revision`. Labels come from the template so the selector finds it. */
export function newRevision(owner: RevisionOwner, revision: number): ControllerRevision {
  const hash = revisionHash(owner.template, owner.collisionCount);
  return {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      name: revisionName(owner.metadata?.name ?? '', hash), namespace: owner.metadata?.namespace,
      labels: { ...(owner.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [ownerReferenceFor(owner, owner.apiVersion, owner.kind)],
    },
    data: revisionPatch(owner.template),
    revision,
  };
}

export const revisionNumber = (rev: ControllerRevision): number => rev.revision ?? 0;

/** Lowest revision first; ties by name so the order is total. */
export function byRevisionNumber(a: ControllerRevision, b: ControllerRevision): number {
  return revisionNumber(a) - revisionNumber(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** Revisions controlled by the owner with this uid. */
export function ownedRevisions(uid: string | undefined, revisions: ControllerRevision[]): ControllerRevision[] {
  return revisions.filter((r) => uid !== undefined && controllerRefOf(r)?.uid === uid).sort(byRevisionNumber);
}

/** Revisions without a controller whose labels the owner's selector matches: its to adopt. */
export function orphanedRevisions(selector: LabelSelector, revisions: ControllerRevision[]): ControllerRevision[] {
  if (selector.length === 0) return [];
  return revisions.filter((r) => !controllerRefOf(r) && !r.metadata?.deletionTimestamp && matchesLabels(selector, r.metadata?.labels));
}

export type RevisionStep =
  /** The newest revision already holds the template. */
  | { type: 'none'; update: ControllerRevision }
  /** An older revision holds it (a rollback): renumber it to come last. */
  | { type: 'renumber'; update: ControllerRevision; revision: number }
  /** No revision holds it yet: create this one. */
  | { type: 'create'; update: ControllerRevision };

/**
 * Which revision the owner's current template is, given its revisions sorted by number: the
 * one that holds it (moved to the top when it is an older one, as a rollback does) or a new one.
 */
export function planUpdateRevision(owner: RevisionOwner, revisions: ControllerRevision[]): RevisionStep {
  const sorted = [...revisions].sort(byRevisionNumber);
  const max = sorted.length ? revisionNumber(sorted[sorted.length - 1]) : 0;
  const equal = sorted.filter((r) => revisionMatches(r, owner.template));
  const found = equal[equal.length - 1];
  if (!found) return { type: 'create', update: newRevision(owner, max + 1) };
  if (found === sorted[sorted.length - 1]) return { type: 'none', update: found };
  return { type: 'renumber', update: found, revision: max + 1 };
}

/**
 * Revisions to delete so that at most `limit` old ones remain. A revision still in use (by the
 * update or current revision, or by a live pod) is never deleted; the oldest unused go first.
 */
export function revisionsToPrune(revisions: ControllerRevision[], live: Set<string>, limit: number): ControllerRevision[] {
  const unused = [...revisions].sort(byRevisionNumber).filter((r) => !live.has(r.metadata?.name ?? ''));
  const excess = unused.length - Math.max(0, limit);
  return excess > 0 ? unused.slice(0, excess) : [];
}
