/** `skiff down`: stops a running cluster and removes its pods' containers from the engine. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { pidFile } from './paths.js';

const run = promisify(execFile);

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Containers carry io.skiff.cluster=<name>; removing them stops the cluster's pods. */
async function removeClusterContainers(name: string): Promise<number> {
  try {
    const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=io.skiff.cluster=${name}`]);
    const ids = stdout.split('\n').filter(Boolean);
    if (ids.length) await run('docker', ['rm', '-f', ...ids]);
    return ids.length;
  } catch {
    // No engine reachable: there are no containers to remove.
    return 0;
  }
}

export async function down(opts: { name: string; dataDir: string }): Promise<string> {
  const file = pidFile(opts.dataDir);
  let stopped = 'no cluster was running';
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    try {
      process.kill(pid, 'SIGTERM');
      stopped = (await waitForExit(pid, 15_000)) ? `stopped cluster "${opts.name}" (pid ${pid})` : `cluster "${opts.name}" (pid ${pid}) did not stop within 15 s`;
    } catch {
      stopped = 'no cluster was running';
    }
  }
  const removed = await removeClusterContainers(opts.name);
  return `${stopped}; removed ${removed} container${removed === 1 ? '' : 's'}`;
}
