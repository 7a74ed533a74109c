/** The meta.k8s.io/v1 Table shape that `kubectl get` asks for, and the column vocabulary shared by every printer. */
import type { KObject } from '../machinery/object.js';

/** One column of a Table; priority 0 is shown by `kubectl get`, priority 1 only with `-o wide`. */
export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/**
 * Renders one kind as Table rows. `cells` returns exactly one value per column, in column order; `now` is passed in
 * so that ages are deterministic and a whole list is printed against the same instant.
 */
export interface TablePrinter {
  columns: TableColumnDefinition[];
  cells(obj: KObject, now: Date): unknown[];
}

export type IncludeObject = 'None' | 'Object' | 'Metadata';

export interface TableOptions {
  includeObject: IncludeObject;
  resourceVersion: string;
  continue?: string;
  /** apiVersion and kind stamped on each object when includeObject is 'Object' (items in storage may lack them). */
  apiVersionOfObjects: string;
  kind: string;
}

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a ' +
  'client to request the generation of an appropriate name automatically. Name is primarily intended for creation ' +
  'idempotence and configuration definition. Cannot be updated.';
const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed ' +
  'to be set in happens-before order across separate operations. Clients may not set this value. It is represented ' +
  'in RFC3339 form and is in UTC.';

export function column(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

/** kubectl finds the object name (for `-o name` and the NAMESPACE prefix) through the column whose format is "name". */
export function nameColumn(priority = 0): TableColumnDefinition {
  return column('Name', 'string', NAME_DESCRIPTION, priority, 'name');
}

export function ageColumn(): TableColumnDefinition {
  return column('Age', 'string', AGE_DESCRIPTION);
}

export const CONTAINERS_COLUMN = column('Containers', 'string', 'Names of each container in the template.', 1);
export const IMAGES_COLUMN = column('Images', 'string', 'Images referenced by each container in the template.', 1);

/**
 * Builds a printer over one kubernetes-types shape. Every field in those shapes is optional, so a printer written
 * against them must already cope with sparse objects; arrays are still read through `list` in case of bad data.
 */
export function printerOf<T>(columns: TableColumnDefinition[], cells: (obj: T, now: Date) => unknown[]): TablePrinter {
  return { columns, cells: (obj, now) => cells(obj as unknown as T, now) };
}

/** The array at a field, or empty when the field is missing or (in malformed data) not an array. */
export function list<T>(value: readonly T[] | undefined | null): readonly T[] {
  return Array.isArray(value) ? value : [];
}

function rowObject(obj: KObject, opts: TableOptions): object | undefined {
  switch (opts.includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return { ...obj, apiVersion: opts.apiVersionOfObjects, kind: opts.kind };
    case 'Metadata':
      // The default for kubectl: `-A`, `--show-labels` and `-L` read namespace and labels from this metadata.
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  }
}

/** Renders objects as a meta.k8s.io/v1 Table; every column is sent and kubectl hides priority > 0 unless `-o wide`. */
export function toTable(printer: TablePrinter, objects: KObject[], now: Date, opts: TableOptions): object {
  const metadata: { resourceVersion: string; continue?: string } = { resourceVersion: opts.resourceVersion };
  if (opts.continue) metadata.continue = opts.continue;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: printer.columns,
    rows: objects.map((obj) => {
      const object = rowObject(obj, opts);
      const cells = printer.cells(obj, now);
      return object === undefined ? { cells } : { cells, object };
    }),
  };
}
