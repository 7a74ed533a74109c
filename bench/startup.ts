// Startup benchmark: time from spawning `skiff up` to GET /readyz answering ok, on a fresh and on an existing data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmtMs, freePort, markdownTable, max, median, sleep, spawnSkiff, stopChild, type ResultRow } from './lib.js';

const RUNS = 10;
/** One start may take at most this long before the run counts as failed. */
const START_DEADLINE_MS = 30_000;
const POLL_INTERVAL_MS = 5;

/**
 * Cluster-create times of the peers (seconds), as given in the benchmark issue for this machine kind.
 * They are not in docs/performance-baselines.md, which measures Docker, Swarm and compose only.
 */
export const PEERS: Record<string, number> = { k3d: 12.6, kind: 14.2, minikube: 21 };

/** GET /readyz without credentials (a public path); true on 200 "ok". Errors (not listening yet) are false. */
function readyz(port: number): Promise<boolean> {
  return new Promise((resolveOk) => {
    // The server certificate is issued by the cluster CA, which does not exist before the first start.
    const req = httpsRequest({ hostname: '127.0.0.1', port, path: '/readyz', method: 'GET', rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolveOk(res.statusCode === 200 && body.trim() === 'ok'));
      res.on('error', () => resolveOk(false));
    });
    req.setTimeout(2000, () => req.destroy());
    req.on('error', () => resolveOk(false));
    req.end();
  });
}

export interface StartTiming {
  readyzMs: number;
  /** When the "ready at" line appeared on stdout (after kubeconfig and controllers too). */
  printedMs: number;
}

/** One start: a port chosen up front so /readyz can be polled from the moment of spawn. */
async function timeOneStart(dataDir: string): Promise<StartTiming> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawnSkiff(dataDir, port);
  let out = '';
  let printedAt = 0;
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    if (!printedAt && out.includes('ready at')) printedAt = performance.now();
  });
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  try {
    let readyAt = 0;
    while (performance.now() - t0 < START_DEADLINE_MS) {
      if (child.exitCode !== null) throw new Error(`skiff up exited with ${child.exitCode}:\n${out}`);
      if (await readyz(port)) {
        readyAt = performance.now();
        break;
      }
      await sleep(POLL_INTERVAL_MS);
    }
    if (!readyAt) throw new Error(`/readyz not ok within ${START_DEADLINE_MS} ms:\n${out}`);
    // Wait (bounded) for the ready line too, so the next start does not race this one's shutdown.
    const printDeadline = performance.now() + 10_000;
    while (!printedAt && performance.now() < printDeadline) await sleep(POLL_INTERVAL_MS);
    return { readyzMs: readyAt - t0, printedMs: printedAt ? printedAt - t0 : Number.NaN };
  } finally {
    await stopChild(child);
  }
}

export interface StartupResult {
  fresh: StartTiming[];
  existing: StartTiming[];
}

export async function runStartup(runs = RUNS): Promise<StartupResult> {
  const fresh: StartTiming[] = [];
  const existing: StartTiming[] = [];
  const dirs: string[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-start-'));
      dirs.push(dir);
      fresh.push(await timeOneStart(dir));
    }
    // The first fresh dir now holds certificates, tokens and the database: restart on it.
    for (let i = 0; i < runs; i++) existing.push(await timeOneStart(dirs[0]));
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return { fresh, existing };
}

export function startupRows(r: StartupResult): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const [label, runs] of [['fresh data dir', r.fresh], ['existing data dir', r.existing]] as const) {
    const ready = runs.map((t) => t.readyzMs);
    const printed = runs.map((t) => t.printedMs).filter((v) => !Number.isNaN(v));
    const med = median(ready);
    const ratios = Object.entries(PEERS).map(([peer, s]) => `${peer} ${((s * 1000) / med).toFixed(0)}×`).join(', ');
    rows.push({
      metric: `startup to /readyz ok, ${label} (${runs.length} runs)`,
      value: `median ${fmtMs(med)}, max ${fmtMs(max(ready))}`,
      target: 'faster than k3d 12.6 s',
      pass: med < PEERS.k3d * 1000,
      note: `peer create time ÷ skiff: ${ratios}; "ready at" printed: median ${fmtMs(median(printed))}`,
    });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runStartup();
  console.log(markdownTable(startupRows(r)));
  console.log(`\nfresh readyz ms: ${r.fresh.map((t) => t.readyzMs.toFixed(0)).join(' ')}`);
  console.log(`existing readyz ms: ${r.existing.map((t) => t.readyzMs.toFixed(0)).join(' ')}`);
}
