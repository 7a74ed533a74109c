/**
 * Adds an address to the cluster network's host bridge so a process on the host can listen on it
 * (cluster DNS on kube-dns's ClusterIP). Idempotent; the Service proxy adds its addresses the same way.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function ensureBridgeAddress(bridge: string, ip: string): Promise<void> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', bridge]);
  if (stdout.split('\n').some((line) => line.includes(` ${ip}/`))) return;
  try {
    await run('ip', ['addr', 'add', `${ip}/32`, 'dev', bridge]);
  } catch (err) {
    // Another component added it between the check and the add.
    if (!/File exists/.test((err as { stderr?: string }).stderr ?? '')) throw err;
  }
}
