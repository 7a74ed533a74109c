/** The prober's view of time: a `now()` and an abortable `sleep`, so workers run in virtual time under test. */

/**
 * Time as the prober sees it. `sleep` resolves after `ms`, or early (never rejecting) once
 * `signal` aborts: workers wake on stop or on a manual trigger through that signal.
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Wall-clock time and real timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    }),
};
