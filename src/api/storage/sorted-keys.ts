// An ordered set of keys with prefix range scans, for the in-memory stores (backend and watch cache).

/**
 * A sorted array with binary search: inserts cost O(n) moves, which for the few tens of thousands
 * of keys a single-machine cluster holds is cheaper than a tree and keeps range scans trivial.
 * Keys are compared by UTF-16 code units (JavaScript's `<`), which matches SQLite's byte order
 * for every key outside the supplementary planes; Kubernetes keys are ASCII.
 */
export class SortedKeys {
  private readonly keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  insert(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] !== key) this.keys.splice(i, 0, key);
  }

  clear(): void {
    this.keys.length = 0;
  }

  remove(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }

  /** Keys starting with prefix, in order, strictly after startAfter when given. */
  *range(prefix: string, startAfter?: string): Generator<string> {
    let i = startAfter !== undefined && startAfter >= prefix ? this.upperBound(startAfter) : this.lowerBound(prefix);
    for (; i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (!key.startsWith(prefix)) return;
      yield key;
    }
  }

  /** First index whose key is >= target. */
  private lowerBound(target: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose key is > target. */
  private upperBound(target: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! <= target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
