/** Storage printers: core/v1 PersistentVolume and PersistentVolumeClaim, and storage.k8s.io/v1 StorageClass. */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { parseTimestamp, translateTimestampSince } from './duration.js';
import { ageColumn, column, list, nameColumn, printerOf } from './table.js';

/** The pre-GA way of naming a class; when present it still wins over spec.storageClassName. */
const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

const ACCESS_MODE_ABBREVIATIONS: [mode: string, short: string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** `RWO,ROX,RWX,RWOP` in that fixed order whatever order the spec lists them in. */
export function accessModesCell(modes: readonly string[] | undefined): string {
  const present = new Set(list(modes));
  return ACCESS_MODE_ABBREVIATIONS.filter(([mode]) => present.has(mode)).map(([, short]) => short).join(',');
}

/** A resource.Quantity as stored (JSON string or number); Kubernetes prints a missing quantity as `0`. */
function quantityCell(quantity: unknown): string {
  return typeof quantity === 'string' || typeof quantity === 'number' ? String(quantity) : '0';
}

function storageClassOf(meta: ObjectMeta | undefined, specClass: string | undefined): string {
  const annotated = meta?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  return annotated !== undefined ? annotated : specClass ?? '';
}

function isTerminating(meta: ObjectMeta | undefined): boolean {
  return parseTimestamp(meta?.deletionTimestamp) !== undefined;
}

export const persistentVolumePrinter = printerOf<PersistentVolume>(
  [
    nameColumn(),
    column('Capacity', 'string', 'capacity is the description of the persistent volume\'s resources and capacity.'),
    column('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    column('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    column('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    column('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    ageColumn(),
    column('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', 1),
  ],
  (pv, now) => {
    const spec = pv.spec;
    const claim = spec?.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
    return [
      pv.metadata?.name ?? '',
      quantityCell(spec?.capacity?.storage),
      accessModesCell(spec?.accessModes),
      spec?.persistentVolumeReclaimPolicy ?? '',
      isTerminating(pv.metadata) ? 'Terminating' : pv.status?.phase ?? '',
      claim,
      storageClassOf(pv.metadata, spec?.storageClassName),
      spec?.volumeAttributesClassName ?? '<unset>',
      pv.status?.reason ?? '',
      translateTimestampSince(pv.metadata?.creationTimestamp, now),
      spec?.volumeMode ?? '<unset>',
    ];
  },
);

export const persistentVolumeClaimPrinter = printerOf<PersistentVolumeClaim>(
  [
    nameColumn(),
    column('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn(),
    column('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', 1),
  ],
  (pvc, now) => {
    const spec = pvc.spec;
    // Capacity and access modes describe the bound volume, so they stay blank until the claim is bound.
    const bound = Boolean(spec?.volumeName);
    return [
      pvc.metadata?.name ?? '',
      isTerminating(pvc.metadata) ? 'Terminating' : pvc.status?.phase ?? '',
      spec?.volumeName ?? '',
      bound ? quantityCell(pvc.status?.capacity?.storage) : '',
      bound ? accessModesCell(pvc.status?.accessModes) : '',
      storageClassOf(pvc.metadata, spec?.storageClassName),
      spec?.volumeAttributesClassName ?? '<unset>',
      translateTimestampSince(pvc.metadata?.creationTimestamp, now),
      spec?.volumeMode ?? '<unset>',
    ];
  },
);

function isDefaultClass(meta: ObjectMeta | undefined): boolean {
  const annotations = meta?.annotations ?? {};
  return annotations[DEFAULT_CLASS_ANNOTATION] === 'true' || annotations[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

export const storageClassPrinter = printerOf<StorageClass>(
  [
    nameColumn(),
    column('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
    column('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
    column('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    column('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    ageColumn(),
  ],
  (sc, now) => [
    isDefaultClass(sc.metadata) ? `${sc.metadata?.name ?? ''} (default)` : sc.metadata?.name ?? '',
    sc.provisioner ?? '',
    sc.reclaimPolicy ?? 'Delete',
    sc.volumeBindingMode ?? 'Immediate',
    sc.allowVolumeExpansion ?? false,
    translateTimestampSince(sc.metadata?.creationTimestamp, now),
  ],
);
