/**
 * Adopting and releasing pods by controller reference, for workload controllers that own pods
 * directly (DaemonSet, StatefulSet): matching orphans (left behind by `--cascade=orphan`, say)
 * are taken over, and pods that stopped matching are let go to run on, owned by no one.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../api/machinery/errors.js';
import type { KObject } from '../../api/machinery/object.js';
import type { KubeClient, ResourceRef } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { ownerReferenceFor } from '../replicaset/plan.js';

export type AdoptionClient = Pick<KubeClient, 'get' | 'patch'>;

const FIELD_MANAGER = 'skiff-controller-manager';

/**
 * Puts the owner's controller reference on each orphan, after checking with the server that the
 * owner is the one we know and is not going away. Returns the pods adopted.
 */
export async function adoptPods(client: AdoptionClient, ownerRef: ResourceRef, owner: KObject, kind: string, pods: Pod[]): Promise<Set<Pod>> {
  const adopted = new Set<Pod>();
  if (pods.length === 0) return adopted;
  const fresh = await client.get(ownerRef, owner.metadata.namespace, owner.metadata.name ?? '');
  if (fresh.metadata.uid !== owner.metadata.uid || fresh.metadata.deletionTimestamp) return adopted;
  for (const pod of pods) {
    try {
      // uid and resourceVersion preconditions: a pod changed or re-created meanwhile is not taken by mistake.
      await client.patch(Refs.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'merge', {
        metadata: { uid: pod.metadata?.uid, resourceVersion: pod.metadata?.resourceVersion, ownerReferences: [...(pod.metadata?.ownerReferences ?? []), ownerReferenceFor(owner, 'apps/v1', kind)] },
      }, { fieldManager: FIELD_MANAGER });
      adopted.add(pod);
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
  return adopted;
}

/** Removes the owner's reference from pods it no longer selects. */
export async function releasePods(client: AdoptionClient, owner: KObject, pods: Pod[]): Promise<void> {
  for (const pod of pods) {
    const refs = (pod.metadata?.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
    try {
      await client.patch(Refs.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'merge', {
        metadata: { uid: pod.metadata?.uid, ownerReferences: refs.length ? refs : null },
      }, { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
