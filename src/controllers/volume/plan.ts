/**
 * The local volume provisioner's decisions as pure functions: which StorageClass governs a claim,
 * the PersistentVolume to provision for it, the steps that bind the two, and what becomes of a
 * volume once its claim is gone.
 */
import type { KObject } from '../../api/machinery/object.js';

export const PROVISIONER = 'skiff.io/local-volume';
export const DEFAULT_CLASS_NAME = 'standard';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';

interface ClaimSpec {
  storageClassName?: string | null;
  volumeName?: string;
  accessModes?: string[];
  volumeMode?: string;
  resources?: { requests?: Record<string, string> };
}
interface ClaimStatus {
  phase?: string;
}
interface VolumeSpec {
  capacity?: Record<string, string>;
  persistentVolumeReclaimPolicy?: string;
  claimRef?: { namespace?: string; name?: string; uid?: string };
}

const claimSpec = (claim: KObject): ClaimSpec => (claim['spec'] ?? {}) as ClaimSpec;
const volumeSpec = (pv: KObject): VolumeSpec => (pv['spec'] ?? {}) as VolumeSpec;
export const phaseOf = (o: KObject): string | undefined => ((o['status'] ?? {}) as ClaimStatus).phase;

/** The class every cluster starts with, so claims that name no class get a volume. */
export function standardStorageClass(): KObject {
  return {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: DEFAULT_CLASS_NAME, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
    provisioner: PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate',
  };
}

function isDefaultClass(sc: KObject): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[DEFAULT_CLASS_ANNOTATION] === 'true' || a[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

/** The cluster's default class: with several marked default, the newest wins, as in Kubernetes. */
export function defaultClass(classes: KObject[]): KObject | undefined {
  const marked = classes.filter(isDefaultClass);
  marked.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  return marked[0];
}

/**
 * The class this provisioner serves a claim with, or undefined when the claim is someone else's.
 * An unset class means the default class; an explicit "" asks for a pre-provisioned volume
 * without a class, which dynamic provisioning must never supply.
 */
export function classForClaim(claim: KObject, classes: KObject[]): KObject | undefined {
  const name = claimSpec(claim).storageClassName;
  const sc = name === undefined || name === null ? defaultClass(classes) : classes.find((c) => c.metadata.name === name);
  if (sc) return sc['provisioner'] === PROVISIONER ? sc : undefined;
  // `standard` is this provisioner's own class even while its object is (re)created.
  return name === DEFAULT_CLASS_NAME ? standardStorageClass() : undefined;
}

export const volumeNameFor = (claim: KObject): string => `pvc-${claim.metadata.uid ?? ''}`;
export const volumeHandleFor = (clusterName: string, claim: KObject): string => `skiff-${clusterName}-${volumeNameFor(claim)}`;

/** The PersistentVolume provisioned for a claim, pre-bound to it through claimRef. */
export function desiredVolume(claim: KObject, sc: KObject, clusterName: string): KObject {
  const spec = claimSpec(claim);
  const storage = spec.resources?.requests?.['storage'];
  const mountOptions = sc['mountOptions'];
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: volumeNameFor(claim), annotations: { [ANN_PROVISIONED_BY]: PROVISIONER } },
    spec: {
      capacity: storage === undefined ? {} : { storage },
      accessModes: [...(spec.accessModes ?? [])],
      persistentVolumeReclaimPolicy: typeof sc['reclaimPolicy'] === 'string' ? sc['reclaimPolicy'] : 'Delete',
      storageClassName: sc.metadata.name ?? DEFAULT_CLASS_NAME,
      volumeMode: spec.volumeMode ?? 'Filesystem',
      ...(Array.isArray(mountOptions) && mountOptions.length ? { mountOptions: [...mountOptions] } : {}),
      csi: { driver: PROVISIONER, volumeHandle: volumeHandleFor(clusterName, claim) },
      claimRef: {
        apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name,
        uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion,
      },
    },
  };
}

export type ClaimStep =
  /** Provision: create this PersistentVolume. */
  | { type: 'createVolume'; volume: KObject }
  /** Mark the volume Bound. */
  | { type: 'volumeBound'; name: string }
  /** Point the claim at its volume: spec.volumeName, the class when unset, and binding annotations. */
  | { type: 'bindClaim'; volumeName: string; storageClassName?: string; annotations: Record<string, string> }
  /** Report the claim Bound with the volume's capacity and access modes. */
  | { type: 'claimBound'; status: { phase: 'Bound'; accessModes: string[]; capacity: Record<string, string> } }
  /** Tell the claim's owner the volume exists. */
  | { type: 'event'; reason: string; message: string };

/**
 * The steps that remain to provision and bind a claim, given the volume of the same name if it
 * exists. Each step is skipped once done, so replaying the plan after a crash finishes the job.
 */
export function planClaim(claim: KObject, classes: KObject[], existing: KObject | undefined, clusterName: string): ClaimStep[] {
  if (claim.metadata.deletionTimestamp) return [];
  const spec = claimSpec(claim);
  const name = volumeNameFor(claim);
  // A claim bound to some other volume, or pre-bound by its author, is the binder's business only.
  if (spec.volumeName && spec.volumeName !== name) return [];
  if (!spec.volumeName && phaseOf(claim) !== 'Pending' && phaseOf(claim) !== undefined) return [];
  const sc = classForClaim(claim, classes);
  if (!sc) return [];
  const steps: ClaimStep[] = [];
  let volume = existing;
  if (volume && volumeSpec(volume).claimRef?.uid !== claim.metadata.uid) return [];
  if (!volume) {
    volume = desiredVolume(claim, sc, clusterName);
    steps.push({ type: 'createVolume', volume });
    steps.push({ type: 'event', reason: 'ProvisioningSucceeded', message: `Successfully provisioned volume ${name}` });
  }
  if (phaseOf(volume) !== 'Bound') steps.push({ type: 'volumeBound', name });
  const annotations = claim.metadata.annotations ?? {};
  const wanted: Record<string, string> = {
    [ANN_BIND_COMPLETED]: 'yes', [ANN_BOUND_BY_CONTROLLER]: 'yes',
    [ANN_STORAGE_PROVISIONER]: PROVISIONER, [ANN_BETA_STORAGE_PROVISIONER]: PROVISIONER,
  };
  const missing = Object.entries(wanted).some(([k, v]) => annotations[k] !== v);
  const unsetClass = spec.storageClassName === undefined || spec.storageClassName === null;
  if (spec.volumeName !== name || missing || unsetClass) {
    steps.push({ type: 'bindClaim', volumeName: name, ...(unsetClass ? { storageClassName: sc.metadata.name ?? DEFAULT_CLASS_NAME } : {}), annotations: wanted });
  }
  if (phaseOf(claim) !== 'Bound') {
    const vspec = volumeSpec(volume);
    steps.push({
      type: 'claimBound',
      status: { phase: 'Bound', accessModes: [...((volume['spec'] as { accessModes?: string[] } | undefined)?.accessModes ?? [])], capacity: { ...(vspec.capacity ?? {}) } },
    });
  }
  return steps;
}

export type VolumeAction = { type: 'none' } | { type: 'delete' } | { type: 'release' };

/**
 * What becomes of a volume whose claim may be gone. `claimUid` gives the uid of the claim of that
 * namespace/name now, if any: a different uid means the claim was deleted and made again.
 * Volumes this provisioner made with reclaim policy Delete are deleted (the engine volume behind
 * them is removed by the node agent or `skiff down`); every other bound volume is Released.
 */
export function planVolume(pv: KObject, claimUid: string | undefined): VolumeAction {
  if (pv.metadata.deletionTimestamp) return { type: 'none' };
  const ref = volumeSpec(pv).claimRef;
  if (!ref?.uid || ref.uid === claimUid) return { type: 'none' };
  const ours = pv.metadata.annotations?.[ANN_PROVISIONED_BY] === PROVISIONER;
  if (ours && volumeSpec(pv).persistentVolumeReclaimPolicy === 'Delete') return { type: 'delete' };
  const phase = phaseOf(pv);
  return phase === 'Released' || phase === 'Failed' ? { type: 'none' } : { type: 'release' };
}
