// The Runtime conformance suite: what the node agent relies on from any runtime (lifecycle, labels,
// lists, events, errors), plus process-level behaviour for engines that really run containers.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ImagePullError,
  LABEL_CLUSTER,
  LABEL_CONTAINER_NAME,
  LABEL_CONTAINER_TYPE,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RESTART_COUNT,
  SANDBOX_CONTAINER_NAME,
  type ContainerConfig,
  type ContainerId,
  type ContainerStatus,
  type Runtime,
  type RuntimeEvent,
  type SandboxConfig,
  type SandboxStatus,
} from '../../src/runtime/runtime.js';

export interface RuntimeSuiteOptions {
  /** A shell image (busybox) present in the engine. */
  image: string;
  /** The label value every object carries; the runtime under test must be built with it. */
  clusterName: string;
  nodeName: string;
  network: string;
  /**
   * True when containers run real processes: command semantics, mounts, cgroups, OOM, logs,
   * exec, signals, stats and port forwarding are then checked too. An engine without processes
   * (the fake) cannot have those properties, so those cases exist only for real engines.
   */
  processes: boolean;
  /** Engines without processes: make a running container's process exit. */
  exit?: (rt: Runtime, id: ContainerId, code: number) => void | Promise<void>;
  /** Arrange for pulling `image` to fail (a real engine fails on its own: nothing listens there). */
  failPull?: (rt: Runtime, image: string) => void;
  /** Runs once before the cases (images, reachability). Throwing fails the suite loudly. */
  setup?: () => Promise<void>;
}

const WAIT_MS = 20_000;

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(parts).toString('utf8');
}

export function runRuntimeSuite(name: string, newRuntime: () => Runtime | Promise<Runtime>, opts: RuntimeSuiteOptions): void {
  describe(`Runtime conformance: ${name}`, () => {
    let rt: Runtime;
    let seq = 0;
    const volumes = new Set<string>();
    const tmpDirs: string[] = [];
    const podUid = (): string => `uid-${process.pid}-${++seq}`;

    const sandboxConfig = (uid: string, over: Partial<SandboxConfig> = {}): SandboxConfig => ({
      podUid: uid,
      podName: `pod-${seq}`,
      namespace: 'conformance',
      attempt: 0,
      hostname: `pod-${seq}`,
      network: opts.network,
      hostNetwork: false,
      portMappings: [],
      labels: { [LABEL_CLUSTER]: opts.clusterName, [LABEL_NODE]: opts.nodeName, 'example.com/case': 'yes' },
      ...over,
    });

    const containerConfig = (sb: SandboxStatus, over: Partial<ContainerConfig>): ContainerConfig => ({
      podUid: sb.podUid,
      podName: sb.podName,
      namespace: sb.namespace,
      name: `c${++seq}`,
      attempt: 0,
      image: opts.image,
      env: [],
      mounts: [],
      resources: {},
      security: {},
      stdin: false,
      stdinOnce: false,
      tty: false,
      labels: { [LABEL_CLUSTER]: opts.clusterName, [LABEL_NODE]: opts.nodeName },
      ...over,
    });

    const waitExited = (id: ContainerId): Promise<ContainerStatus> =>
      eventually(`container ${id} to exit`, async () => {
        const s = await rt.containerStatus(id);
        return s?.state === 'exited' ? s : undefined;
      });

    /** Creates and starts a container; with `exitCode` (no-process engines) scripts its exit. */
    const runToExit = async (sb: SandboxStatus, over: Partial<ContainerConfig>, exitCode = 0): Promise<ContainerStatus> => {
      const id = await rt.createContainer(sb.id, containerConfig(sb, over));
      await rt.startContainer(id);
      if (!opts.processes) await opts.exit?.(rt, id, exitCode);
      return waitExited(id);
    };

    const logsOf = async (id: ContainerId): Promise<string> => readAll(await rt.logs(id, { follow: false, timestamps: false }));

    let shared: SandboxStatus;

    before(async () => {
      await opts.setup?.();
      rt = await newRuntime();
      await rt.ensureNetwork(opts.network, { [LABEL_CLUSTER]: opts.clusterName });
      shared = await rt.runSandbox(
        sandboxConfig(podUid(), {
          hostname: 'shared-pod',
          dns: { servers: ['10.96.0.10'], searches: ['conformance.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] },
          hostAliases: [{ ip: '10.1.2.3', hostnames: ['alias-one', 'alias-two'] }],
        }),
      );
    });

    after(async () => {
      // A fresh instance, so cleanup also proves it finds everything by label alone.
      const clean = await newRuntime();
      for (const c of await clean.listContainers({ labels: {} })) await clean.removeContainer(c.id);
      for (const s of await clean.listSandboxes({ labels: {} })) await clean.removeSandbox(s.id);
      for (const v of volumes) await clean.removeVolume(v);
      await clean.removeNetwork(opts.network);
      for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
    });

    it('reports a version', async () => {
      const v = await rt.version();
      assert.ok(v.runtimeName.length > 0);
      assert.ok(v.runtimeVersion.length > 0);
    });

    it('ensureNetwork is idempotent and reports the subnet, gateway and a valid bridge name', async () => {
      const a = await rt.ensureNetwork(opts.network, { [LABEL_CLUSTER]: opts.clusterName });
      const b = await rt.ensureNetwork(opts.network, { [LABEL_CLUSTER]: opts.clusterName });
      assert.deepEqual(a, b);
      assert.equal(a.name, opts.network);
      assert.match(a.subnet, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
      assert.match(a.gateway, /^\d+\.\d+\.\d+\.\d+$/);
      assert.ok(a.bridge && a.bridge.length <= 15, `bridge name ${a.bridge} must fit a Linux interface name`);
    });

    it('runs a sandbox that is ready, has an IP and carries the pod labels', async () => {
      assert.equal(shared.state, 'ready');
      assert.match(shared.ip ?? '', /^\d+\.\d+\.\d+\.\d+$/);
      assert.equal(shared.labels[LABEL_CONTAINER_TYPE], 'podsandbox');
      assert.equal(shared.labels[LABEL_CONTAINER_NAME], SANDBOX_CONTAINER_NAME);
      assert.equal(shared.labels[LABEL_POD_UID], shared.podUid);
      assert.equal(shared.labels[LABEL_POD_NAME], shared.podName);
      assert.equal(shared.labels[LABEL_POD_NAMESPACE], 'conformance');
      assert.equal(shared.labels[LABEL_CLUSTER], opts.clusterName);
      assert.equal(shared.labels['example.com/case'], 'yes');
      const listed = await rt.listSandboxes({ labels: { [LABEL_POD_UID]: shared.podUid } });
      assert.deepEqual(listed.map((s) => s.id), [shared.id]);
    });

    it('stops and removes a sandbox together with its containers', async () => {
      const sb = await rt.runSandbox(sandboxConfig(podUid(), { attempt: 2 }));
      assert.equal(sb.attempt, 2);
      assert.equal(sb.labels[LABEL_RESTART_COUNT], '2');
      const id = await rt.createContainer(sb.id, containerConfig(sb, { command: ['sleep', '3600'] }));
      await rt.startContainer(id);
      await rt.stopSandbox(sb.id, 1);
      const [after1] = await rt.listSandboxes({ labels: { [LABEL_POD_UID]: sb.podUid } });
      assert.equal(after1?.state, 'notready');
      assert.equal((await rt.containerStatus(id))?.state, 'exited');
      await rt.removeSandbox(sb.id);
      assert.deepEqual(await rt.listSandboxes({ labels: { [LABEL_POD_UID]: sb.podUid } }), []);
      assert.equal(await rt.containerStatus(id), undefined);
    });

    it('creates, starts and lists a container with its labels and attempt', async () => {
      const cfg = containerConfig(shared, { name: 'lister', attempt: 3, command: ['sleep', '3600'], labels: { ...containerConfig(shared, {}).labels, 'example.com/x': '1' } });
      const id = await rt.createContainer(shared.id, cfg);
      const created = await rt.containerStatus(id);
      assert.equal(created?.state, 'created');
      assert.equal(created?.name, 'lister');
      assert.equal(created?.attempt, 3);
      assert.equal(created?.podUid, shared.podUid);
      assert.equal(created?.labels[LABEL_RESTART_COUNT], '3');
      assert.equal(created?.labels[LABEL_CONTAINER_TYPE], 'container');
      assert.equal(created?.labels['example.com/x'], '1');
      assert.match(created?.imageRef ?? '', /^docker(-pullable)?:\/\/.+/);
      await rt.startContainer(id);
      const running = await rt.containerStatus(id);
      assert.equal(running?.state, 'running');
      assert.ok(running?.startedAt instanceof Date);
      const byName = await rt.listContainers({ labels: { [LABEL_POD_UID]: shared.podUid, [LABEL_CONTAINER_NAME]: 'lister' } });
      assert.deepEqual(byName.map((c) => c.id), [id]);
      const sandboxesAsContainers = await rt.listContainers({ labels: { [LABEL_CONTAINER_NAME]: SANDBOX_CONTAINER_NAME } });
      assert.deepEqual(sandboxesAsContainers, [], 'listContainers must not return sandboxes');
      const all = await rt.listAll({ labels: { [LABEL_POD_UID]: shared.podUid } });
      assert.deepEqual(all.containers.map((c) => c.id).sort(), (await rt.listContainers({ labels: { [LABEL_POD_UID]: shared.podUid } })).map((c) => c.id).sort(), 'listAll finds the same containers as listContainers');
      assert.ok(all.containers.some((c) => c.id === id));
      assert.deepEqual(all.sandboxes.map((s) => s.id), (await rt.listSandboxes({ labels: { [LABEL_POD_UID]: shared.podUid } })).map((s) => s.id), 'and the same sandboxes as listSandboxes');
      assert.equal(all.sandboxes.length, 1);
      await rt.stopContainer(id, 1);
      const stopped = await rt.containerStatus(id);
      assert.equal(stopped?.state, 'exited');
      assert.equal(typeof stopped?.exitCode, 'number');
      await rt.removeContainer(id);
      await rt.removeContainer(id); // removing twice is fine
      assert.equal(await rt.containerStatus(id), undefined);
    });

    it('reports Completed for exit 0 and Error with the code otherwise', async () => {
      const [ok, bad] = await Promise.all([
        runToExit(shared, { command: ['sh', '-c', 'exit 0'] }, 0),
        runToExit(shared, { command: ['sh', '-c', 'exit 3'] }, 3),
      ]);
      assert.equal(ok.exitCode, 0);
      assert.equal(ok.reason, 'Completed');
      assert.equal(bad.exitCode, 3);
      assert.equal(bad.reason, 'Error');
      assert.ok(bad.finishedAt instanceof Date);
    });

    it('streams a die event for its own containers', async () => {
      const seen: RuntimeEvent[] = [];
      const sub = rt.events((e) => seen.push(e));
      try {
        // Let the subscription reach the engine before the container dies.
        await new Promise((r) => setTimeout(r, 300));
        const st = await runToExit(shared, { command: ['sh', '-c', 'exit 4'] }, 4);
        const die = await eventually('a die event', async () => seen.find((e) => e.action === 'die' && e.id === st.id));
        assert.equal(die.labels[LABEL_CLUSTER], opts.clusterName);
        assert.equal(die.labels[LABEL_POD_UID], shared.podUid);
      } finally {
        sub.stop();
      }
    });

    it('a new runtime instance lists what an earlier one created', async () => {
      const id = await rt.createContainer(shared.id, containerConfig(shared, { name: 'survivor', command: ['sleep', '3600'] }));
      const other = await newRuntime();
      const sbs = await other.listSandboxes({ labels: { [LABEL_POD_UID]: shared.podUid } });
      assert.deepEqual(sbs.map((s) => s.id), [shared.id]);
      const cs = await other.listContainers({ labels: { [LABEL_POD_UID]: shared.podUid, [LABEL_CONTAINER_NAME]: 'survivor' } });
      assert.deepEqual(cs.map((c) => c.id), [id]);
      await other.removeContainer(id);
      assert.equal(await rt.containerStatus(id), undefined);
    });

    it('creates and removes named volumes idempotently', async () => {
      const v = `${opts.clusterName}-vol-${++seq}`;
      volumes.add(v);
      await rt.ensureVolume(v, { [LABEL_CLUSTER]: opts.clusterName });
      await rt.ensureVolume(v, { [LABEL_CLUSTER]: opts.clusterName });
      await rt.removeVolume(v);
      await rt.removeVolume(v);
    });

    it('fails a pull with ImagePullError carrying the reason', async () => {
      const image = '127.0.0.1:1/skiff-conformance/missing:1';
      opts.failPull?.(rt, image);
      await assert.rejects(rt.pullImage(image), (err: unknown) => {
        assert.ok(err instanceof ImagePullError, `expected ImagePullError, got ${String(err)}`);
        assert.equal(err.image, image);
        assert.ok(err.message.length > 0);
        return true;
      });
      assert.equal(await rt.imageStatus(image), undefined);
    });

    it('reports a present image', async () => {
      const img = await rt.imageStatus(opts.image);
      assert.ok(img, `${opts.image} must be present`);
      assert.match(img.id, /^sha256:/);
    });

    if (!opts.processes) return;

    // ---- engines that run processes -----------------------------------------------------------

    it('follows Kubernetes command/args semantics, env and workingDir', async () => {
      const [argsOnly, cmdOnly, both, env] = await Promise.all([
        runToExit(shared, { args: ['sh', '-c', 'echo args-only'] }),
        // The image CMD is ["sh"]: were it kept, echo would print "cmd-only sh".
        runToExit(shared, { command: ['echo', 'cmd-only'] }),
        runToExit(shared, { command: ['echo'], args: ['a', 'b'] }),
        runToExit(shared, { command: ['sh', '-c', 'echo "$FOO-$BAR" && pwd'], env: [{ name: 'FOO', value: 'foo' }, { name: 'BAR', value: 'b a r' }], workingDir: '/tmp' }),
      ]);
      assert.equal(await logsOf(argsOnly.id), 'args-only\n');
      assert.equal(await logsOf(cmdOnly.id), 'cmd-only\n');
      assert.equal(await logsOf(both.id), 'a b\n');
      assert.equal(await logsOf(env.id), 'foo-b a r\n/tmp\n');
    });

    it('sets the hostname, DNS settings and host aliases of the sandbox', async () => {
      const st = await runToExit(shared, { command: ['sh', '-c', 'hostname; cat /etc/resolv.conf /etc/hosts'] });
      const out = await logsOf(st.id);
      assert.match(out, /^shared-pod\n/);
      assert.match(out, /search conformance\.svc\.cluster\.local svc\.cluster\.local/);
      assert.match(out, /options ndots:5/);
      assert.match(out, /10\.1\.2\.3\s+alias-one/);
      assert.match(out, /10\.1\.2\.3\s+alias-two/);
    });

    it('mounts host paths (read-only and subPath), tmpfs with a size, and named volumes', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'skiff-rt-mounts-'));
      tmpDirs.push(dir);
      writeFileSync(join(dir, 'hello.txt'), 'from-host\n');
      mkdirSync(join(dir, 'rw'));
      const vol = `${opts.clusterName}-data-${++seq}`;
      volumes.add(vol);
      await rt.ensureVolume(vol, { [LABEL_CLUSTER]: opts.clusterName });
      const writer = await runToExit(shared, {
        command: ['sh', '-c', 'echo in-volume > /data/f && echo in-sub > /sub/g && echo written > /rw/out.txt'],
        mounts: [
          { containerPath: '/data', volumeName: vol, readOnly: false },
          { containerPath: '/sub', volumeName: vol, subPath: 'part', readOnly: false },
          { containerPath: '/rw', hostPath: join(dir, 'rw'), readOnly: false },
        ],
      });
      assert.equal(writer.exitCode, 0, await logsOf(writer.id));
      assert.equal(readFileSync(join(dir, 'rw', 'out.txt'), 'utf8'), 'written\n');
      const reader = await runToExit(shared, {
        command: [
          'sh',
          '-c',
          'cat /ro/hello.txt /data/f /data/part/g /one/hello.txt; touch /ro/x 2>/dev/null && echo ro-writable; ' +
            'grep " /scratch " /proc/mounts; echo tmp > /scratch/t && cat /scratch/t',
        ],
        mounts: [
          { containerPath: '/ro', hostPath: dir, readOnly: true },
          { containerPath: '/one', hostPath: dir, subPath: '.', readOnly: true },
          { containerPath: '/data', volumeName: vol, readOnly: true },
          { containerPath: '/scratch', tmpfs: { sizeBytes: 8 * 1024 * 1024 }, readOnly: false },
        ],
      });
      const out = await logsOf(reader.id);
      assert.match(out, /^from-host\nin-volume\nin-sub\nfrom-host\n/);
      assert.doesNotMatch(out, /ro-writable/);
      assert.match(out, /tmpfs \/scratch tmpfs [^ ]*size=8192k/);
      assert.match(out, /\ntmp\n$/);
    });

    it('applies user, read-only root filesystem and capabilities', async () => {
      const st = await runToExit(shared, {
        command: ['sh', '-c', 'id -u; id -g; touch /rootfs-write 2>/dev/null && echo root-writable; grep CapEff /proc/self/status'],
        security: { runAsUser: 65534, runAsGroup: 65534, readOnlyRootFilesystem: true, capDrop: ['ALL'], noNewPrivileges: true },
      });
      const out = await logsOf(st.id);
      assert.match(out, /^65534\n65534\n/);
      assert.doesNotMatch(out, /root-writable/);
      assert.match(out, /CapEff:\s+0000000000000000/);
    });

    it('puts resource limits into the container cgroup', async () => {
      const st = await runToExit(shared, {
        command: ['sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares'],
        resources: { memoryLimitBytes: 64 * 1024 * 1024, nanoCpus: 500_000_000, cpuShares: 512 },
      });
      const [mem, quota, period, shares] = (await logsOf(st.id)).trim().split('\n').map(Number);
      assert.equal(mem, 64 * 1024 * 1024);
      assert.equal(quota / period, 0.5);
      assert.equal(shares, 512);
    });

    it('reports OOMKilled with exit code 137 when the memory limit is exceeded', async () => {
      const st = await runToExit(shared, {
        command: ['sh', '-c', 'x=a; while true; do x=$x$x; done'],
        resources: { memoryLimitBytes: 16 * 1024 * 1024 },
      });
      assert.equal(st.reason, 'OOMKilled');
      assert.equal(st.exitCode, 137);
    });

    it('serves logs with tail, timestamps, limitBytes and follow', async () => {
      const st = await runToExit(shared, { command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done'] });
      const all = await logsOf(st.id);
      assert.equal(all.split('\n').filter(Boolean).length, 10);
      assert.match(all, /out1\n/);
      assert.match(all, /err5\n/);
      const tail = await readAll(await rt.logs(st.id, { follow: false, timestamps: false, tailLines: 2 }));
      assert.equal(tail.split('\n').filter(Boolean).length, 2);
      const stamped = await readAll(await rt.logs(st.id, { follow: false, timestamps: true, tailLines: 1 }));
      assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}Z (out|err)5\n$/);
      const limited = await readAll(await rt.logs(st.id, { follow: false, timestamps: false, limitBytes: 7 }));
      assert.equal(limited, all.slice(0, 7));
      const future = await readAll(await rt.logs(st.id, { follow: false, timestamps: false, sinceTime: new Date(Date.now() + 60_000) }));
      assert.equal(future, '');

      const ticker = await rt.createContainer(shared.id, containerConfig(shared, { command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.1; done'] }));
      await rt.startContainer(ticker);
      const follow = await rt.logs(ticker, { follow: true, timestamps: false });
      let got = '';
      for await (const chunk of follow) {
        got += String(chunk);
        if (got.includes('tick3\n')) break;
      }
      assert.match(got, /^tick1\ntick2\ntick3\n/);
      const limitedFollow = await readAll(await rt.logs(ticker, { follow: true, timestamps: false, limitBytes: 12 }));
      assert.equal(limitedFollow, 'tick1\ntick2\n');
      await rt.removeContainer(ticker);
    });

    it('execs with exit codes, stdin and separate stderr', async () => {
      const id = await rt.createContainer(shared.id, containerConfig(shared, { command: ['sleep', '3600'] }));
      await rt.startContainer(id);
      const r = await rt.execSync(id, ['sh', '-c', 'echo hi; echo oops >&2; exit 7'], 5000);
      assert.equal(r.exitCode, 7);
      assert.match(r.output, /hi\n/);
      assert.match(r.output, /oops\n/);

      const s = await rt.exec(id, { cmd: ['sh', '-c', 'cat; echo bye >&2; exit 5'], stdin: true, stdout: true, stderr: true, tty: false });
      assert.ok(s.stdin && s.stdout && s.stderr);
      const outP = readAll(s.stdout);
      const errP = readAll(s.stderr);
      s.stdin.end('echoed\n');
      assert.equal(await s.exitCode, 5);
      assert.equal(await outP, 'echoed\n');
      assert.equal(await errP, 'bye\n');

      const t = await rt.exec(id, { cmd: ['sh', '-c', 'tty && echo via-tty'], stdin: false, stdout: true, stderr: false, tty: true });
      assert.ok(t.stdout);
      const ttyOut = await readAll(t.stdout);
      assert.equal(await t.exitCode, 0);
      assert.match(ttyOut, /\/dev\/pts\/\d+\r?\nvia-tty/);
      await rt.removeContainer(id);
    });

    it('execSync kills a command that outlives its timeout', async () => {
      const id = await rt.createContainer(shared.id, containerConfig(shared, { command: ['sleep', '3600'] }));
      await rt.startContainer(id);
      const t0 = Date.now();
      await assert.rejects(rt.execSync(id, ['sleep', '31'], 500), (err: Error) => err.name === 'TimeoutError');
      assert.ok(Date.now() - t0 < 3000);
      const ps = await rt.execSync(id, ['ps'], 5000);
      assert.doesNotMatch(ps.output, /sleep 31/);
      await rt.removeContainer(id);
    });

    it('stops with SIGTERM first and SIGKILL after the timeout', async () => {
      const trapping = await rt.createContainer(shared.id, containerConfig(shared, { command: ['sh', '-c', 'trap "echo got-term; exit 0" TERM; echo ready; while true; do sleep 0.1; done'] }));
      // PID 1 has no default signal actions: a plain sleep ignores SIGTERM and needs the SIGKILL.
      const ignoring = await rt.createContainer(shared.id, containerConfig(shared, { command: ['sleep', '3600'] }));
      await Promise.all([rt.startContainer(trapping), rt.startContainer(ignoring)]);
      await eventually('the trap to be installed', async () => ((await logsOf(trapping)).includes('ready') ? true : undefined));
      const t0 = Date.now();
      await rt.stopContainer(trapping, 10);
      const graceful = Date.now() - t0;
      const t1 = Date.now();
      await rt.stopContainer(ignoring, 1);
      const forced = Date.now() - t1;
      const a = await rt.containerStatus(trapping);
      const b = await rt.containerStatus(ignoring);
      assert.equal(a?.exitCode, 0);
      assert.match(await logsOf(trapping), /got-term/);
      assert.ok(graceful < 5000, `graceful stop took ${graceful}ms`);
      assert.equal(b?.exitCode, 137);
      assert.ok(forced >= 900 && forced < 6000, `forced stop took ${forced}ms`);
    });

    it('reads a file from an exited container (termination message)', async () => {
      const st = await runToExit(shared, { command: ['sh', '-c', 'printf "bye now" > /tmp/termination-log; exit 1'] });
      assert.equal(await rt.readFile(st.id, '/tmp/termination-log', 1024), 'bye now');
      assert.equal(await rt.readFile(st.id, '/tmp/termination-log', 3), 'bye');
      assert.equal(await rt.readFile(st.id, '/tmp/absent', 1024), undefined);
    });

    it('reports non-zero stats and forwards a port into the sandbox', async () => {
      const id = await rt.createContainer(
        shared.id,
        containerConfig(shared, { command: ['sh', '-c', 'mkdir -p /tmp/www && echo served-by-pod > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www'] }),
      );
      await rt.startContainer(id);
      const body = await eventually('the port-forwarded response', async () => {
        try {
          const sock = await rt.portForward(shared.id, 8080);
          sock.end('GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n');
          const text = await readAll(sock);
          return text.includes('served-by-pod') ? text : undefined;
        } catch {
          return undefined;
        }
      }, 10_000);
      assert.match(body, /^HTTP\/1\.[01] 200/);
      const stats = await rt.stats(id);
      assert.ok(stats);
      assert.ok(stats.cpuUsageNanoSeconds > 0);
      assert.ok(stats.memoryUsageBytes > 0);
      assert.ok(stats.memoryWorkingSetBytes > 0 && stats.memoryWorkingSetBytes <= stats.memoryUsageBytes);
      assert.ok(stats.rxBytes > 0, 'the forwarded request reached the pod network');
      await rt.removeContainer(id);
    });

    it('attaches to a container with stdin', async () => {
      const id = await rt.createContainer(shared.id, containerConfig(shared, { command: ['sh', '-c', 'read line; echo "got $line"; exit 2'], stdin: true, stdinOnce: true }));
      const s = await rt.attach(id, { stdin: true, stdout: true, stderr: true, tty: false });
      await rt.startContainer(id);
      assert.ok(s.stdin && s.stdout);
      const out = readAll(s.stdout);
      s.stdin.write('hello\n');
      assert.equal(await s.exitCode, 2);
      assert.equal(await out, 'got hello\n');
    });
  });
}
