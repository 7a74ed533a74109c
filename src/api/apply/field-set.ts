/** Sets of field paths, their algebra, and their FieldsV1 JSON form as stored in managedFields. */
import { isPlainObject } from '../machinery/object.js';
import { decodePath, encodePath, type FieldPath, type PathElement } from './field-path.js';

/** A set of field paths, each held in its encoded form (see encodePath). Never mutated once built. */
export type FieldSet = ReadonlySet<string>;

export function fieldSetOfPaths(paths: Iterable<FieldPath>): FieldSet {
  const out = new Set<string>();
  for (const p of paths) out.add(encodePath(p));
  return out;
}

export function union(a: FieldSet, b: FieldSet): FieldSet {
  return new Set([...a, ...b]);
}

export function difference(a: FieldSet, b: FieldSet): FieldSet {
  return new Set([...a].filter((p) => !b.has(p)));
}

export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  return new Set([...a].filter((p) => b.has(p)));
}

export function hasPath(set: FieldSet, path: FieldPath): boolean {
  return set.has(encodePath(path));
}

/** True when the set holds `path` itself or anything below it. */
export function hasPathOrDescendant(set: FieldSet, path: FieldPath): boolean {
  for (const encoded of set) {
    const p = decodePath(encoded);
    if (p.length >= path.length && path.every((e, i) => p[i] === e)) return true;
  }
  return false;
}

/** The paths of a set, shortest first and then in FieldsV1 order, so outputs are stable. */
export function pathsOf(set: FieldSet): PathElement[][] {
  return [...set].map(decodePath).sort(comparePaths);
}

function comparePaths(a: FieldPath, b: FieldPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareElements(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

const ELEMENT_ORDER = ['f:', 'k:', 'v:', 'i:'];

/** Fields before list items, then plain string order: Kubernetes lists fields by name the same way. */
function compareElements(a: PathElement, b: PathElement): number {
  const ka = ELEMENT_ORDER.indexOf(a.slice(0, 2));
  const kb = ELEMENT_ORDER.indexOf(b.slice(0, 2));
  if (ka !== kb) return ka - kb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reads a FieldsV1 trie. `.` marks a node that is itself a member and also has members below it. */
export function fieldSetFromFieldsV1(fields: unknown): FieldSet {
  const out = new Set<string>();
  const walk = (node: unknown, prefix: PathElement[]): void => {
    if (!isPlainObject(node)) return;
    for (const [key, child] of Object.entries(node)) {
      if (key === '.') {
        if (prefix.length > 0) out.add(encodePath(prefix));
        continue;
      }
      const path = [...prefix, key];
      if (isPlainObject(child) && Object.keys(child).length === 0) out.add(encodePath(path));
      else walk(child, path);
    }
  };
  walk(fields, []);
  return out;
}

interface TrieNode {
  member: boolean;
  children: Map<PathElement, TrieNode>;
}

/** Writes the FieldsV1 trie of a set: members with nothing below are `{}`, members with children carry `.`. */
export function fieldSetToFieldsV1(set: FieldSet): Record<string, unknown> {
  const root: TrieNode = { member: false, children: new Map() };
  for (const path of pathsOf(set)) {
    let node = root;
    for (const e of path) {
      let next = node.children.get(e);
      if (!next) {
        next = { member: false, children: new Map() };
        node.children.set(e, next);
      }
      node = next;
    }
    node.member = true;
  }
  const emit = (node: TrieNode): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    if (node.member && node.children.size > 0) out['.'] = {};
    const keys = [...node.children.keys()].sort(compareElements);
    for (const k of keys) out[k] = emit(node.children.get(k) as TrieNode);
    return out;
  };
  return emit(root);
}

export function equalSets(a: FieldSet, b: FieldSet): boolean {
  return a.size === b.size && [...a].every((p) => b.has(p));
}
