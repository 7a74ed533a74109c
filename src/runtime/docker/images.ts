// Locally built images: the pod sandbox image is built on demand from images/sandbox (no registry needed).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Runtime } from '../runtime.js';
import { DEFAULT_SANDBOX_IMAGE } from './docker-runtime.js';

const run = promisify(execFile);

export const SANDBOX_IMAGE = DEFAULT_SANDBOX_IMAGE;
/** The busybox image scripts/build-images.sh builds from Debian's static busybox. */
export const BUSYBOX_IMAGE = 'skiff/busybox:1.36';

/**
 * Builds SANDBOX_IMAGE through the runtime when the engine lacks it. The binary is taken from
 * images/sandbox/sandbox when present, else compiled from sandbox.c with gcc into a temporary
 * build context (the source tree is never written to).
 */
export async function ensureSandboxImage(runtime: Runtime, repoRoot: string): Promise<void> {
  if (await runtime.imageStatus(SANDBOX_IMAGE)) return;
  const src = join(repoRoot, 'images', 'sandbox');
  const ctx = mkdtempSync(join(tmpdir(), 'skiff-sandbox-'));
  try {
    copyFileSync(join(src, 'Dockerfile'), join(ctx, 'Dockerfile'));
    const prebuilt = join(src, 'sandbox');
    if (existsSync(prebuilt)) copyFileSync(prebuilt, join(ctx, 'sandbox'));
    else await run('gcc', ['-static', '-Os', '-s', '-o', join(ctx, 'sandbox'), join(src, 'sandbox.c')]);
    await runtime.buildImage(ctx, SANDBOX_IMAGE);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}
