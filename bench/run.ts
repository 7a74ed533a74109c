// Runs the benchmarks (startup, API, storage, pods) and prints one Markdown report.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { apiRows, runApi } from './api.js';
import { ROOT, markdownTable } from './lib.js';
import { podStartRows, runPodStart } from './pod-start.js';
import { runStartup, startupRows } from './startup.js';
import { runWorkloads, workloadRows } from './workloads.js';

/** SKIFF_BENCH_STORAGE=0 skips the storage-backend benchmark (~20 s). */
const withStorage = process.env.SKIFF_BENCH_STORAGE !== '0';
/** SKIFF_BENCH_PODS=0 skips the pod benchmark (bench/pod-start.ts: Docker engine, node agent, Swarm; 3–9 min). */
const withPods = process.env.SKIFF_BENCH_PODS !== '0';
/** SKIFF_BENCH_WORKLOADS=0 skips the workload benchmark (bench/workloads.ts: Deployments vs Swarm; 2–4 min). */
const withWorkloads = process.env.SKIFF_BENCH_WORKLOADS !== '0';
const log = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);

const started = new Date();
const header = [
  `# skiff control-plane benchmark`,
  '',
  `- date: ${started.toISOString()}`,
  `- machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, node ${process.version}`,
  `- 1-minute load average at start: ${loadavg()[0].toFixed(2)}`,
  `- command: \`node --import tsx bench/run.ts\` (or \`npm run bench\`), after \`npm run build\``,
  '',
];
process.stdout.write(header.join('\n') + '\n');

log('startup: 10 fresh + 10 existing data dir');
const startup = await runStartup();
log('api: idle, GET, create, single writes, LIST, watch, idle (about 90 s)');
const api = await runApi(log);

process.stdout.write('## Results\n\n' + markdownTable([...startupRows(startup), ...apiRows(api)]) + '\n\n');
process.stdout.write(`startup /readyz ms, fresh: ${startup.fresh.map((t) => t.readyzMs.toFixed(0)).join(' ')}\n`);
process.stdout.write(`startup /readyz ms, existing: ${startup.existing.map((t) => t.readyzMs.toFixed(0)).join(' ')}\n`);
process.stdout.write(`1-minute load average during the API run: ${api.loadBefore.toFixed(2)} → ${api.loadAfter.toFixed(2)}\n\n`);

if (withStorage) {
  log('storage backend (bench/storage.ts)');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/storage.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  process.stdout.write('## Storage backend alone (bench/storage.ts)\n\n```\n' + (r.stdout || '').trimEnd() + (r.status === 0 ? '' : `\n(exit ${r.status}: ${(r.stderr || '').slice(0, 500)})`) + '\n```\n');
}
if (withPods) {
  log('pods: raw vs skiff apply→Ready, 1/s ramp, restart after kill, idle with 20 pods, Swarm self-heal');
  const pods = await runPodStart((s) => log(`pods: ${s}`));
  process.stdout.write('\n## Pods and the node agent (bench/pod-start.ts)\n\n' + markdownTable(podStartRows(pods)) + '\n\n');
  process.stdout.write(`1-minute load average during the pod run: ${pods.loadStart.toFixed(2)} → ${pods.loadEnd.toFixed(2)}\n`);
}
if (withWorkloads) {
  log('workloads: Deployment 0→20, rolling updates (also with watches 3 s late), idle with 100 objects, Swarm side by side');
  const wl = await runWorkloads((s) => log(`workloads: ${s}`));
  process.stdout.write('\n## Workloads (bench/workloads.ts)\n\n' + markdownTable(workloadRows(wl)) + '\n\n');
  process.stdout.write(`1-minute load average during the workload run: ${wl.loadStart.toFixed(2)} → ${wl.loadEnd.toFixed(2)}\n`);
}
process.stdout.write(`\n1-minute load average at end: ${loadavg()[0].toFixed(2)}; total ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s\n`);
