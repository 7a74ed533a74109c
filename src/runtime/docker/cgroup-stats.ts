/**
 * Container usage read straight from the kernel, as cAdvisor reads it: cgroup v1 files under the
 * engine's cgroup parent and the network counters of the container's network namespace. It costs
 * a few file reads instead of an engine round trip through containerd and the shim; when the files
 * are not there (cgroup v2, an engine on another machine) the caller asks the engine instead.
 */
import { readFileSync } from 'node:fs';
import type { ContainerStats } from '../runtime.js';

export interface CgroupTarget {
  /** The full container id. */
  id: string;
  /** HostConfig.CgroupParent, '' for the engine's default (`/docker`). */
  cgroupParent: string;
  /** The container's main process, for its network namespace's counters. */
  pid?: number;
  network: boolean;
}

/** rx and tx bytes over every interface but loopback, from /proc/PID/net/dev. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest || name.trim() === 'lo') continue;
    const f = rest.trim().split(/\s+/).map(Number);
    rx += f[0] || 0;
    tx += f[8] || 0;
  }
  return { rx, tx };
}

/** total_inactive_file (or inactive_file) from memory.stat: page cache the kernel can drop, left out of the working set. */
export function inactiveFile(memoryStat: string): number {
  const m = /^total_inactive_file (\d+)$/m.exec(memoryStat) ?? /^inactive_file (\d+)$/m.exec(memoryStat);
  return m ? Number(m[1]) : 0;
}

export function readCgroupV1Stats(t: CgroupTarget, root = '/sys/fs/cgroup', proc = '/proc'): ContainerStats | undefined {
  const parent = (t.cgroupParent || '/docker').replace(/\/$/, '');
  const dir = (controller: string): string => `${root}/${controller}${parent.startsWith('/') ? '' : '/'}${parent}/${t.id}`;
  try {
    const cpu = Number(readFileSync(`${dir('cpuacct')}/cpuacct.usage`, 'utf8').trim());
    const usage = Number(readFileSync(`${dir('memory')}/memory.usage_in_bytes`, 'utf8').trim());
    const inactive = inactiveFile(readFileSync(`${dir('memory')}/memory.stat`, 'utf8'));
    let net = { rx: 0, tx: 0 };
    if (t.network && t.pid) {
      try {
        net = parseNetDev(readFileSync(`${proc}/${t.pid}/net/dev`, 'utf8'));
      } catch {
        // the process just exited: no counters this time
      }
    }
    if (!Number.isFinite(cpu) || !Number.isFinite(usage)) return undefined;
    return { timestamp: new Date(), cpuUsageNanoSeconds: cpu, memoryUsageBytes: usage, memoryWorkingSetBytes: Math.max(0, usage - inactive), rxBytes: net.rx, txBytes: net.tx };
  } catch {
    return undefined;
  }
}
