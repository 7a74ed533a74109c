/**
 * ControllerExpectations: what a controller has asked the API server to create or delete and not
 * yet seen come back through its informer. A controller key whose expectations are pending is
 * not reconciled again, so a watch that lags behind our own writes never causes duplicate pods.
 */

/** Expectations older than this are assumed lost (a missed watch event) and stop blocking syncs. */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  /** Keys of objects we deleted and have not yet seen go (or start terminating). */
  del: Set<string>;
  timestamp: number;
}

export class ControllerExpectations {
  private readonly store = new Map<string, Expectation>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * True when the controller may act on `key`: nothing is outstanding, the expectations have
   * expired, or none were ever recorded (a fresh controller or a deleted owner).
   */
  satisfied(key: string): boolean {
    const e = this.store.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del.size === 0) return true;
    return this.now() - e.timestamp > EXPECTATIONS_TTL_MS;
  }

  /** Called before issuing `count` creates. Replaces any previous record: expectations only go down after this. */
  expectCreations(key: string, count: number): void {
    this.store.set(key, { add: count, del: new Set(), timestamp: this.now() });
  }

  /** Called before deleting the objects named by `objectKeys`. */
  expectDeletions(key: string, objectKeys: string[]): void {
    this.store.set(key, { add: 0, del: new Set(objectKeys), timestamp: this.now() });
  }

  /** An informer saw one of our creations, or a create we expected was skipped or failed. */
  creationObserved(key: string): void {
    const e = this.store.get(key);
    if (e && e.add > 0) e.add--;
  }

  /** An informer saw the object go (or start terminating), or its delete failed; idempotent per object. */
  deletionObserved(key: string, objectKey: string): void {
    this.store.get(key)?.del.delete(objectKey);
  }

  /** Forgets everything about `key`, as when the owner itself is deleted. */
  delete(key: string): void {
    this.store.delete(key);
  }

  /** Exposed for tests: the outstanding counts of `key`. */
  pending(key: string): { add: number; del: number } | undefined {
    const e = this.store.get(key);
    return e ? { add: e.add, del: e.del.size } : undefined;
  }
}
