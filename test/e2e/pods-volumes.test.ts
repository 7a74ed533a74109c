// End-to-end: pod volumes on real Docker: emptyDir (disk and tmpfs), hostPath, configMap, secret, downwardAPI, PVC, subPath, readOnly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, removeDataDir, startCluster, type Cluster, type KubectlResult } from './harness.js';

const IMAGE = 'skiff/busybox:1.36';

function docker(args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 60_000 });
  return r.stdout ?? '';
}

/** Removes whatever the cluster left on the engine: containers, then networks and volumes that carry its label. */
function removeEngineObjects(cluster: string): void {
  const filter = `label=io.skiff.cluster=${cluster}`;
  const containers = docker(['ps', '-aq', '--filter', filter]).split('\n').filter(Boolean);
  if (containers.length) docker(['rm', '-f', '-v', ...containers]);
  const networks = docker(['network', 'ls', '-q', '--filter', filter]).split('\n').filter(Boolean);
  if (networks.length) docker(['network', 'rm', ...networks]);
  const volumes = docker(['volume', 'ls', '-q', '--filter', filter]).split('\n').filter(Boolean);
  if (volumes.length) docker(['volume', 'rm', '-f', ...volumes]);
}

/** A Memory emptyDir is a tmpfs mounted under the data dir; it must be unmounted before the dir can go. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(dir + '/'));
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
}

const manifests = (hostDir: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  app.conf: "mode=blue\\n"
  greeting: hello
---
apiVersion: v1
kind: Secret
metadata:
  name: app-secret
stringData:
  password: s3cret
  token: tok-1
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: store
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 64Mi
---
apiVersion: v1
kind: Pod
metadata:
  name: shared
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: writer
    image: ${IMAGE}
    command: [sh, -c, 'mkdir -p /scratch/sub && echo from-writer > /scratch/hello && echo deep > /scratch/sub/inner && echo in-memory > /mem/m && sleep 3600']
    volumeMounts:
    - {name: scratch, mountPath: /scratch}
    - {name: mem, mountPath: /mem}
  - name: reader
    image: ${IMAGE}
    command: [sleep, '3600']
    volumeMounts:
    - {name: scratch, mountPath: /scratch}
    - {name: scratch, mountPath: /only-sub, subPath: sub}
    - {name: scratch, mountPath: /ro, readOnly: true}
    - {name: mem, mountPath: /mem}
  volumes:
  - name: scratch
    emptyDir: {}
  - name: mem
    emptyDir: {medium: Memory, sizeLimit: 32Mi}
---
apiVersion: v1
kind: Pod
metadata:
  name: hostpath
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${IMAGE}
    command: [sh, -c, 'echo written-by-pod > /host/from-pod.txt && sleep 3600']
    volumeMounts:
    - {name: h, mountPath: /host}
  volumes:
  - name: h
    hostPath: {path: ${hostDir}, type: DirectoryOrCreate}
---
apiVersion: v1
kind: Pod
metadata:
  name: config
  labels: {app: cfg, tier: back}
  annotations: {note: hi there}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${IMAGE}
    command: [sleep, '3600']
    volumeMounts:
    - {name: cm, mountPath: /etc/cm}
    - {name: cm-items, mountPath: /etc/cm-items}
    - {name: sec, mountPath: /etc/sec}
    - {name: sec-items, mountPath: /etc/sec-items}
    - {name: info, mountPath: /etc/info}
    - {name: cm, mountPath: /etc/app/app.conf, subPath: app.conf}
  volumes:
  - name: cm
    configMap: {name: app-config}
  - name: cm-items
    configMap:
      name: app-config
      defaultMode: 256
      items: [{key: greeting, path: nested/hello.txt}]
  - name: sec
    secret: {secretName: app-secret, defaultMode: 256}
  - name: sec-items
    secret:
      secretName: app-secret
      items: [{key: token, path: auth/token, mode: 288}]
  - name: info
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: annotations, fieldRef: {fieldPath: metadata.annotations}}
      - {path: name, fieldRef: {fieldPath: metadata.name}}
      - {path: namespace, fieldRef: {fieldPath: metadata.namespace}}
`;

const claimPod = (name: string, script: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${IMAGE}
    command: [sh, -c, '${script}']
    volumeMounts:
    - {name: data, mountPath: /data}
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: store}
`;

describe('pod volumes', () => {
  let cluster: Cluster;
  let hostBase: string;
  let hostDir: string;

  before(async () => {
    hostBase = mkdtempSync(join(tmpdir(), 'skiff-hostpath-'));
    // Not there yet: DirectoryOrCreate must make it.
    hostDir = join(hostBase, 'made', 'by-agent');
    cluster = await startCluster();
    // `create`, not `apply`: apply would add its last-applied annotation to the downward API file.
    cluster.k(['create', '-f', '-'], { input: manifests(hostDir) });
  });

  after(async () => {
    if (cluster) {
      await cluster.stop();
      removeEngineObjects(cluster.name);
      unmountUnder(cluster.dataDir);
      removeDataDir(cluster);
    }
    if (hostBase) rmSync(hostBase, { recursive: true, force: true });
  });

  /** Waits for the pod's Ready condition; on timeout the error carries the pod and its events. */
  async function waitReady(pod: string): Promise<void> {
    try {
      await eventually(() => cluster.kubectl(['get', 'pod', pod, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']).stdout === 'True', 90_000, 500);
    } catch (err) {
      const yaml = cluster.kubectl(['get', 'pod', pod, '-o', 'yaml']).stdout;
      const events = cluster.kubectl(['get', 'events', '--field-selector', `involvedObject.name=${pod}`]).stdout;
      throw new Error(`pod ${pod} did not become Ready: ${String(err)}\n${yaml}\n${events}`);
    }
  }

  const exec = (pod: string, container: string, script: string): KubectlResult => cluster.kubectl(['exec', pod, '-c', container, '--', 'sh', '-c', script]);
  const out = (pod: string, container: string, script: string): string => {
    const r = exec(pod, container, script);
    assert.equal(r.code, 0, `exec in ${pod}/${container} failed: ${script}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  /** Polls a file in the pod until it holds `want`: the agent refreshes projected files while the pod runs. */
  const waitForContent = async (pod: string, path: string, want: string): Promise<void> => {
    let last = '';
    try {
      await eventually(() => {
        last = exec(pod, 'main', `cat ${path}`).stdout;
        return last === want;
      }, 90_000, 1000);
    } catch {
      assert.fail(`${path} in ${pod} still holds ${JSON.stringify(last)}, want ${JSON.stringify(want)}`);
    }
  };

  it('shares an emptyDir between the containers of a pod, with subPath and readOnly mounts of it', async () => {
    await waitReady('shared');
    // The writer may still be writing right after the pod turns Ready.
    await eventually(() => exec('shared', 'reader', 'cat /scratch/sub/inner').stdout === 'deep\n', 30_000, 500);
    assert.equal(out('shared', 'reader', 'cat /scratch/hello'), 'from-writer\n');
    // subPath: only the sub directory is visible at /only-sub.
    assert.equal(out('shared', 'reader', 'cat /only-sub/inner'), 'deep\n');
    assert.equal(out('shared', 'reader', 'ls /only-sub').trim(), 'inner');
    // A write through the subPath mount lands in the shared volume.
    out('shared', 'reader', 'echo back > /only-sub/from-reader');
    assert.equal(out('shared', 'writer', 'cat /scratch/sub/from-reader'), 'back\n');
    // readOnly: the same volume mounted read-only refuses writes but shows the contents.
    assert.equal(out('shared', 'reader', 'cat /ro/hello'), 'from-writer\n');
    const denied = exec('shared', 'reader', 'echo nope > /ro/new');
    assert.notEqual(denied.code, 0, 'writing to a readOnly mount succeeded');
    assert.match(denied.stderr + denied.stdout, /read-only file system/i);
    assert.equal(exec('shared', 'writer', 'test -e /scratch/new').code, 1, 'the refused write left a file');
  });

  it('backs an emptyDir with medium Memory by a tmpfs sized by sizeLimit, shared by both containers', async () => {
    await waitReady('shared');
    for (const c of ['writer', 'reader']) {
      const mounts = out('shared', c, 'mount');
      const line = mounts.split('\n').find((l) => / on \/mem type /.test(l));
      assert.ok(line, `no mount at /mem in ${c}:\n${mounts}`);
      assert.match(line, / type tmpfs /);
      // 32Mi = 32768 1K-blocks.
      const df = out('shared', c, 'df -k /mem').trim().split('\n');
      const cells = df[df.length - 1].split(/\s+/);
      assert.equal(cells[0], 'tmpfs', df.join('\n'));
      assert.equal(cells[1], '32768', `tmpfs size in ${c}:\n${df.join('\n')}`);
    }
    await eventually(() => exec('shared', 'reader', 'cat /mem/m').stdout === 'in-memory\n', 30_000, 500);
    // The disk-backed emptyDir is not a tmpfs.
    const scratch = out('shared', 'reader', 'mount').split('\n').find((l) => / on \/scratch type /.test(l));
    assert.ok(scratch && !/ type tmpfs /.test(scratch), `/scratch should be on disk: ${scratch ?? '(none)'}`);
  });

  it('creates a DirectoryOrCreate hostPath and shares files with the host both ways', async () => {
    await waitReady('hostpath');
    assert.ok(existsSync(hostDir) && statSync(hostDir).isDirectory(), `${hostDir} was not created`);
    const written = join(hostDir, 'from-pod.txt');
    await eventually(() => existsSync(written) && readFileSync(written, 'utf8') === 'written-by-pod\n', 30_000, 500);
    writeFileSync(join(hostDir, 'from-host.txt'), 'written-on-host\n');
    assert.equal(out('hostpath', 'main', 'cat /host/from-host.txt'), 'written-on-host\n');
  });

  it('projects configMap and secret keys as files, honouring items, modes and subPath', async () => {
    await waitReady('config');
    assert.equal(out('config', 'main', 'cat /etc/cm/app.conf'), 'mode=blue\n');
    assert.equal(out('config', 'main', 'cat /etc/cm/greeting'), 'hello');
    assert.deepEqual(out('config', 'main', 'ls /etc/cm').trim().split(/\s+/).sort(), ['app.conf', 'greeting']);
    // items: only the listed key, at its path.
    assert.equal(out('config', 'main', 'cat /etc/cm-items/nested/hello.txt'), 'hello');
    assert.equal(out('config', 'main', 'ls /etc/cm-items').trim(), 'nested');
    // defaultMode 256 = 0400; the files are links into ..data, so stat follows them (-L).
    assert.equal(out('config', 'main', 'stat -L -c %a /etc/cm-items/nested/hello.txt').trim(), '400');
    assert.equal(out('config', 'main', 'stat -L -c %a /etc/cm/greeting').trim(), '644');
    assert.equal(out('config', 'main', 'cat /etc/sec/password'), 's3cret');
    assert.equal(out('config', 'main', 'cat /etc/sec/token'), 'tok-1');
    assert.equal(out('config', 'main', 'stat -L -c %a /etc/sec/password').trim(), '400');
    // A per-item mode (288 = 0440) wins over the default.
    assert.equal(out('config', 'main', 'cat /etc/sec-items/auth/token'), 'tok-1');
    assert.equal(out('config', 'main', 'stat -L -c %a /etc/sec-items/auth/token').trim(), '440');
    assert.equal(exec('config', 'main', 'test -e /etc/sec-items/password').code, 1, 'items must leave other keys out');
    // subPath of a configMap: one key as a single file.
    assert.equal(out('config', 'main', 'cat /etc/app/app.conf'), 'mode=blue\n');
    assert.equal(out('config', 'main', 'test -f /etc/app/app.conf && echo file').trim(), 'file');
  });

  it('mounts configMap and secret volumes read-only', async () => {
    await waitReady('config');
    for (const path of ['/etc/cm/new', '/etc/sec/new', '/etc/cm/greeting', '/etc/app/app.conf']) {
      const r = exec('config', 'main', `echo x > ${path}`);
      assert.notEqual(r.code, 0, `writing ${path} succeeded`);
      assert.match(r.stderr + r.stdout, /read-only file system/i, path);
    }
    assert.equal(out('config', 'main', 'cat /etc/cm/greeting'), 'hello');
  });

  it('writes labels, annotations and the pod name through the downward API', async () => {
    await waitReady('config');
    assert.equal(out('config', 'main', 'cat /etc/info/name'), 'config');
    assert.equal(out('config', 'main', 'cat /etc/info/namespace'), 'default');
    assert.equal(out('config', 'main', 'cat /etc/info/labels'), 'app="cfg"\ntier="back"');
    assert.match(out('config', 'main', 'cat /etc/info/annotations'), /^note="hi there"$/m);
  });

  it('brings ConfigMap and Secret updates to the running pod', async () => {
    await waitReady('config');
    cluster.k(['patch', 'configmap', 'app-config', '--type', 'merge', '-p', JSON.stringify({ data: { greeting: 'updated' } })]);
    cluster.k(['patch', 'secret', 'app-secret', '--type', 'merge', '-p', JSON.stringify({ data: { password: Buffer.from('rotated').toString('base64') } })]);
    await waitForContent('config', '/etc/cm/greeting', 'updated');
    await waitForContent('config', '/etc/cm-items/nested/hello.txt', 'updated');
    await waitForContent('config', '/etc/sec/password', 'rotated');
    // The mode survives the swap to the new contents.
    assert.equal(out('config', 'main', 'stat -L -c %a /etc/cm-items/nested/hello.txt').trim(), '400');
    // The labels file follows a relabel too.
    cluster.k(['label', 'pod', 'config', 'tier=front', '--overwrite']);
    await waitForContent('config', '/etc/info/labels', 'app="cfg"\ntier="front"');
  });

  it('keeps data of a PersistentVolumeClaim in a named Docker volume across pods', async () => {
    const phase = await eventually(() => cluster.kubectl(['get', 'pvc', 'store', '-o', 'jsonpath={.status.phase}']).stdout === 'Bound', 60_000, 500);
    assert.ok(phase);
    const claimUid = cluster.k(['get', 'pvc', 'store', '-o', 'jsonpath={.metadata.uid}']);
    cluster.k(['create', '-f', '-'], { input: claimPod('pvc-writer', 'echo kept-$(hostname) > /data/note && sleep 3600') });
    await waitReady('pvc-writer');
    await eventually(() => exec('pvc-writer', 'main', 'cat /data/note').stdout === 'kept-pvc-writer\n', 30_000, 500);

    // The engine volume carries the cluster's label, so it is found (and removed) by cluster name.
    const volumes = docker(['volume', 'ls', '-q', '--filter', `label=io.skiff.cluster=${cluster.name}`]).split('\n').filter(Boolean);
    const expected = `skiff-${cluster.name}-pvc-${claimUid}`;
    assert.ok(volumes.includes(expected), `volume ${expected} not in ${JSON.stringify(volumes)}`);
    const mounted = docker(['ps', '-q', '--filter', `label=io.skiff.cluster=${cluster.name}`, '--filter', `volume=${expected}`]).split('\n').filter(Boolean);
    assert.equal(mounted.length, 1, 'exactly the writer container mounts the claim volume');

    cluster.k(['delete', 'pod', 'pvc-writer', '--wait=true', '--timeout=90s']);
    await eventually(() => docker(['ps', '-q', '--filter', `volume=${expected}`]).trim() === '', 60_000, 500);

    cluster.k(['create', '-f', '-'], { input: claimPod('pvc-reader', 'sleep 3600') });
    await waitReady('pvc-reader');
    assert.equal(out('pvc-reader', 'main', 'cat /data/note'), 'kept-pvc-writer\n');
  });
});
