// Runs every test: unit, conformance and end-to-end (real kubectl against a real skiff on the
// real Docker engine), in one node:test run so the summary counts them all.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = only.length ? only : ['test/unit', 'test/conformance', 'test/e2e'].flatMap((d) => find(d)).sort();
const dir = mkdtempSync(join(tmpdir(), 'skiff-test-'));
const tap = join(dir, 'results.tap');
const r = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=2',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...files,
], { stdio: 'inherit' });
// One plain closing line with the totals, whatever the reporter printed above it.
let text = '';
try {
  text = readFileSync(tap, 'utf8');
} catch {
  text = '';
}
rmSync(dir, { recursive: true, force: true });
const count = (name) => Number((new RegExp(`^# ${name} (\\d+)$`, 'm').exec(text) ?? [])[1] ?? 0);
const failed = count('fail') + count('cancelled');
process.stdout.write(`\ntests: ${count('pass')} passed, ${failed} failed\n`);
process.exit(r.status ?? 1);
