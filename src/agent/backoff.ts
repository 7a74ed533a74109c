/**
 * Crash-loop and image-pull backoff as the kubelet applies it: 10 s doubling to 300 s per
 * container, forgotten once a container has run cleanly for 10 minutes.
 */
export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;
export const BACKOFF_RESET_MS = 600_000;

interface Entry {
  delayMs: number;
  /** When the last failure happened. */
  lastFailure: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly initialMs = INITIAL_BACKOFF_MS, private readonly maxMs = MAX_BACKOFF_MS, private readonly resetMs = BACKOFF_RESET_MS) {}

  /** Records a failure at `now` and returns the delay before the next try. */
  next(key: string, now: number): number {
    const e = this.entries.get(key);
    if (!e || now - e.lastFailure > this.resetMs + e.delayMs) {
      this.entries.set(key, { delayMs: this.initialMs, lastFailure: now });
      return this.initialMs;
    }
    const delayMs = Math.min(e.delayMs * 2, this.maxMs);
    this.entries.set(key, { delayMs, lastFailure: now });
    return delayMs;
  }

  /** Whether `key` is still waiting at `now` after its last failure. */
  isInBackoff(key: string, now: number): boolean {
    const e = this.entries.get(key);
    return !!e && now < e.lastFailure + e.delayMs;
  }

  /** Milliseconds since the last recorded failure of `key` (Infinity when none). */
  sinceLastFailure(key: string, now: number): number {
    const e = this.entries.get(key);
    return e ? now - e.lastFailure : Infinity;
  }

  /** The current back-off period of `key` (what the kubelet names in `back-off 20s ...`). */
  period(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Milliseconds left to wait, 0 when free to try. */
  remaining(key: string, now: number): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, e.lastFailure + e.delayMs - now) : 0;
  }

  /** A container that ran long enough without failing starts over at the initial delay. */
  resetIfRanLongEnough(key: string, startedAt: number, finishedAt: number): void {
    if (finishedAt - startedAt >= this.resetMs) this.entries.delete(key);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Drops entries of keys no longer wanted (pods gone). */
  retain(keep: (key: string) => boolean): void {
    for (const k of this.entries.keys()) if (!keep(k)) this.entries.delete(k);
  }
}
