/** Removes fields from an object by path, tidying up the maps and lists they leave empty. */
import { deepCopy, isPlainObject } from '../machinery/object.js';
import type { FieldPath } from './field-path.js';
import { hasPath, type FieldSet } from './field-set.js';
import { locate, valueAtLocation, type Location } from './object-fields.js';

/**
 * A copy of `obj` without the fields at `paths`. A map or list emptied by a removal goes too, unless some
 * manager owns it as a value of its own (`keep`): an applier that drops its last label drops `labels`,
 * but an explicitly applied `resources: {}` survives.
 */
export function removeFields(obj: unknown, paths: readonly FieldPath[], keep: FieldSet, kind: string): unknown {
  const out = deepCopy(obj);
  for (const path of paths) removeOne(out, path, keep, kind);
  return out;
}

function removeOne(root: unknown, path: FieldPath, keep: FieldSet, kind: string): void {
  const steps: { container: unknown; loc: Location }[] = [];
  let current = root;
  for (let i = 0; i < path.length; i++) {
    const loc = locate(current, path.slice(0, i), path[i], kind);
    // Already gone, for instance with the list item that held it.
    if (!loc) return;
    steps.push({ container: current, loc });
    current = valueAtLocation(current, loc);
  }
  for (let depth = steps.length - 1; depth >= 0; depth--) {
    const { container, loc } = steps[depth];
    const isTarget = depth === steps.length - 1;
    if (!isTarget) {
      const child = valueAtLocation(container, loc);
      if (!isEmpty(child) || hasPath(keep, path.slice(0, depth + 1))) return;
    }
    deleteAt(container, loc);
  }
}

function isEmpty(v: unknown): boolean {
  return Array.isArray(v) ? v.length === 0 : isPlainObject(v) && Object.keys(v).length === 0;
}

function deleteAt(container: unknown, loc: Location): void {
  if ('key' in loc) {
    if (isPlainObject(container)) delete container[loc.key];
  } else if (Array.isArray(container)) {
    container.splice(loc.index, 1);
  }
}
