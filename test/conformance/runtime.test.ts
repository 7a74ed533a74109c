// Runs the Runtime conformance suite against the fake runtime and the local Docker engine (which
// must be reachable: these tests fail, never skip, without it).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { BUSYBOX_IMAGE, ensureSandboxImage } from '../../src/runtime/docker/images.js';
import { FakeRuntime, newFakeState } from '../../src/runtime/fake/fake-runtime.js';
import { runRuntimeSuite } from './runtime.suite.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const fakeState = newFakeState();
runRuntimeSuite('fake', () => new FakeRuntime({ clusterName: 'fake-conf', nodeName: 'node-a', state: fakeState, images: [BUSYBOX_IMAGE] }), {
  image: BUSYBOX_IMAGE,
  clusterName: 'fake-conf',
  nodeName: 'node-a',
  network: 'fake-conf-net',
  processes: false,
  exit: (rt, id, code) => (rt as FakeRuntime).exitContainer(id, code),
  failPull: (rt, image) => (rt as FakeRuntime).failPull(image, 'Get "https://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused'),
});

const cluster = `skiff-rt-${randomBytes(4).toString('hex')}`;
const newDocker = (): DockerRuntime => new DockerRuntime({ clusterName: cluster, nodeName: 'node-a' });
runRuntimeSuite('docker', newDocker, {
  image: BUSYBOX_IMAGE,
  clusterName: cluster,
  nodeName: 'node-a',
  network: `${cluster}-net`,
  processes: true,
  setup: async () => {
    const rt = newDocker();
    try {
      await rt.version();
    } catch (err) {
      throw new Error(`the Docker engine must be reachable at /var/run/docker.sock for these tests: ${(err as Error).message}`);
    }
    await ensureSandboxImage(rt, repoRoot);
    if (!(await rt.imageStatus(BUSYBOX_IMAGE))) {
      const r = spawnSync('bash', [join(repoRoot, 'scripts', 'build-images.sh')], { encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`scripts/build-images.sh failed: ${r.stderr}`);
    }
  },
});
