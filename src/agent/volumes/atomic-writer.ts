/**
 * Writes a set of files into a volume directory the way the kubelet's AtomicWriter does: a new
 * timestamped directory, then one rename of the `..data` link, so a container mounting the
 * directory sees either the old or the new contents, never a mix, and sees updates live.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface FileToWrite {
  /** Relative path inside the volume, e.g. `config/app.yaml`. */
  path: string;
  content: Buffer;
  mode: number;
}

function sameContent(dir: string, files: FileToWrite[]): boolean {
  const data = join(dir, '..data');
  if (!existsSync(data)) return false;
  try {
    for (const f of files) {
      const p = join(data, f.path);
      if (!existsSync(p) || !readFileSync(p).equals(f.content) || (lstatSync(p).mode & 0o777) !== f.mode) return false;
    }
    const count = (d: string): number => readdirSync(d, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? count(join(d, e.name)) : 1), 0);
    return count(data) === files.length;
  } catch {
    return false;
  }
}

/** Returns true when the contents changed. */
export function writeAtomically(dir: string, files: FileToWrite[]): boolean {
  mkdirSync(dir, { recursive: true });
  if (sameContent(dir, files)) return false;
  const stamp = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${process.pid}${Math.floor(Math.random() * 1e6)}`;
  const target = join(dir, stamp);
  mkdirSync(target, { mode: 0o755 });
  for (const f of files) {
    const p = join(target, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.content);
    chmodSync(p, f.mode);
  }
  const data = join(dir, '..data');
  const old = existsSync(data) ? readlinkSync(data) : undefined;
  const tmp = join(dir, '..data_tmp');
  rmSync(tmp, { force: true });
  symlinkSync(stamp, tmp);
  renameSync(tmp, data);
  // Top-level entries point through ..data, so they follow each swap.
  const tops = new Set(files.map((f) => f.path.split('/')[0]));
  for (const t of tops) {
    const link = join(dir, t);
    if (!existsSync(link)) symlinkSync(join('..data', t), link);
  }
  for (const e of readdirSync(dir)) {
    if (e.startsWith('..')) continue;
    if (!tops.has(e)) rmSync(join(dir, e), { recursive: true, force: true });
  }
  if (old && old !== stamp) rmSync(join(dir, old), { recursive: true, force: true });
  return true;
}
