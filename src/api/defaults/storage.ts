/** Defaults for storage.k8s.io/v1 StorageClass. */
import { setIfNil, type JsonObject } from './fields.js';

/** Fills a StorageClass: dynamically provisioned volumes are deleted with their claim and bound at once. */
export function defaultStorageClass(storageClass: JsonObject): void {
  setIfNil(storageClass, 'reclaimPolicy', 'Delete');
  setIfNil(storageClass, 'volumeBindingMode', 'Immediate');
}
