/** Stops a foreground command once on SIGINT or SIGTERM, and exits even if a step hangs. */

/** Runs `stop` on the first SIGINT/SIGTERM, then exits 0; a stop that takes over 10 s exits 1. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`received ${signal}, stopping\n`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void onSignal('SIGINT'));
  process.on('SIGTERM', () => void onSignal('SIGTERM'));
}
