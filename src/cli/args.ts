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
