/** A virtual clock for prober tests: time moves only when the test calls `advance`. */
import type { Clock } from './clock.js';

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

/** Lets pending promise chains and I/O callbacks run before the next virtual instant. */
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * Sleepers wake in deadline order; between wake-ups the event loop is drained a few turns so
 * the woken code reaches its next sleep before time moves on (what a real clock gives for free).
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const s: Sleeper = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve: () => undefined };
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((x) => x !== s);
        resolve();
      };
      s.resolve = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(s);
    });
  }

  /** How many sleeps are pending (tests use it to know workers are parked). */
  pending(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by `ms`, waking every sleeper whose deadline falls inside, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const next = this.sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.sleepers = this.sleepers.filter((s) => s !== next);
      this.t = Math.max(this.t, next.at);
      next.resolve();
      await settle();
    }
    this.t = end;
    await settle();
  }
}
