/** Server-side Table printing for `kubectl get`: the printer lookup, the Table builder and the AGE formatter. */
export { humanDuration } from './duration.js';
export { printerFor, defaultPrinter } from './registry.js';
export { toTable } from './table.js';
export type { IncludeObject, TableColumnDefinition, TableOptions, TablePrinter } from './table.js';
