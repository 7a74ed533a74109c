// buildContainerConfig: command/args expansion, cgroup resources, merged security context, and mounts from pod volumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, PodSecurityContext } from 'kubernetes-types/core/v1.js';
import { buildContainerConfig, containerMounts, containerResources, securityConfig } from '../../../src/agent/container-config/build.js';
import { ContainerConfigError, type ContainerConfigInput, type VolumeMountSource } from '../../../src/agent/contracts.js';

function input(container: Partial<Container>, opts: { podSc?: PodSecurityContext; volumes?: Record<string, VolumeMountSource>; imageUser?: string } = {}): ContainerConfigInput {
  const c: Container = { name: 'app', image: 'busybox:1.36', ...container };
  const pod: Pod = { metadata: { name: 'web', namespace: 'ns', uid: 'u-1' }, spec: { containers: [c], ...(opts.podSc ? { securityContext: opts.podSc } : {}) } };
  return {
    pod, container: c, attempt: 2, podIP: '10.1.0.7', hostIP: '172.18.0.2', nodeName: 'node-1',
    nodeAllocatable: { cpu: 4, memoryBytes: 8 * 1024 ** 3 },
    volumes: new Map(Object.entries(opts.volumes ?? {})),
    sources: { configMap: async () => undefined, secret: async () => undefined },
    serviceEnv: [{ name: 'SVC_HOST', value: '10.96.0.10' }],
    labels: { 'io.skiff.cluster': 'c1' },
    ...(opts.imageUser !== undefined ? { imageUser: opts.imageUser } : {}),
  };
}

test('command and args expand $(VAR) from the container env; the rest is carried over', async () => {
  const cfg = await buildContainerConfig(input({
    command: ['sh', '-c', 'echo $(GREETING) $$(HOME) $(MISSING)'],
    args: ['--host=$(SVC_HOST)'],
    env: [{ name: 'GREETING', value: 'hi' }],
    workingDir: '/work', stdin: true, tty: true, terminationMessagePath: '/dev/termination-log',
  }));
  assert.deepEqual(cfg.command, ['sh', '-c', 'echo hi $(HOME) $(MISSING)']);
  assert.deepEqual(cfg.args, ['--host=10.96.0.10']);
  assert.deepEqual(
    [cfg.podUid, cfg.podName, cfg.namespace, cfg.name, cfg.attempt, cfg.image, cfg.workingDir, cfg.stdin, cfg.stdinOnce, cfg.tty, cfg.terminationMessagePath],
    ['u-1', 'web', 'ns', 'app', 2, 'busybox:1.36', '/work', true, false, true, '/dev/termination-log'],
  );
  assert.deepEqual(cfg.labels, { 'io.skiff.cluster': 'c1' });
  assert.deepEqual(cfg.env, [{ name: 'SVC_HOST', value: '10.96.0.10' }, { name: 'GREETING', value: 'hi' }]);
  const bare = await buildContainerConfig(input({}));
  assert.equal(bare.command, undefined, 'no command: the image entrypoint');
  assert.equal(bare.args, undefined);
});

test('resources: memory limit in bytes, CPU limit in nanoCPUs, shares from the request', () => {
  assert.deepEqual(containerResources({ name: 'a', resources: { limits: { memory: '128Mi', cpu: '500m' }, requests: { cpu: '250m' } } }),
    { memoryLimitBytes: 134_217_728, nanoCpus: 500_000_000, cpuShares: 256 });
  assert.deepEqual(containerResources({ name: 'a', resources: { limits: { memory: '1G', cpu: '2' } } }),
    { memoryLimitBytes: 1_000_000_000, nanoCpus: 2_000_000_000, cpuShares: 2048 }, 'the request defaults to the limit');
  assert.deepEqual(containerResources({ name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' } } }), { cpuShares: 102 });
  assert.equal(containerResources({ name: 'a', resources: { limits: { cpu: '1m' } } }).nanoCpus, 10_000_000, 'the smallest CFS quota');
  assert.equal(containerResources({ name: 'a', resources: { requests: { cpu: '1m' } } }).cpuShares, 2);
  // BestEffort containers get the minimum weight, not the engine's default of 1024.
  assert.deepEqual(containerResources({ name: 'a' }), { cpuShares: 2 });
});

test('security: container settings override the pod; groups include fsGroup', () => {
  const p = input({}, { podSc: {} }).pod;
  const pod: Pod = { ...p, spec: { ...p.spec!, securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], fsGroup: 2000 } } };
  assert.deepEqual(securityConfig(pod, { name: 'app', securityContext: { runAsUser: 1001 } }, undefined),
    { runAsUser: 1001, runAsGroup: 3000, supplementalGroups: [4000, 2000] });
  assert.deepEqual(securityConfig(pod, {
    name: 'app',
    securityContext: { readOnlyRootFilesystem: true, privileged: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } },
  }, undefined), {
    runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000, 2000],
    readOnlyRootFilesystem: true, privileged: true, noNewPrivileges: true, capAdd: ['NET_ADMIN'], capDrop: ['ALL'],
  });
  assert.deepEqual(securityConfig(input({}).pod, { name: 'app' }, undefined), {});
});

test('runAsNonRoot refuses root, unverifiable users, and accepts numeric non-root users', () => {
  const { pod } = input({});
  const nonRoot = (extra: Container['securityContext'] = {}): Container => ({ name: 'app', securityContext: { runAsNonRoot: true, ...extra } });
  const rejects = (c: Container, imageUser: string | undefined, message: string): void => {
    assert.throws(() => securityConfig(pod, c, imageUser), (err: unknown) => err instanceof ContainerConfigError && err.message === message, message);
  };
  rejects(nonRoot({ runAsUser: 0 }), '1000', 'container\'s runAsUser breaks non-root policy (pod: "web_ns(u-1)", container: app)');
  rejects(nonRoot(), undefined, 'container has runAsNonRoot and image will run as root (pod: "web_ns(u-1)", container: app)');
  rejects(nonRoot(), '0:0', 'container has runAsNonRoot and image will run as root (pod: "web_ns(u-1)", container: app)');
  rejects(nonRoot(), 'nginx', 'container has runAsNonRoot and image has non-numeric user (nginx), cannot verify user is non-root (pod: "web_ns(u-1)", container: app)');
  assert.deepEqual(securityConfig(pod, nonRoot(), '101:101'), {});
  assert.deepEqual(securityConfig(pod, nonRoot({ runAsUser: 5 }), undefined), { runAsUser: 5 });
  // Pod-level runAsNonRoot applies too, and a container can switch it off.
  const podLevel: Pod = { ...pod, spec: { ...pod.spec!, securityContext: { runAsNonRoot: true } } };
  assert.throws(() => securityConfig(podLevel, { name: 'app' }, ''), ContainerConfigError);
  assert.deepEqual(securityConfig(podLevel, { name: 'app', securityContext: { runAsNonRoot: false } }, ''), {});
});

test('mounts map pod volumes to host paths, engine volumes or tmpfs with subPath and readOnly', () => {
  const volumes = new Map<string, VolumeMountSource>([
    ['data', { kind: 'hostPath', path: '/var/lib/skiff/pods/u-1/volumes/empty-dir/data' }],
    ['pvc', { kind: 'namedVolume', name: 'skiff-c1-pvc-abc' }],
    ['mem', { kind: 'tmpfs', sizeBytes: 1024 }],
  ]);
  const env = new Map([['POD_NAME', 'web']]);
  const mounts = containerMounts({
    name: 'app',
    volumeMounts: [
      { name: 'data', mountPath: '/data', readOnly: true },
      { name: 'data', mountPath: '/logs', subPathExpr: 'logs/$(POD_NAME)' },
      { name: 'pvc', mountPath: '/db', subPath: 'pg' },
      { name: 'mem', mountPath: '/cache' },
    ],
  }, volumes, (n) => env.get(n));
  assert.deepEqual(mounts, [
    { containerPath: '/data', readOnly: true, hostPath: '/var/lib/skiff/pods/u-1/volumes/empty-dir/data' },
    { containerPath: '/logs', readOnly: false, subPath: 'logs/web', hostPath: '/var/lib/skiff/pods/u-1/volumes/empty-dir/data' },
    { containerPath: '/db', readOnly: false, subPath: 'pg', volumeName: 'skiff-c1-pvc-abc' },
    { containerPath: '/cache', readOnly: false, tmpfs: { sizeBytes: 1024 } },
  ]);
});

test('a missing volume or an escaping subPath is a ContainerConfigError', async () => {
  await assert.rejects(buildContainerConfig(input({ volumeMounts: [{ name: 'ghost', mountPath: '/x' }] })),
    (err: unknown) => err instanceof ContainerConfigError && err.message === 'cannot find volume "ghost" to mount into container "app"');
  const volumes = { v: { kind: 'hostPath', path: '/tmp/v' } as VolumeMountSource };
  for (const subPath of ['../etc', 'a/../../b', '/abs']) {
    await assert.rejects(buildContainerConfig(input({ volumeMounts: [{ name: 'v', mountPath: '/x', subPath }] }, { volumes })), ContainerConfigError, subPath);
  }
  await assert.rejects(buildContainerConfig(input({ env: [{ name: 'UP', value: '..' }], volumeMounts: [{ name: 'v', mountPath: '/x', subPathExpr: '$(UP)/x' }] }, { volumes })), ContainerConfigError);
  const ok = await buildContainerConfig(input({ volumeMounts: [{ name: 'v', mountPath: '/x', subPath: 'a/b..c' }] }, { volumes }));
  assert.equal(ok.mounts[0].subPath, 'a/b..c', 'dots inside a name are fine');
});
