// Pulls through a private registry with basic auth (Debian's docker-registry on 127.0.0.1): without
// credentials the pull fails with the registry's own message, with them it succeeds.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { BUSYBOX_IMAGE } from '../../src/runtime/docker/images.js';
import { ImagePullError } from '../../src/runtime/runtime.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const USER = 'skiff';
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function status(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v2/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', () => resolve(0));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

function followPush(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
  });
}

describe('private registry pulls', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-registry-'));
  const docker = new Docker({ socketPath: '/var/run/docker.sock', version: 'v1.41' });
  const rt = new DockerRuntime({ clusterName: `skiff-reg-${randomBytes(4).toString('hex')}`, nodeName: 'node-a' });
  let registry: ChildProcess | undefined;
  let registryLog = '';
  let port = 0;
  let image = '';
  let serveraddress = '';

  before(async () => {
    try {
      await rt.version();
    } catch (err) {
      throw new Error(`the Docker engine must be reachable at /var/run/docker.sock for this test: ${(err as Error).message}`);
    }
    if (!(await rt.imageStatus(BUSYBOX_IMAGE))) {
      const r = spawnSync('bash', [join(repoRoot, 'scripts', 'build-images.sh')], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `scripts/build-images.sh failed: ${r.stderr}`);
    }
    const hash = spawnSync('htpasswd', ['-Bbn', USER, PASSWORD], { encoding: 'utf8' });
    assert.equal(hash.status, 0, `htpasswd failed: ${hash.stderr}`);
    writeFileSync(join(dir, 'htpasswd'), hash.stdout);
    port = await freePort();
    serveraddress = `127.0.0.1:${port}`;
    image = `${serveraddress}/skiff-test/busybox:reg-${randomBytes(3).toString('hex')}`;
    writeFileSync(
      join(dir, 'config.yml'),
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'data')}`,
        'http:',
        `  addr: 127.0.0.1:${port}`,
        'auth:',
        '  htpasswd:',
        '    realm: skiff-test',
        `    path: ${join(dir, 'htpasswd')}`,
        '',
      ].join('\n'),
    );
    registry = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    registry.stdout?.on('data', (b: Buffer) => (registryLog += b.toString()));
    registry.stderr?.on('data', (b: Buffer) => (registryLog += b.toString()));
    const deadline = Date.now() + 10_000;
    while ((await status(port)) !== 401) {
      if (Date.now() > deadline || registry.exitCode !== null) throw new Error(`registry did not come up:\n${registryLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Push a copy of the local busybox under a fresh name, then drop the local name so a pull must fetch it.
    const [repo, tag] = [image.slice(0, image.lastIndexOf(':')), image.slice(image.lastIndexOf(':') + 1)];
    await docker.getImage(BUSYBOX_IMAGE).tag({ repo, tag });
    const push = await docker.getImage(image).push({ authconfig: { username: USER, password: PASSWORD, serveraddress } });
    await followPush(docker, push);
    await docker.getImage(image).remove();
    assert.equal(await rt.imageStatus(image), undefined);
  });

  after(async () => {
    await docker.getImage(image).remove().catch(() => undefined);
    if (registry?.pid && registry.exitCode === null) {
      const exited = new Promise((r) => registry?.once('exit', r));
      process.kill(registry.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (registry.exitCode === null && registry.signalCode === null) process.kill(registry.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails without credentials with the registry message', async () => {
    await assert.rejects(rt.pullImage(image), (err: unknown) => {
      assert.ok(err instanceof ImagePullError, String(err));
      assert.match(err.message, /no basic auth credentials/);
      assert.equal(err.image, image);
      return true;
    });
  });

  it('fails with a wrong password', async () => {
    await assert.rejects(rt.pullImage(image, { username: USER, password: 'wrong', serveraddress }), (err: unknown) => {
      assert.ok(err instanceof ImagePullError, String(err));
      assert.match(err.message, /unauthorized|authentication required/);
      return true;
    });
  });

  it('reports manifest unknown for a missing tag', async () => {
    const missing = `${serveraddress}/skiff-test/busybox:absent`;
    await assert.rejects(rt.pullImage(missing, { username: USER, password: PASSWORD, serveraddress }), (err: unknown) => {
      assert.ok(err instanceof ImagePullError, String(err));
      assert.match(err.message, /manifest unknown|not found/);
      return true;
    });
  });

  it('pulls with credentials (also given as a dockerconfigjson auth field) and reports a pullable ref', async () => {
    const lines: string[] = [];
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const info = await rt.pullImage(image, { auth, serveraddress }, (l) => lines.push(l));
    assert.ok(info.repoTags.includes(image));
    assert.ok(info.repoDigests.some((d) => d.startsWith(`${image.slice(0, image.lastIndexOf(':'))}@sha256:`)));
    assert.ok(lines.some((l) => /Digest|Downloaded|Pull complete|up to date/i.test(l)), lines.join('\n'));
    const again = await rt.pullImage(image, { username: USER, password: PASSWORD, serveraddress });
    assert.equal(again.id, info.id);
  });
});
