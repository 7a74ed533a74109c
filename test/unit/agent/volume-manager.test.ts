// VolumeManager.setUp/tearDown on a temporary data dir: ConfigMap, Secret, downwardAPI, projected, emptyDir, hostPath and claims.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import { VolumeSetupError, type VolumeMountSource } from '../../../src/agent/contracts.js';
import { VolumeManager } from '../../../src/agent/volumes/volume-manager.js';
import type { KObject } from '../../../src/api/machinery/object.js';
import { FakeRuntime } from '../../../src/runtime/fake/fake-runtime.js';

interface Fixture {
  vm: VolumeManager;
  runtime: FakeRuntime;
  objects: KObject[];
  dataDir: string;
  scratch: string;
}

async function withManager(fn: (fx: Fixture) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'skiff-volumes-'));
  const objects: KObject[] = [];
  const find = (kind: string, ns: string | undefined, name: string): KObject | undefined =>
    objects.find((o) => o.kind === kind && o.metadata.name === name && (ns === undefined || o.metadata.namespace === ns));
  const runtime = new FakeRuntime({ clusterName: 'c1' });
  const vm = new VolumeManager({
    dataDir: join(root, 'data'), runtime, clusterName: 'c1',
    sources: { configMap: async (ns, name) => find('ConfigMap', ns, name), secret: async (ns, name) => find('Secret', ns, name) },
    claim: async (ns, name) => find('PersistentVolumeClaim', ns, name),
    persistentVolume: async (name) => find('PersistentVolume', undefined, name),
    hostIP: '172.18.0.2', nodeName: 'node-1', nodeAllocatable: { cpu: 4, memoryBytes: 8 * 1024 ** 3 },
  });
  try {
    await fn({ vm, runtime, objects, dataDir: join(root, 'data'), scratch: root });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function podWith(volumes: Volume[]): Pod {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'uid-7', labels: { z: 'last', app: 'web' }, annotations: { a: '1' } },
    spec: { containers: [{ name: 'app', image: 'img', resources: { limits: { memory: '64Mi' } } }], volumes },
    status: { podIP: '10.1.0.9' },
  };
}

function pathOf(src: VolumeMountSource | undefined): string {
  assert.equal(src?.kind, 'hostPath');
  return src.kind === 'hostPath' ? src.path : '';
}

const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');
const mode = (dir: string, file: string): number => statSync(join(dir, file)).mode & 0o777;

test('configMap volumes: data and binaryData, items with modes, refreshed on the next setUp', async () => withManager(async ({ vm, objects, dataDir }) => {
  objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns' }, data: { 'app.conf': 'port=80', other: 'o' }, binaryData: { 'logo.bin': b64('\x00PNG') } });
  const p = podWith([
    { name: 'all', configMap: { name: 'cfg', defaultMode: 0o640 } },
    { name: 'some', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }] } },
  ]);
  const vols = await vm.setUp(p);
  const all = pathOf(vols.get('all'));
  assert.equal(all, join(dataDir, 'pods', 'uid-7', 'volumes', 'configmap', 'all'));
  assert.equal(read(all, 'app.conf'), 'port=80');
  assert.equal(readFileSync(join(all, 'logo.bin')).toString('latin1'), '\x00PNG');
  assert.equal(mode(all, 'other'), 0o640);
  const some = pathOf(vols.get('some'));
  assert.equal(read(some, 'conf/app.conf'), 'port=80');
  assert.equal(mode(some, 'conf/app.conf'), 0o600);
  assert.equal(existsSync(join(some, 'other')), false, 'items select keys');

  // An edit of the ConfigMap reaches the volume on the next sync; a removed key disappears.
  objects[0] = { ...objects[0], data: { 'app.conf': 'port=8080' }, binaryData: {} };
  await vm.setUp(p);
  assert.equal(read(all, 'app.conf'), 'port=8080');
  assert.equal(existsSync(join(all, 'other')), false);
}));

test('a missing ConfigMap or Secret is a VolumeSetupError naming the volume; optional ones give an empty volume', async () => withManager(async ({ vm, objects }) => {
  await assert.rejects(vm.setUp(podWith([{ name: 'cfg-vol', configMap: { name: 'nope' } }])),
    (err: unknown) => err instanceof VolumeSetupError && err.volume === 'cfg-vol' && err.message === 'configmap "nope" not found');
  await assert.rejects(vm.setUp(podWith([{ name: 'sec-vol', secret: { secretName: 'nope' } }])),
    (err: unknown) => err instanceof VolumeSetupError && err.volume === 'sec-vol' && err.message === 'secret "nope" not found');
  const vols = await vm.setUp(podWith([{ name: 'opt', configMap: { name: 'nope', optional: true } }, { name: 'opt2', secret: { secretName: 'nope', optional: true } }]));
  assert.equal(vols.size, 2);

  objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns' }, data: { a: '1' } });
  objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: 'ns' }, data: { a: b64('1') } });
  await assert.rejects(vm.setUp(podWith([{ name: 'v', configMap: { name: 'cfg', items: [{ key: 'zz', path: 'zz' }] } }])),
    (err: unknown) => err instanceof VolumeSetupError && err.volume === 'v' && err.message === 'configmap references non-existent config key: zz');
  await assert.rejects(vm.setUp(podWith([{ name: 'v', secret: { secretName: 'sec', items: [{ key: 'zz', path: 'zz' }] } }])),
    (err: unknown) => err instanceof VolumeSetupError && err.message === 'references non-existent secret key: zz');
}));

test('secret volumes hold decoded data with the default mode 0644 or the one asked for', async () => withManager(async ({ vm, objects }) => {
  objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'ns' }, data: { 'tls.key': b64('KEY'), 'tls.crt': b64('CRT') } });
  const vols = await vm.setUp(podWith([
    { name: 'def', secret: { secretName: 'tls' } },
    { name: 'strict', secret: { secretName: 'tls', defaultMode: 0o400 } },
  ]));
  const def = pathOf(vols.get('def'));
  assert.equal(read(def, 'tls.key'), 'KEY');
  assert.equal(mode(def, 'tls.crt'), 0o644);
  assert.equal(mode(pathOf(vols.get('strict')), 'tls.key'), 0o400);
}));

test('downwardAPI volumes write pod fields and resource limits', async () => withManager(async ({ vm }) => {
  const vols = await vm.setUp(podWith([{
    name: 'info',
    downwardAPI: {
      items: [
        { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'ip', fieldRef: { fieldPath: 'status.podIP' } },
        { path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
      ],
    },
  }]));
  const dir = pathOf(vols.get('info'));
  assert.equal(read(dir, 'name'), 'web');
  assert.equal(read(dir, 'labels'), 'app="web"\nz="last"');
  assert.equal(read(dir, 'ip'), '10.1.0.9');
  assert.equal(read(dir, 'mem'), '64');
}));

test('projected volumes combine ConfigMap (with binaryData), Secret and downward API sources', async () => withManager(async ({ vm, objects }) => {
  objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns' }, data: { 'ca.crt': 'CA' }, binaryData: { blob: b64('BIN') } });
  objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: 'ns' }, data: { token: b64('TOKEN') } });
  const vols = await vm.setUp(podWith([{
    name: 'proj',
    projected: {
      defaultMode: 0o440,
      sources: [
        { configMap: { name: 'cfg' } },
        { secret: { name: 'sec', items: [{ key: 'token', path: 'auth/token' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
        { configMap: { name: 'absent', optional: true } },
      ],
    },
  }]));
  const dir = pathOf(vols.get('proj'));
  assert.equal(read(dir, 'ca.crt'), 'CA');
  assert.equal(read(dir, 'blob'), 'BIN');
  assert.equal(read(dir, 'auth/token'), 'TOKEN');
  assert.equal(read(dir, 'namespace'), 'ns');
  assert.equal(mode(dir, 'ca.crt'), 0o440);
  await assert.rejects(vm.setUp(podWith([{ name: 'proj', projected: { sources: [{ secret: { name: 'absent' } }] } }])),
    (err: unknown) => err instanceof VolumeSetupError && err.volume === 'proj' && err.message === 'secret "absent" not found');
}));

test('emptyDir is a per-pod directory that survives syncs; tearDown removes the pod directory', async () => withManager(async ({ vm, dataDir }) => {
  const p = podWith([{ name: 'scratch', emptyDir: {} }]);
  const dir = pathOf((await vm.setUp(p)).get('scratch'));
  assert.equal(dir, join(dataDir, 'pods', 'uid-7', 'volumes', 'empty-dir', 'scratch'));
  assert.ok(statSync(dir).isDirectory());
  writeFileSync(join(dir, 'work'), 'kept');
  await vm.setUp(p);
  assert.equal(read(dir, 'work'), 'kept', 'a resync does not empty it');
  await vm.tearDown('uid-7');
  assert.equal(existsSync(join(dataDir, 'pods', 'uid-7')), false);
  await vm.tearDown('uid-7'); // idempotent
}));

test('hostPath: OrCreate types create the path, Directory/File check it', async () => withManager(async ({ vm, scratch }) => {
  const newDir = join(scratch, 'host', 'made');
  const newFile = join(scratch, 'host-file');
  const vols = await vm.setUp(podWith([
    { name: 'd', hostPath: { path: newDir, type: 'DirectoryOrCreate' } },
    { name: 'f', hostPath: { path: newFile, type: 'FileOrCreate' } },
    { name: 'any', hostPath: { path: join(scratch, 'not-there') } },
  ]));
  assert.deepEqual(vols.get('d'), { kind: 'hostPath', path: newDir });
  assert.ok(statSync(newDir).isDirectory());
  assert.ok(statSync(newFile).isFile());
  assert.equal(existsSync(join(scratch, 'not-there')), false, 'no type: nothing is checked or created');
  await assert.rejects(vm.setUp(podWith([{ name: 'd2', hostPath: { path: newFile, type: 'Directory' } }])),
    (err: unknown) => err instanceof VolumeSetupError && err.volume === 'd2' && /is not a directory/.test(err.message));
  await assert.rejects(vm.setUp(podWith([{ name: 'f2', hostPath: { path: newDir, type: 'File' } }])),
    (err: unknown) => err instanceof VolumeSetupError && /is not a file/.test(err.message));
}));

test('persistentVolumeClaim: missing or unbound claims wait; a bound one becomes a labelled engine volume', async () => withManager(async ({ vm, runtime, objects }) => {
  const p = podWith([{ name: 'data', persistentVolumeClaim: { claimName: 'db' } }]);
  await assert.rejects(vm.setUp(p), (err: unknown) => err instanceof VolumeSetupError && err.message === 'persistentvolumeclaim "db" not found');
  objects.push({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'db', namespace: 'ns', uid: 'claim-uid' }, spec: {}, status: { phase: 'Pending' } });
  await assert.rejects(vm.setUp(p), (err: unknown) => err instanceof VolumeSetupError && err.message === 'persistentvolumeclaim "db" is not bound yet');
  objects[0] = { ...objects[0], spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } };
  const vols = await vm.setUp(p);
  assert.deepEqual(vols.get('data'), { kind: 'namedVolume', name: 'skiff-c1-pvc-claim-uid' });
  assert.deepEqual(runtime.callsTo('ensureVolume').map((c) => c.args), [['skiff-c1-pvc-claim-uid', { 'io.skiff.cluster': 'c1', 'io.skiff.pvc': 'ns.db' }]]);
  objects.push({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' }, spec: { csi: { volumeHandle: 'handle-9' } } });
  assert.deepEqual((await vm.setUp(p)).get('data'), { kind: 'namedVolume', name: 'handle-9' });
}));
