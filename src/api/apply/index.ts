/** Server-side apply and managedFields bookkeeping for the API server's write paths. */
export { serverSideApply, BEFORE_FIRST_APPLY_MANAGER, type ServerSideApplyInput } from './server-side-apply.js';
export { updateManagedFields, type UpdateManagedFieldsInput } from './update-managed-fields.js';
export { fieldSetOf } from './object-fields.js';
export { fieldSetFromFieldsV1, fieldSetToFieldsV1, type FieldSet } from './field-set.js';
export { pathToString, type FieldPath, type PathElement } from './field-path.js';
export { elementTypeAt, type ElementType } from './list-schema.js';
