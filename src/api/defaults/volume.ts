/** Defaults for pod volumes: a bare volume becomes an emptyDir, file-projecting sources get mode 0644. */
import { defaultFieldRef } from './container.js';
import { child, isNil, items, setIfNil, type JsonObject } from './fields.js';
import { defaultPersistentVolumeClaimSpec } from './persistent-volume.js';

/** 0644: files projected into a pod are readable by any user the container runs as. */
export const DEFAULT_FILE_MODE = 0o644;

/** Bound service account tokens live one hour unless the pod asks otherwise. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

function defaultDownwardApiItems(source: JsonObject): void {
  for (const item of items(source, 'items')) defaultFieldRef(item);
}

/** Fills one entry of `spec.volumes`. */
export function defaultVolume(volume: JsonObject): void {
  // A volume naming no source at all is a scratch directory, as in Kubernetes.
  const hasSource = Object.keys(volume).some((k) => k !== 'name' && !isNil(volume[k]));
  if (!hasSource) volume['emptyDir'] = {};

  for (const key of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const source = child(volume, key);
    if (source) setIfNil(source, 'defaultMode', DEFAULT_FILE_MODE);
  }
  const downwardAPI = child(volume, 'downwardAPI');
  if (downwardAPI) defaultDownwardApiItems(downwardAPI);
  const projected = child(volume, 'projected');
  if (projected) {
    for (const source of items(projected, 'sources')) {
      const token = child(source, 'serviceAccountToken');
      if (token) setIfNil(token, 'expirationSeconds', DEFAULT_TOKEN_EXPIRATION_SECONDS);
      const projectedDownwardAPI = child(source, 'downwardAPI');
      if (projectedDownwardAPI) defaultDownwardApiItems(projectedDownwardAPI);
    }
  }
  // An empty type means "no check before mounting", and Kubernetes spells that out explicitly.
  const hostPath = child(volume, 'hostPath');
  if (hostPath) setIfNil(hostPath, 'type', '');
  const claimSpec = child(child(child(volume, 'ephemeral') ?? {}, 'volumeClaimTemplate') ?? {}, 'spec');
  if (claimSpec) defaultPersistentVolumeClaimSpec(claimSpec);
}
