/**
 * The writes behind a revision plan, shared by the DaemonSet and StatefulSet controllers:
 * create or renumber the update revision (counting hash collisions) and prune old history.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/machinery/errors.js';
import type { KObject } from '../../api/machinery/object.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { controllerRefOf, ownerReferenceFor } from '../replicaset/plan.js';
import type { LabelSelector } from '../../api/machinery/selectors.js';
import { byRevisionNumber, orphanedRevisions, ownedRevisions, planUpdateRevision, revisionMatches, type RevisionOwner } from './revision.js';

export type HistoryClient = Pick<KubeClient, 'get' | 'create' | 'patch' | 'delete'>;

const FIELD_MANAGER = 'skiff-controller-manager';

/**
 * The revision of the owner's current template, made or renumbered as needed. A different
 * template that hashed to the same name raises the owner's collisionCount through
 * `countCollision` and fails the sync, so the retry hashes differently.
 */
export async function ensureUpdateRevision(
  client: HistoryClient, owner: RevisionOwner, revisions: ControllerRevision[], countCollision: () => Promise<void>,
): Promise<ControllerRevision> {
  const step = planUpdateRevision(owner, revisions);
  if (step.type === 'none') return step.update;
  const ns = owner.metadata?.namespace;
  if (step.type === 'renumber') {
    return await client.patch(Refs.controllerrevisions, ns, step.update.metadata?.name ?? '', 'merge', { revision: step.revision }, { fieldManager: FIELD_MANAGER }) as unknown as ControllerRevision;
  }
  try {
    return await client.create(Refs.controllerrevisions, step.update as unknown as KObject, { fieldManager: FIELD_MANAGER }) as unknown as ControllerRevision;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await client.get(Refs.controllerrevisions, ns, step.update.metadata?.name ?? '') as unknown as ControllerRevision;
    // Ours and equal: made by an earlier sync the cache has not shown yet.
    if (controllerRefOf(existing)?.uid === owner.metadata?.uid && revisionMatches(existing, owner.template)) return existing;
    await countCollision();
    throw new Error(`controller revision ${step.update.metadata?.name ?? ''} exists with a different template; counted a hash collision`);
  }
}

/** The owner's revisions, lowest number first, after adopting the orphans it selects. */
export async function claimRevisions(client: HistoryClient, owner: RevisionOwner, selector: LabelSelector, revisions: ControllerRevision[]): Promise<ControllerRevision[]> {
  const owned = ownedRevisions(owner.metadata?.uid, revisions);
  const orphans = orphanedRevisions(selector, revisions);
  if (orphans.length === 0) return owned;
  return [...owned, ...(await adoptRevisions(client, owner, orphans))].sort(byRevisionNumber);
}

/**
 * Takes over orphaned revisions the owner selects (left by `--cascade=orphan`), so a re-created
 * owner continues its history instead of counting a collision and rolling every pod. Returns
 * the revisions adopted.
 */
export async function adoptRevisions(client: HistoryClient, owner: RevisionOwner, orphans: ControllerRevision[]): Promise<ControllerRevision[]> {
  const adopted: ControllerRevision[] = [];
  for (const r of orphans) {
    try {
      adopted.push(await client.patch(Refs.controllerrevisions, r.metadata?.namespace, r.metadata?.name ?? '', 'merge', {
        metadata: { uid: r.metadata?.uid, resourceVersion: r.metadata?.resourceVersion, ownerReferences: [...(r.metadata?.ownerReferences ?? []), ownerReferenceFor(owner, owner.apiVersion, owner.kind)] },
      }, { fieldManager: FIELD_MANAGER }) as unknown as ControllerRevision);
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
  return adopted;
}

export async function deleteRevisions(client: HistoryClient, revisions: ControllerRevision[]): Promise<void> {
  for (const r of revisions) {
    try {
      await client.delete(Refs.controllerrevisions, r.metadata?.namespace, r.metadata?.name ?? '', { preconditions: { uid: r.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
