/** Command-line parsing for the skiff CLI: flags as `--name value` or `--name=value`, errors in one line. */
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export interface UpFlags {
  dataDir: string;
  port: number;
  kubeconfig?: string;
  name: string;
  bindAddress: string;
  storage: string;
}

export function parseFlags(argv: string[], spec: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options: spec, allowPositionals: false, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}

export function parsePort(v: string | undefined, fallback: number, flag: string): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`${flag} must be a port number from 0 to 65535, got "${v}"`);
  return Number(v);
}

export function parseCount(v: string | undefined, fallback: number, flag: string, min: number, max: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${v}"`);
  return Number(v);
}

/** A duration as Go writes it for these flags: `40s`, `2m`, `1m30s`, or plain seconds. */
export function parseDurationSeconds(v: string | undefined, fallback: number, flag: string): number {
  if (v === undefined) return fallback;
  if (/^\d+$/.test(v)) return Number(v);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
  if (!m || v === '' || !(m[1] || m[2] || m[3])) throw new UsageError(`${flag} must be a duration like 40s or 2m, got "${v}"`);
  const secs = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  if (secs < 1) throw new UsageError(`${flag} must be at least 1s, got "${v}"`);
  return secs;
}
