// Unit tests of the Docker runtime that need no engine: naming rules and the "engine down" error.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bridgeName, containerName, DockerRuntime } from '../../../src/runtime/docker/docker-runtime.js';
import { RuntimeUnavailableError } from '../../../src/runtime/runtime.js';

describe('DockerRuntime without an engine', () => {
  it('names containers like dockershim and bridges within 15 bytes', () => {
    assert.equal(containerName('POD', 'web', 'default', 'abc', 0), 'k8s_POD_web_default_abc_0');
    assert.equal(containerName('app', 'web', 'ns', 'abc', 2), 'k8s_app_web_ns_abc_2');
    const b = bridgeName('a-very-long-cluster-network-name');
    assert.ok(b.length <= 15);
    assert.equal(b, bridgeName('a-very-long-cluster-network-name'));
    assert.notEqual(b, bridgeName('another'));
  });

  it('maps a missing socket to RuntimeUnavailableError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-nosock-'));
    try {
      const rt = new DockerRuntime({ socketPath: join(dir, 'docker.sock'), clusterName: 'c', nodeName: 'n' });
      await assert.rejects(rt.version(), RuntimeUnavailableError);
      await assert.rejects(rt.listContainers({ labels: {} }), (e: Error) => e instanceof RuntimeUnavailableError && /docker\.sock/.test(e.message));
      await assert.rejects(rt.pullImage('busybox'), RuntimeUnavailableError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
