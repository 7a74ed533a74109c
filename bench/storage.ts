// Storage benchmark for the SQLite backend: creates/s, gets/s, write latency p99 and a 10,000-key list.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBackend } from '../src/api/storage/sqlite.js';

/** Bounds, so the benchmark always finishes in seconds even on a slow disk. */
const CREATES = 10_000;
const CONCURRENCY = 50;
const SEQUENTIAL_WRITES = 1_000;
const GETS = 20_000;
const TIME_LIMIT_MS = 15_000;
const VALUE = JSON.stringify({ kind: 'ConfigMap', data: { blob: 'x'.repeat(1000) } });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function run(synchronous: 'NORMAL' | 'FULL', dir: string): Promise<void> {
  const backend = SqliteBackend.open(join(dir, `bench-${synchronous}.db`), { synchronous });
  const deadline = performance.now() + TIME_LIMIT_MS;

  // Concurrent creates: 50 callers, each awaiting its previous write, like 50 API requests in flight.
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CREATES && performance.now() < deadline) {
        const key = `/registry/configmaps/bench/cm-${String(next++).padStart(6, '0')}`;
        const t0 = performance.now();
        await backend.create(key, VALUE);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const createSeconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);

  // One caller at a time: the latency a lone write sees.
  const single: number[] = [];
  for (let i = 0; i < SEQUENTIAL_WRITES && performance.now() < deadline + TIME_LIMIT_MS; i++) {
    const t0 = performance.now();
    await backend.create(`/registry/configmaps/single/cm-${i}`, VALUE);
    single.push(performance.now() - t0);
  }
  single.sort((a, b) => a - b);

  const getsStarted = performance.now();
  for (let i = 0; i < GETS; i++) {
    await backend.get(`/registry/configmaps/bench/cm-${String(i % latencies.length).padStart(6, '0')}`);
  }
  const getSeconds = (performance.now() - getsStarted) / 1000;

  const listStarted = performance.now();
  const listed = await backend.list('/registry/configmaps/bench/');
  const listMs = performance.now() - listStarted;

  await backend.close();
  const reopenStarted = performance.now();
  const reopened = SqliteBackend.open(join(dir, `bench-${synchronous}.db`), { synchronous });
  const reopenMs = performance.now() - reopenStarted;
  await reopened.close();

  const ms = (n: number): string => `${n.toFixed(2)} ms`;
  console.log(`synchronous=${synchronous}`);
  console.log(`  creates/s (${CONCURRENCY} concurrent, ~1 KB): ${(latencies.length / createSeconds).toFixed(0)} (${latencies.length} in ${createSeconds.toFixed(2)} s)`);
  console.log(`  write latency under load: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}`);
  console.log(`  single write latency: p50 ${ms(percentile(single, 50))}, p99 ${ms(percentile(single, 99))}`);
  console.log(`  gets/s: ${(GETS / getSeconds).toFixed(0)}`);
  console.log(`  list of ${listed.kvs.length} keys: ${ms(listMs)}`);
  console.log(`  reopen: ${ms(reopenMs)}`);
}

const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-'));
try {
  await run('NORMAL', dir);
  await run('FULL', dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
