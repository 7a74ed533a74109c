/** Defaults for persistent storage objects: PersistentVolume, PersistentVolumeClaim and claim specs. */
import { ensureChild, setIfNil, setIfZero, type JsonObject } from './fields.js';

/** Fills a claim spec wherever one appears: a claim, a StatefulSet claim template, an ephemeral volume. */
export function defaultPersistentVolumeClaimSpec(spec: JsonObject): void {
  setIfNil(spec, 'volumeMode', 'Filesystem');
}

/** Fills a PersistentVolumeClaim or a claim template; the binder later moves the phase on. */
export function defaultPersistentVolumeClaim(claim: JsonObject): void {
  const spec = ensureChild(claim, 'spec');
  if (spec) defaultPersistentVolumeClaimSpec(spec);
  const status = ensureChild(claim, 'status');
  if (status) setIfZero(status, 'phase', 'Pending');
}

/** Fills a PersistentVolume: statically provisioned volumes keep their data unless told otherwise. */
export function defaultPersistentVolume(volume: JsonObject): void {
  const spec = ensureChild(volume, 'spec');
  if (spec) {
    setIfZero(spec, 'persistentVolumeReclaimPolicy', 'Retain');
    setIfNil(spec, 'volumeMode', 'Filesystem');
  }
  const status = ensureChild(volume, 'status');
  if (status) setIfZero(status, 'phase', 'Pending');
}

