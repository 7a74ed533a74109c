/** Field paths as structured-merge-diff spells them: one string per path element (`f:`, `k:`, `v:`, `i:`). */

/**
 * One step of a field path, in the exact spelling FieldsV1 uses for its keys:
 * `f:<name>` for a struct field or map key, `k:<json>` for an item of an associative list,
 * `v:<json>` for an item of a set list, `i:<n>` for a positional item.
 */
export type PathElement = string;

/** A path from the object root to one field; the empty path is the object itself. */
export type FieldPath = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/**
 * The element of an associative-list item. Key fields are sorted by name so the same item always
 * gets the same spelling, whatever order the client wrote its fields in.
 */
export function keyElement(keys: Readonly<Record<string, unknown>>): PathElement {
  const sorted: Record<string, unknown> = {};
  for (const name of Object.keys(keys).sort()) sorted[name] = keys[name];
  return `k:${JSON.stringify(sorted)}`;
}

export function valueElement(value: unknown): PathElement {
  return `v:${JSON.stringify(value)}`;
}

export function isFieldElement(e: PathElement): boolean {
  return e.startsWith('f:');
}

/** True for elements that name one item of a list (as opposed to a field of a map). */
export function isListItemElement(e: PathElement): boolean {
  return e.startsWith('k:') || e.startsWith('v:') || e.startsWith('i:');
}

/**
 * True when the path ends at a key field of an associative-list item (`...k:{"name":"x"}.f:name`).
 * Such a field identifies the item, so it can only go together with the item.
 */
export function isListKeyField(path: FieldPath): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (last === undefined || parent === undefined || !isFieldElement(last) || !parent.startsWith('k:')) return false;
  const keys = JSON.parse(parent.slice(2)) as Record<string, unknown>;
  return Object.hasOwn(keys, last.slice(2));
}

/** The field names along a path, list items left out: the address the schema table is keyed by. */
export function schemaPathOf(path: FieldPath): string[] {
  return path.filter(isFieldElement).map((e) => e.slice(2));
}

/**
 * The human form used in conflict messages, as in Kubernetes:
 * `.spec.replicas`, `.spec.template.spec.containers[name="nginx"].image`, `.metadata.finalizers[="x"]`.
 */
export function pathToString(path: FieldPath): string {
  return path.map(elementToString).join('');
}

function elementToString(e: PathElement): string {
  const body = e.slice(2);
  switch (e.slice(0, 2)) {
    case 'f:':
      return `.${body}`;
    case 'v:':
      return `[=${body}]`;
    case 'i:':
      return `[${body}]`;
    case 'k:': {
      const keys = JSON.parse(body) as Record<string, unknown>;
      return `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    }
    default:
      return e;
  }
}

/** Encodes a path as one string so paths can live in a Set; JSON keeps elements with any characters apart. */
export function encodePath(path: FieldPath): string {
  return JSON.stringify(path);
}

export function decodePath(encoded: string): PathElement[] {
  return JSON.parse(encoded) as PathElement[];
}
