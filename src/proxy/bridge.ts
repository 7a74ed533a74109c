/**
 * ClusterIPs as /32 addresses on the cluster network's bridge, through `ip addr`: the host reaches them
 * directly and pods reach them through their gateway (the bridge), so nothing leaves the machine.
 */
import { execFile } from 'node:child_process';

function ip(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ip ${args.join(' ')}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

/** The /32 addresses on a device: the ones the proxy added (the bridge's own address has the subnet's prefix). */
export function parseHostAddresses(ipOutput: string): string[] {
  const out: string[] = [];
  for (const m of ipOutput.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\/32\b/g)) out.push(m[1]);
  return out;
}

export interface AddressManager {
  list(): Promise<string[]>;
  add(address: string): Promise<void>;
  remove(address: string): Promise<void>;
}

export class BridgeAddresses implements AddressManager {
  constructor(readonly device: string) {}

  async list(): Promise<string[]> {
    return parseHostAddresses(await ip(['-4', '-o', 'addr', 'show', 'dev', this.device]));
  }

  /** Idempotent: an address already there is success. */
  async add(address: string): Promise<void> {
    try {
      await ip(['addr', 'add', `${address}/32`, 'dev', this.device]);
    } catch (err) {
      if (!/File exists/i.test((err as Error).message)) throw err;
    }
  }

  /** Idempotent: an address already gone is success. */
  async remove(address: string): Promise<void> {
    try {
      await ip(['addr', 'del', `${address}/32`, 'dev', this.device]);
    } catch (err) {
      if (!/Cannot assign|not found|No such/i.test((err as Error).message)) throw err;
    }
  }
}
