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

  const readiness = new Map<string, Promise<void>>();
  /** Waits for the pod's Ready condition once per pod (later tests of a pod that never came up fail at once). */
  function waitReady(pod: string): Promise<void> {
    let p = readiness.get(pod);
    if (!p) readiness.set(pod, (p = pollReady(pod)));
    return p;
  }
  /** On timeout the error carries the pod and its events. */
  async function pollReady(pod: string): Promise<void> {
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
  /**
   * Mode and content of several files in one exec (each exec is a full kubectl round trip):
   * undefined for a missing file. Modes follow links, as the volume files link into `..data`.
   */
  const files = (pod: string, container: string, paths: string[]): Record<string, { mode: string; content: string } | undefined> => {
    const script = `for f in ${paths.join(' ')}; do if [ -e "$f" ]; then echo "$f $(stat -L -c %a "$f") $(base64 -w0 < "$f")"; else echo "$f -"; fi; done`;
    const result: Record<string, { mode: string; content: string } | undefined> = {};
    for (const line of out(pod, container, script).split('\n').filter(Boolean)) {
      const [path, mode, b64] = line.split(' ');
      result[path] = mode === '-' ? undefined : { mode, content: Buffer.from(b64 ?? '', 'base64').toString('utf8') };
    }
    return result;
  };
  /** Polls files in the pod until they hold `want`: the agent refreshes projected files while the pod runs. */
  const waitForContents = async (pod: string, want: Record<string, string>): Promise<void> => {
    let last: Record<string, string | undefined> = {};
    try {
      await eventually(() => {
        const got = files(pod, 'main', Object.keys(want));
        last = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v?.content]));
        return Object.entries(want).every(([k, v]) => last[k] === v);
      }, 90_000, 1000);
    } catch {
      assert.fail(`files in ${pod} hold ${JSON.stringify(last)}, want ${JSON.stringify(want)}`);
    }
  };

  it('shares an emptyDir between the containers of a pod, with subPath and readOnly mounts of it', async () => {
    await waitReady('shared');
    // The writer may still be writing right after the pod turns Ready.
    await eventually(() => exec('shared', 'reader', 'cat /scratch/sub/inner').stdout === 'deep\n', 30_000, 500);
    const seen = files('shared', 'reader', ['/scratch/hello', '/only-sub/inner', '/only-sub/hello', '/ro/hello']);
    assert.equal(seen['/scratch/hello']?.content, 'from-writer\n');
    // subPath: only the sub directory is visible at /only-sub.
    assert.equal(seen['/only-sub/inner']?.content, 'deep\n');
    assert.equal(seen['/only-sub/hello'], undefined);
    // readOnly: the same volume mounted read-only shows the contents...
    assert.equal(seen['/ro/hello']?.content, 'from-writer\n');
    // ...but refuses writes.
    const denied = exec('shared', 'reader', 'echo nope > /ro/new');
    assert.notEqual(denied.code, 0, 'writing to a readOnly mount succeeded');
    assert.match(denied.stderr + denied.stdout, /read-only file system/i);
    // A write through the subPath mount lands in the shared volume, seen by the other container.
    out('shared', 'reader', 'echo back > /only-sub/from-reader');
    const back = files('shared', 'writer', ['/scratch/sub/from-reader', '/scratch/new']);
    assert.equal(back['/scratch/sub/from-reader']?.content, 'back\n');
    assert.equal(back['/scratch/new'], undefined, 'the refused write left a file');
  });

  it('backs an emptyDir with medium Memory by a tmpfs sized by sizeLimit, shared by both containers', async () => {
    await waitReady('shared');
    for (const c of ['writer', 'reader']) {
      const [mounts, dfOut] = out('shared', c, 'mount; echo ---; df -k /mem').split('---\n');
      const line = mounts.split('\n').find((l) => / on \/mem type /.test(l));
      assert.ok(line, `no mount at /mem in ${c}:\n${mounts}`);
      assert.match(line, / type tmpfs /);
      // 32Mi = 32768 1K-blocks.
      const df = dfOut.trim().split('\n');
      const cells = df[df.length - 1].split(/\s+/);
      assert.equal(cells[0], 'tmpfs', df.join('\n'));
      assert.equal(cells[1], '32768', `tmpfs size in ${c}:\n${df.join('\n')}`);
      if (c === 'reader') {
        // The disk-backed emptyDir is not a tmpfs.
        const scratch = mounts.split('\n').find((l) => / on \/scratch type /.test(l));
        assert.ok(scratch && !/ type tmpfs /.test(scratch), `/scratch should be on disk: ${scratch ?? '(none)'}`);
      }
    }
    // Written by the writer, read by the reader: one tmpfs for the pod, not one per container.
    await eventually(() => exec('shared', 'reader', 'cat /mem/m').stdout === 'in-memory\n', 30_000, 500);
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
    const f = files('config', 'main', [
      '/etc/cm/app.conf', '/etc/cm/greeting', '/etc/cm-items/nested/hello.txt', '/etc/cm-items/greeting', '/etc/cm-items/app.conf',
      '/etc/sec/password', '/etc/sec/token', '/etc/sec-items/auth/token', '/etc/sec-items/password', '/etc/sec-items/token', '/etc/app/app.conf',
    ]);
    assert.deepEqual(f['/etc/cm/app.conf'], { mode: '644', content: 'mode=blue\n' });
    assert.deepEqual(f['/etc/cm/greeting'], { mode: '644', content: 'hello' });
    assert.deepEqual(out('config', 'main', 'ls /etc/cm').trim().split(/\s+/).sort(), ['app.conf', 'greeting']);
    // items: only the listed key, at its path; defaultMode 256 = 0400.
    assert.deepEqual(f['/etc/cm-items/nested/hello.txt'], { mode: '400', content: 'hello' });
    assert.equal(f['/etc/cm-items/greeting'], undefined);
    assert.equal(f['/etc/cm-items/app.conf'], undefined);
    assert.deepEqual(f['/etc/sec/password'], { mode: '400', content: 's3cret' });
    assert.deepEqual(f['/etc/sec/token'], { mode: '400', content: 'tok-1' });
    // A per-item mode (288 = 0440) wins over the default; keys not listed stay out.
    assert.deepEqual(f['/etc/sec-items/auth/token'], { mode: '440', content: 'tok-1' });
    assert.equal(f['/etc/sec-items/password'], undefined);
    assert.equal(f['/etc/sec-items/token'], undefined);
    // subPath of a configMap: one key as a single file.
    assert.equal(f['/etc/app/app.conf']?.content, 'mode=blue\n');
    assert.equal(out('config', 'main', 'test -f /etc/app/app.conf && ls /etc/app').trim(), 'app.conf');
  });

  it('mounts configMap and secret volumes read-only', async () => {
    await waitReady('config');
    // One exec: each write must fail with EROFS; the script prints what each attempt said.
    const r = out('config', 'main', 'for f in /etc/cm/new /etc/sec/new /etc/cm/greeting /etc/app/app.conf; do if echo x 2>/dev/null > $f; then echo "$f written"; else (echo x > $f) 2>&1 | sed "s|^|$f |"; fi; done');
    for (const path of ['/etc/cm/new', '/etc/sec/new', '/etc/cm/greeting', '/etc/app/app.conf']) {
      const line = r.split('\n').find((l) => l.startsWith(`${path} `));
      assert.ok(line, `no result for ${path}:\n${r}`);
      assert.doesNotMatch(line, / written$/, `writing ${path} succeeded`);
      assert.match(line, /read-only file system/i, line);
    }
    assert.equal(files('config', 'main', ['/etc/cm/greeting'])['/etc/cm/greeting']?.content, 'hello');
  });

  it('writes labels, annotations and the pod name through the downward API', async () => {
    await waitReady('config');
    const f = files('config', 'main', ['/etc/info/name', '/etc/info/namespace', '/etc/info/labels', '/etc/info/annotations']);
    assert.equal(f['/etc/info/name']?.content, 'config');
    assert.equal(f['/etc/info/namespace']?.content, 'default');
    assert.equal(f['/etc/info/labels']?.content, 'app="cfg"\ntier="back"');
    assert.match(f['/etc/info/annotations']?.content ?? '', /^note="hi there"$/m);
  });

  it('brings ConfigMap and Secret updates to the running pod', async () => {
    await waitReady('config');
    cluster.k(['patch', 'configmap', 'app-config', '--type', 'merge', '-p', JSON.stringify({ data: { greeting: 'updated' } })]);
    cluster.k(['patch', 'secret', 'app-secret', '--type', 'merge', '-p', JSON.stringify({ data: { password: Buffer.from('rotated').toString('base64') } })]);
    // The labels file follows a relabel too.
    cluster.k(['label', 'pod', 'config', 'tier=front', '--overwrite']);
    await waitForContents('config', {
      '/etc/cm/greeting': 'updated',
      '/etc/cm-items/nested/hello.txt': 'updated',
      '/etc/sec/password': 'rotated',
      '/etc/info/labels': 'app="cfg"\ntier="front"',
    });
    // The mode survives the swap to the new contents.
    assert.equal(files('config', 'main', ['/etc/cm-items/nested/hello.txt'])['/etc/cm-items/nested/hello.txt']?.mode, '400');
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
