// Runs Debian's promtool over an exposition, the check every scrape endpoint must pass.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export function assertPromtoolClean(text: string, what: string): void {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.error, undefined, `promtool could not run: ${String(r.error)}`);
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '', `promtool check metrics on ${what}:\n${r.stdout}${r.stderr}`);
  assert.equal(r.status, 0, `promtool exited ${r.status} on ${what}`);
}

/** The value of one series in an exposition, matched by name and a label subset. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
