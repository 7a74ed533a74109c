/** The patch engines the API server applies to PATCH requests: JSON merge, JSON patch and strategic merge. */
export { patchTypeOf, type PatchType } from './patch-type.js';
export { applyMergePatch } from './merge-patch.js';
export { applyJsonPatch } from './json-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
