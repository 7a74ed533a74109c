/** Where a cluster keeps its files. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_NAME = 'skiff';

/** ~/.skiff for the default cluster; other names get their own folder so clusters never share state. */
export function defaultDataDir(name: string): string {
  return name === DEFAULT_NAME ? join(homedir(), '.skiff') : join(homedir(), `.skiff-${name}`);
}

export function contextName(name: string): string {
  return name === DEFAULT_NAME ? 'skiff' : `skiff-${name}`;
}

export function pidFile(dataDir: string): string {
  return join(dataDir, 'skiff.pid');
}
