/**
 * The local volume provisioner and binder: keeps the default `standard` StorageClass, provisions a
 * PersistentVolume for each pending claim of a skiff.io/local-volume class, binds the two, and
 * deletes or releases volumes whose claims are gone. Informers only enqueue; plan.ts decides.
 */
import type { KObject } from '../../api/machinery/object.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/machinery/errors.js';
import { EventRecorder, involvedObjectOf } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { DEFAULT_CLASS_NAME, PROVISIONER, planClaim, planVolume, standardStorageClass, type ClaimStep } from './plan.js';

const FIELD_MANAGER = 'skiff-controller-manager';
const CLAIM = 'claim:';
const VOLUME = 'volume:';
const CLASSES = 'classes';

export class VolumeController {
  readonly queue = new WorkQueue('local-volume');
  private readonly claims: Informer;
  private readonly volumes: Informer;
  private readonly classes: Informer;
  private readonly recorder: EventRecorder;
  private running = true;

  constructor(private readonly client: KubeClient, private readonly clusterName: string) {
    this.claims = new Informer(client, Refs.persistentvolumeclaims);
    this.volumes = new Informer(client, Refs.persistentvolumes);
    this.classes = new Informer(client, Refs.storageclasses);
    this.recorder = new EventRecorder(client, { component: PROVISIONER });
    const claimKey = (c: KObject): void => this.queue.add(`${CLAIM}${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`);
    this.claims.addEventHandler({
      onAdd: claimKey,
      onUpdate: (_o, n) => claimKey(n),
      // A claim that went away may leave volumes to delete or release.
      onDelete: (c) => {
        for (const pv of this.volumes.list()) {
          if ((pv['spec'] as { claimRef?: { uid?: string } } | undefined)?.claimRef?.uid === c.metadata.uid) this.queue.add(`${VOLUME}${pv.metadata.name ?? ''}`);
        }
      },
    });
    const volumeKey = (pv: KObject): void => {
      this.queue.add(`${VOLUME}${pv.metadata.name ?? ''}`);
      const ref = (pv['spec'] as { claimRef?: { namespace?: string; name?: string } } | undefined)?.claimRef;
      if (ref?.name) this.queue.add(`${CLAIM}${ref.namespace ?? ''}/${ref.name}`);
    };
    this.volumes.addEventHandler({ onAdd: volumeKey, onUpdate: (_o, n) => volumeKey(n), onDelete: volumeKey });
    // A new or changed class (or the default moving) may make waiting claims provisionable.
    const classesChanged = (): void => this.queue.add(CLASSES);
    this.classes.addEventHandler({ onAdd: classesChanged, onUpdate: classesChanged });
  }

  start(): void {
    for (const i of [this.claims, this.volumes, this.classes]) i.start();
    void this.worker();
  }

  stop(): void {
    this.running = false;
    this.queue.shutDown();
    for (const i of [this.claims, this.volumes, this.classes]) i.stop();
  }

  private async worker(): Promise<void> {
    await Promise.all([this.claims, this.volumes, this.classes].map((i) => i.waitForSync()));
    await this.ensureDefaultClass();
    this.queue.add(CLASSES);
    while (this.running && (await this.queue.processNextWorkItem((k) => this.sync(k)))) {
      // Each pass handles one key.
    }
  }

  private async sync(key: string): Promise<void> {
    if (key === CLASSES) {
      this.syncClasses();
      return;
    }
    if (key.startsWith(CLAIM)) return this.syncClaim(key.slice(CLAIM.length));
    if (key.startsWith(VOLUME)) return this.syncVolume(key.slice(VOLUME.length));
  }

  /**
   * Creates `standard` when the cluster starts without it. Only at start: a user who deletes it
   * afterwards (to make another class the default, say) keeps it deleted until the next `skiff up`.
   */
  private async ensureDefaultClass(): Promise<void> {
    for (let attempt = 0; this.running && !this.classes.get(DEFAULT_CLASS_NAME); attempt++) {
      try {
        await this.client.create(Refs.storageclasses, standardStorageClass(), { fieldManager: FIELD_MANAGER });
        return;
      } catch (err) {
        if (isAlreadyExists(err) || attempt >= 20) return;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Revisits every claim still waiting for a volume: its class may exist now, or be the default. */
  private syncClasses(): void {
    for (const c of this.claims.list()) {
      if (!(c['spec'] as { volumeName?: string } | undefined)?.volumeName) this.queue.add(`${CLAIM}${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`);
    }
  }

  private async syncClaim(key: string): Promise<void> {
    const claim = this.claims.get(key);
    if (!claim) return;
    const name = `pvc-${claim.metadata.uid ?? ''}`;
    const steps = planClaim(claim, this.classes.list(), this.volumes.get(name), this.clusterName);
    for (const step of steps) await this.apply(claim, step);
  }

  private async apply(claim: KObject, step: ClaimStep): Promise<void> {
    const ns = claim.metadata.namespace;
    const claimName = claim.metadata.name ?? '';
    switch (step.type) {
      case 'createVolume':
        try {
          await this.client.create(Refs.persistentvolumes, step.volume, { fieldManager: FIELD_MANAGER });
        } catch (err) {
          // Made by an earlier pass whose event the informer has not delivered yet.
          if (!isAlreadyExists(err)) throw err;
        }
        return;
      case 'volumeBound':
        await this.client.patch(Refs.persistentvolumes, undefined, step.name, 'merge', { status: { phase: 'Bound' } }, { subresource: 'status', fieldManager: FIELD_MANAGER });
        return;
      case 'bindClaim':
        // The uid precondition keeps a claim deleted and re-created meanwhile from being bound to the old volume.
        await this.client.patch(Refs.persistentvolumeclaims, ns, claimName, 'merge', {
          metadata: { uid: claim.metadata.uid, annotations: step.annotations },
          spec: { volumeName: step.volumeName, ...(step.storageClassName ? { storageClassName: step.storageClassName } : {}) },
        }, { fieldManager: FIELD_MANAGER });
        return;
      case 'claimBound':
        await this.client.patch(Refs.persistentvolumeclaims, ns, claimName, 'merge', { metadata: { uid: claim.metadata.uid }, status: step.status }, { subresource: 'status', fieldManager: FIELD_MANAGER });
        return;
      case 'event':
        this.recorder.event(involvedObjectOf(claim), 'Normal', step.reason, step.message);
        return;
    }
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.get(name);
    if (!pv) return;
    const ref = (pv['spec'] as { claimRef?: { namespace?: string; name?: string; uid?: string } } | undefined)?.claimRef;
    if (!ref?.name) return;
    const cached = this.claims.get(`${ref.namespace ?? ''}/${ref.name}`);
    let action = planVolume(pv, cached?.metadata.uid);
    // The claim cache may lag behind a claim just created: ask the server before letting go of a volume.
    if (action.type !== 'none') action = planVolume(pv, await this.liveClaimUid(ref.namespace, ref.name));
    try {
      if (action.type === 'delete') {
        await this.client.delete(Refs.persistentvolumes, undefined, name, { preconditions: { uid: pv.metadata.uid } });
      } else if (action.type === 'release') {
        await this.client.patch(Refs.persistentvolumes, undefined, name, 'merge', { metadata: { uid: pv.metadata.uid }, status: { phase: 'Released' } }, { subresource: 'status', fieldManager: FIELD_MANAGER });
      }
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  private async liveClaimUid(namespace: string | undefined, name: string): Promise<string | undefined> {
    try {
      return (await this.client.get(Refs.persistentvolumeclaims, namespace, name)).metadata.uid;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
