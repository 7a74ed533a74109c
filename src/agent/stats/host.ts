/** The node's own usage from /proc, as the kubelet reads the root cgroup: cumulative CPU time and working-set memory. */
import { readFileSync } from 'node:fs';

export interface HostSample {
  timeMs: number;
  cpuUsageNanoSeconds: number;
  memoryUsageBytes: number;
  memoryWorkingSetBytes: number;
  memoryTotalBytes: number;
}

/** Jiffies are 1/100 s on every Linux the project runs on (USER_HZ). */
const NS_PER_TICK = 1e7;

/** Busy CPU time from /proc/stat's first line: everything but idle and iowait. */
export function parseProcStat(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return [user, nice, system, irq, softirq, steal].reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0) * NS_PER_TICK;
}

/** Memory in use (total − free) and the working set (total − available, which leaves out reclaimable cache). */
export function parseMeminfo(text: string): { totalBytes: number; usageBytes: number; workingSetBytes: number } {
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) * 1024;
  const total = kb('MemTotal');
  return { totalBytes: total, usageBytes: Math.max(0, total - kb('MemFree')), workingSetBytes: Math.max(0, total - kb('MemAvailable')) };
}

export function readHost(now = Date.now()): HostSample {
  const mem = parseMeminfo(readFileSync('/proc/meminfo', 'utf8'));
  return {
    timeMs: now, cpuUsageNanoSeconds: parseProcStat(readFileSync('/proc/stat', 'utf8')),
    memoryUsageBytes: mem.usageBytes, memoryWorkingSetBytes: mem.workingSetBytes, memoryTotalBytes: mem.totalBytes,
  };
}
