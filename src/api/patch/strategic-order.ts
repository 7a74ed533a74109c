/** List ordering for strategic merge patch: `$setElementOrder` first, then patch order, then the live object's order. */

// Items only the server knows keep their place relative to their live neighbours. Items new to the live list and
// not placed by `$setElementOrder` end up in front, which is what the Kubernetes API server does too.
import { isPlainObject } from '../machinery/object.js';

/** What identifies an item: its merge key value for lists of objects, the value itself for lists of primitives. */
export function identityOf(item: unknown, mergeKey: string): unknown {
  return mergeKey !== '' && isPlainObject(item) ? item[mergeKey] : item;
}

function indexIn(list: readonly unknown[], item: unknown, mergeKey: string): number {
  const id = identityOf(item, mergeKey);
  return list.findIndex((candidate) => identityOf(candidate, mergeKey) === id);
}

/** Splits `items` into those that also appear in `by` (same identity) and those that do not, both in their original order. */
export function partitionByPresence(items: readonly unknown[], by: readonly unknown[], mergeKey: string): [present: unknown[], absent: unknown[]] {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const item of items) (indexIn(by, item, mergeKey) >= 0 ? present : absent).push(item);
  return [present, absent];
}

/** Stable sort of `items` by their position in `order`; items not in `order` follow, in their current order. */
function sortByOrder(items: readonly unknown[], order: readonly unknown[], mergeKey: string): unknown[] {
  const ranked = items.map((item, i) => ({ item, i, rank: indexIn(order, item, mergeKey) }));
  ranked.sort((a, b) => {
    if (a.rank >= 0 && b.rank >= 0) return a.rank - b.rank || a.i - b.i;
    if (a.rank >= 0) return -1;
    if (b.rank >= 0) return 1;
    return a.i - b.i;
  });
  return ranked.map((r) => r.item);
}

/**
 * Interleaves server-only items into the patch items. Both sides keep their own relative order; a server-only item
 * goes before the next patch item only when the live list had it there, so a patch never reshuffles what it did not name.
 */
function interleave(serverOnly: readonly unknown[], patchItems: readonly unknown[], serverOrder: readonly unknown[], mergeKey: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (i >= serverOnly.length) {
      out.push(patchItems[j++]);
    } else if (j >= patchItems.length) {
      out.push(serverOnly[i++]);
    } else {
      const li = indexIn(serverOrder, serverOnly[i], mergeKey);
      const ri = indexIn(serverOrder, patchItems[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
      else out.push(patchItems[j++]);
    }
  }
  return out;
}

/** Orders a merged list: patch items by `patchOrder`, server-only items by `serverOrder`, then interleaved. */
export function normalizeElementOrder(
  patchItems: readonly unknown[],
  serverOnly: readonly unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string,
): unknown[] {
  return interleave(sortByOrder(serverOnly, serverOrder, mergeKey), sortByOrder(patchItems, patchOrder, mergeKey), serverOrder, mergeKey);
}
