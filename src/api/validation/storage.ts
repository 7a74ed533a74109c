/** Storage kinds: PersistentVolumeClaim (and claim templates), PersistentVolume and StorageClass. */
import type { KObject } from '../machinery/object.js';
import { deepCopy, deepEqual } from '../machinery/object.js';
import { child, type Causes, forbidden, invalid, key, MSG_IMMUTABLE, notSupported, required, validateEnum } from './causes.js';
import { isDNS1123Subdomain, isQualifiedName } from './formats.js';
import { validateLabelSelector } from './labels.js';
import { readQuantity } from './resources.js';
import { asObject, readArray, readObject, readString, stringsOf, type JsonObject } from './read.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'] as const;
const PV_SOURCES = [
  'hostPath', 'local', 'nfs', 'csi', 'iscsi', 'fc', 'rbd', 'cephfs', 'cinder', 'glusterfs', 'flexVolume', 'azureFile', 'azureDisk',
  'vsphereVolume', 'quobyte', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos', 'gcePersistentDisk', 'awsElasticBlockStore', 'flocker',
] as const;

function validateAccessModes(errs: Causes, spec: JsonObject, path: string): void {
  const modes = stringsOf(errs, readArray(errs, spec, path, 'accessModes'), child(path, 'accessModes'));
  if (modes.length === 0) errs.push(required(child(path, 'accessModes'), 'at least 1 access mode is required'));
  for (const m of modes) {
    if (!(ACCESS_MODES as readonly string[]).includes(m)) errs.push(notSupported(child(path, 'accessModes'), m, ACCESS_MODES));
  }
  // ReadWriteOncePod promises exclusivity, which no other mode can share.
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) {
    errs.push(forbidden(child(path, 'accessModes'), 'may not use ReadWriteOncePod with other access modes'));
  }
}

export function validatePvcSpec(errs: Causes, value: unknown, path: string): void {
  const spec = asObject(value) ?? {};
  validateAccessModes(errs, spec, path);
  validateLabelSelector(errs, spec, path);
  const resources = readObject(errs, spec, path, 'resources');
  const requests = readObject(errs, resources, child(path, 'resources'), 'requests');
  const storagePath = key(child(path, 'resources'), 'storage');
  const storage = requests?.['storage'];
  if (storage === undefined || storage === null) errs.push(required(storagePath));
  else {
    const q = readQuantity(errs, storage, storagePath);
    if (q !== undefined && q <= 0) errs.push(invalid(storagePath, storage, 'must be greater than zero'));
  }
  validateEnum(errs, readString(errs, spec, path, 'volumeMode'), child(path, 'volumeMode'), ['Block', 'Filesystem'], false);
  const sc = readString(errs, spec, path, 'storageClassName');
  if (sc) for (const msg of isDNS1123Subdomain(sc)) errs.push(invalid(child(path, 'storageClassName'), sc, msg));
}

export function validatePersistentVolumeClaim(errs: Causes, obj: KObject): void {
  validatePvcSpec(errs, obj['spec'], 'spec');
}

/** Only the storage request may change on a claim (expansion), plus the binding the controller fills in. */
export function validatePvcUpdate(errs: Causes, obj: KObject, old: KObject): void {
  const next = asObject(obj['spec']) ?? {};
  const was = asObject(old['spec']) ?? {};
  const a = deepCopy(next);
  const b = deepCopy(was);
  for (const s of [a, b]) {
    const res = asObject(s['resources']);
    if (res) delete res['requests'];
    delete s['volumeAttributesClassName'];
  }
  if (!b['volumeName']) delete a['volumeName'];
  // A claim created without a class may be given one later (the default class, assigned retroactively).
  if (b['storageClassName'] === undefined || b['storageClassName'] === null) delete a['storageClassName'];
  if (!deepEqual(a, b)) {
    errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
}

export function validatePersistentVolume(errs: Causes, obj: KObject): void {
  const spec = asObject(obj['spec']) ?? {};
  const capacity = readObject(errs, spec, 'spec', 'capacity');
  if (!capacity || Object.keys(capacity).length === 0) errs.push(required('spec.capacity'));
  else if (capacity['storage'] === undefined || Object.keys(capacity).length > 1) errs.push(notSupported('spec.capacity', capacity, ['storage']));
  else readQuantity(errs, capacity['storage'], 'spec.capacity[storage]');
  const modes = stringsOf(errs, readArray(errs, spec, 'spec', 'accessModes'), 'spec.accessModes');
  if (modes.length === 0) errs.push(required('spec.accessModes'));
  for (const m of modes) if (!(ACCESS_MODES as readonly string[]).includes(m)) errs.push(notSupported('spec.accessModes', m, ACCESS_MODES));
  validateEnum(errs, readString(errs, spec, 'spec', 'persistentVolumeReclaimPolicy'), 'spec.persistentVolumeReclaimPolicy', ['Delete', 'Recycle', 'Retain'], false);
  validateEnum(errs, readString(errs, spec, 'spec', 'volumeMode'), 'spec.volumeMode', ['Block', 'Filesystem'], false);
  const sources = PV_SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (sources.length === 0) errs.push(required('spec', 'must specify a volume type'));
  else if (sources.length > 1) errs.push(forbidden(child('spec', sources[1]!), 'may not specify more than 1 volume type'));
  const hostPath = readObject(errs, spec, 'spec', 'hostPath');
  if (hostPath && !readString(errs, hostPath, 'spec.hostPath', 'path')) errs.push(required('spec.hostPath.path'));
  const local = readObject(errs, spec, 'spec', 'local');
  if (local && !readString(errs, local, 'spec.local', 'path')) errs.push(required('spec.local.path'));
}

export function validatePvUpdate(errs: Causes, obj: KObject, old: KObject): void {
  const next = asObject(obj['spec']) ?? {};
  const was = asObject(old['spec']) ?? {};
  const source = (s: JsonObject): JsonObject => Object.fromEntries(PV_SOURCES.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
  if (!deepEqual(source(next), source(was))) errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
}

export function validateStorageClass(errs: Causes, obj: KObject): void {
  const provisioner = readString(errs, obj, '', 'provisioner');
  if (!provisioner) errs.push(required('provisioner'));
  else for (const msg of isQualifiedName(provisioner.toLowerCase())) errs.push(invalid('provisioner', provisioner, msg));
  validateEnum(errs, readString(errs, obj, '', 'reclaimPolicy'), 'reclaimPolicy', ['Delete', 'Retain'], false);
  validateEnum(errs, readString(errs, obj, '', 'volumeBindingMode'), 'volumeBindingMode', ['Immediate', 'WaitForFirstConsumer'], false);
}

export function validateStorageClassUpdate(errs: Causes, obj: KObject, old: KObject): void {
  if (!deepEqual(obj['parameters'], old['parameters'])) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (obj['provisioner'] !== old['provisioner']) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (!deepEqual(obj['reclaimPolicy'], old['reclaimPolicy'])) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (old['volumeBindingMode'] !== undefined && obj['volumeBindingMode'] !== old['volumeBindingMode']) {
    errs.push(invalid('volumeBindingMode', obj['volumeBindingMode'], MSG_IMMUTABLE));
  }
}
