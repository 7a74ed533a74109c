/** Pod volumes: unique DNS-label names, exactly one source each, and the required fields of common sources. */
import { child, type Causes, duplicate, forbidden, index, invalid, required, validateEnum } from './causes.js';
import { isConfigMapKey, isDNS1123Label } from './formats.js';
import { readQuantity } from './resources.js';
import { objectsOf, readArray, readInt, readObject, readString, type JsonObject } from './read.js';

const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
] as const;

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'] as const;

const MAX_MODE = 0o777;

function validateMode(errs: Causes, o: JsonObject, path: string, f: string): void {
  const mode = readInt(errs, o, path, f);
  if (mode !== undefined && (mode < 0 || mode > MAX_MODE)) {
    errs.push(invalid(child(path, f), mode, 'must be a number between 0 and 0777 (octal), both inclusive'));
  }
}

function validateKeyToPaths(errs: Causes, src: JsonObject, path: string): void {
  const itemsPath = child(path, 'items');
  for (const { item, i } of objectsOf(errs, readArray(errs, src, path, 'items'), itemsPath)) {
    const p = index(itemsPath, i);
    const k = readString(errs, item, p, 'key');
    if (!k) errs.push(required(child(p, 'key')));
    else for (const msg of isConfigMapKey(k)) errs.push(invalid(child(p, 'key'), k, msg));
    validateLocalPath(errs, readString(errs, item, p, 'path'), child(p, 'path'));
    validateMode(errs, item, p, 'mode');
  }
  validateMode(errs, src, path, 'defaultMode');
}

/** Paths inside a volume must stay inside it. */
export function validateLocalPath(errs: Causes, value: string | undefined, path: string): void {
  if (!value) {
    errs.push(required(path));
    return;
  }
  if (value.startsWith('/')) errs.push(invalid(path, value, 'must be a relative path'));
  if (value.split('/').includes('..')) errs.push(invalid(path, value, "must not contain '..'"));
}

function validateSource(errs: Causes, kind: string, src: JsonObject, path: string): void {
  switch (kind) {
    case 'hostPath':
      if (!readString(errs, src, path, 'path')) errs.push(required(child(path, 'path')));
      validateEnum(errs, readString(errs, src, path, 'type'), child(path, 'type'), HOST_PATH_TYPES.filter((t) => t), false);
      break;
    case 'emptyDir': {
      const medium = readString(errs, src, path, 'medium');
      if (medium && medium !== 'Memory' && !medium.startsWith('HugePages')) errs.push(invalid(child(path, 'medium'), medium, 'must be one of "", "Memory" or "HugePages"'));
      if (src['sizeLimit'] !== undefined && src['sizeLimit'] !== null) readQuantity(errs, src['sizeLimit'], child(path, 'sizeLimit'));
      break;
    }
    case 'configMap':
      if (!readString(errs, src, path, 'name')) errs.push(required(child(path, 'name')));
      validateKeyToPaths(errs, src, path);
      break;
    case 'secret':
      if (!readString(errs, src, path, 'secretName')) errs.push(required(child(path, 'secretName')));
      validateKeyToPaths(errs, src, path);
      break;
    case 'persistentVolumeClaim':
      if (!readString(errs, src, path, 'claimName')) errs.push(required(child(path, 'claimName')));
      break;
    case 'nfs':
      if (!readString(errs, src, path, 'server')) errs.push(required(child(path, 'server')));
      if (!readString(errs, src, path, 'path')) errs.push(required(child(path, 'path')));
      break;
    case 'csi':
      if (!readString(errs, src, path, 'driver')) errs.push(required(child(path, 'driver')));
      break;
    case 'image':
      if (!readString(errs, src, path, 'reference')) errs.push(required(child(path, 'reference')));
      break;
    default:
      break;
  }
}

/** Returns the names of the declared volumes, for volumeMounts to refer to. */
export function validateVolumes(errs: Causes, spec: JsonObject, specPath: string): Set<string> {
  const path = child(specPath, 'volumes');
  const names = new Set<string>();
  for (const { item, i } of objectsOf(errs, readArray(errs, spec, specPath, 'volumes'), path)) {
    const p = index(path, i);
    const name = readString(errs, item, p, 'name');
    if (!name) errs.push(required(child(p, 'name')));
    else {
      for (const msg of isDNS1123Label(name)) errs.push(invalid(child(p, 'name'), name, msg));
      if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      names.add(name);
    }
    const present = VOLUME_SOURCES.filter((s) => item[s] !== undefined && item[s] !== null);
    if (present.length === 0) errs.push(required(p, 'must specify a volume type'));
    else if (present.length > 1) errs.push(forbidden(child(p, present[1]!), 'may not specify more than 1 volume type'));
    else {
      const src = readObject(errs, item, p, present[0]!);
      if (src) validateSource(errs, present[0]!, src, child(p, present[0]!));
    }
  }
  return names;
}
