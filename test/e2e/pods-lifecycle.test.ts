// End-to-end on real Docker: cgroup limits, QoS, node capacity, OOM kills, restart policies, crash-loop backoff, hooks, stop signals and grace periods.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, removeDataDir, startCluster, type Cluster } from './harness.js';

interface Terminated {
  exitCode: number;
  reason?: string;
  message?: string;
}

interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: Terminated;
}

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  status?: {
    phase?: string;
    qosClass?: string;
    containerStatuses?: { name: string; restartCount: number; state?: ContainerState; lastState?: ContainerState }[];
  };
}

interface NodeJson {
  status: { capacity: Record<string, string>; allocatable: Record<string, string> };
}

function lines(s: string): string[] {
  return s.split('\n').map((l) => l.trim()).filter(Boolean);
}

function docker(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 60_000, input });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Containers (any state) of one pod of the cluster, by the labels the agent puts on them. */
function podContainers(cluster: string, podName: string): string[] {
  return lines(docker(['ps', '-aq', '--filter', `label=io.skiff.cluster=${cluster}`, '--filter', `label=io.kubernetes.pod.name=${podName}`]).stdout);
}

/** Removes whatever the cluster left on the engine: containers, then networks and volumes. */
function removeEngineObjects(cluster: string): void {
  const filter = `label=io.skiff.cluster=${cluster}`;
  const ids = lines(docker(['ps', '-aq', '--filter', filter]).stdout);
  if (ids.length) docker(['rm', '-f', ...ids]);
  const nets = lines(docker(['network', 'ls', '-q', '--filter', filter]).stdout);
  if (nets.length) docker(['network', 'rm', ...nets]);
  const vols = lines(docker(['volume', 'ls', '-q', '--filter', filter]).stdout);
  if (vols.length) docker(['volume', 'rm', '-f', ...vols]);
}

/** Polls `fn` (every 300 ms, up to `ms`) until it returns a value, and returns it. */
async function waitFor<T>(fn: () => T | undefined | false, ms: number): Promise<T> {
  const v = await eventually(fn, ms, 300);
  assert.ok(v);
  return v;
}

/** Memory quantity (plain bytes or Ki/Mi/Gi) in bytes. */
function bytesOf(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  assert.ok(m, `unexpected memory quantity ${q}`);
  const mult = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * mult;
}

/** A pod whose only volume is a host directory mounted at /out, so the test can read what it writes. */
function pod(name: string, out: string, container: string, extra = ''): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
${extra}  volumes:
  - name: out
    hostPath: {path: ${join(out, name)}, type: Directory}
  containers:
${container}`;
}

/** A container that only sleeps, with the given resources (a flow mapping) if any. */
function sleeper(resources?: string): string {
  return `  - name: c
    image: skiff/busybox:1.36
    command: [sleep, "3600"]
${resources ? `    resources: ${resources}\n` : ''}    volumeMounts: [{name: out, mountPath: /out}]
`;
}

/** A container running one shell command, writing to /out. */
function shell(cmd: string): string {
  return `  - name: c
    image: skiff/busybox:1.36
    command: [sh, -c, ${JSON.stringify(cmd)}]
    volumeMounts: [{name: out, mountPath: /out}]
`;
}

const CRASHLOOP = `apiVersion: v1
kind: Pod
metadata:
  name: crashloop
spec:
  containers:
  - name: c
    image: skiff/busybox:1.36
    command: [sh, -c, 'echo boom; exit 3']
`;

describe('pod resources and lifecycle on Docker', () => {
  let cluster: Cluster;
  let out: string;
  const image = `skiff-e2e-stopsignal-${process.pid}-${Math.floor(Math.random() * 1e6)}:1`;

  const getPod = (name: string): PodJson => JSON.parse(cluster.k(['get', 'pod', name, '-o', 'json'])) as PodJson;
  const status = (name: string, c = 'c'): NonNullable<NonNullable<PodJson['status']>['containerStatuses']>[number] | undefined =>
    getPod(name).status?.containerStatuses?.find((s) => s.name === c);
  /** The STATUS and RESTARTS cells of `kubectl get pod`. */
  const row = (name: string): { status: string; restarts: string } => {
    const [header, line] = cluster.k(['get', 'pod', name]).trim().split('\n');
    const cols = header.split(/\s{2,}/);
    const cells = line.split(/\s{2,}/);
    return { status: cells[cols.indexOf('STATUS')] ?? '', restarts: cells[cols.indexOf('RESTARTS')] ?? '' };
  };
  const running = (name: string): Promise<PodJson> => waitFor(() => {
    const p = getPod(name);
    return p.status?.phase === 'Running' && p.status.containerStatuses?.every((s) => s.state?.running) ? p : undefined;
  }, 90_000);
  const gone = (name: string): Promise<boolean> => eventually(() => {
    const r = cluster.kubectl(['get', 'pod', name, '-o', 'name']);
    return r.code !== 0 && /NotFound/.test(r.stderr);
  }, 60_000, 300);
  const apply = (yaml: string): void => {
    cluster.k(['apply', '-f', '-'], { input: yaml });
  };

  before(async () => {
    out = mkdtempSync(join(tmpdir(), 'skiff-lifecycle-'));
    // The pods write as root into these dirs; let anyone write so the image's user never matters.
    chmodSync(out, 0o777);
    for (const n of ['hooks', 'usr1', 'stubborn', 'forced', 'policy-ok', 'policy-fail', 'never-ok', 'never-fail', 'g', 'b', 'be']) {
      mkdirSync(join(out, n));
      chmodSync(join(out, n), 0o777);
    }
    // An image whose STOPSIGNAL is SIGUSR1; no RUN step, so the build needs no network.
    const built = docker(['build', '-t', image, '-'], 'FROM skiff/busybox:1.36\nSTOPSIGNAL SIGUSR1\n');
    assert.equal(built.code, 0, `docker build failed: ${built.stderr}`);
    cluster = await startCluster();
    // Everything that only needs time is applied up front, so the waits overlap.
    apply([
      pod('g', out, sleeper('{limits: {cpu: 500m, memory: 64Mi}}')),
      pod('b', out, sleeper('{requests: {cpu: 250m, memory: 32Mi}, limits: {cpu: "1"}}')),
      pod('be', out, sleeper()),
      `apiVersion: v1
kind: Pod
metadata:
  name: oom
spec:
  containers:
  - name: c
    image: skiff/busybox:1.36
    # Doubles a shell string until the 16 MiB limit stops it.
    command: [sh, -c, 'x=a; while true; do x="$x$x"; done']
    resources: {limits: {memory: 16Mi}}
`,
      `apiVersion: v1
kind: Pod
metadata:
  name: badcmd
spec:
  containers:
  - name: c
    image: skiff/busybox:1.36
    command: ["/nonexistent"]
`,
      `apiVersion: v1
kind: Pod
metadata:
  name: badcmd-never
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: skiff/busybox:1.36
    command: ["/nonexistent"]
`,
      pod('policy-ok', out, shell('echo run >> /out/runs; exit 0'), '  restartPolicy: OnFailure\n'),
      pod('policy-fail', out, shell('echo run >> /out/runs; exit 1'), '  restartPolicy: OnFailure\n'),
      pod('never-ok', out, shell('echo run >> /out/runs; exit 0'), '  restartPolicy: Never\n'),
      pod('never-fail', out, shell('echo run >> /out/runs; exit 1'), '  restartPolicy: Never\n'),
      pod('hooks', out, `  - name: web
    image: skiff/busybox:1.36
    # httpd runs a CGI script that records the preStop request it gets.
    command:
    - sh
    - -c
    - |
      mkdir -p /www/cgi-bin
      cat > /www/cgi-bin/hook <<'EOS'
      #!/bin/sh
      echo "$REQUEST_METHOD $QUERY_STRING" >> /out/http
      echo "Content-Type: text/plain"
      echo
      echo ok
      EOS
      chmod +x /www/cgi-bin/hook
      # As PID 1 httpd would ignore SIGTERM and hold the deletion for the whole grace period.
      trap 'exit 0' TERM
      httpd -f -p 8080 -h /www &
      wait
    ports: [{name: http, containerPort: 8080}]
    lifecycle:
      preStop:
        httpGet:
          path: /cgi-bin/hook?from=prestop
          port: http
    volumeMounts: [{name: out, mountPath: /out}]
  - name: worker
    image: skiff/busybox:1.36
    command:
    - sh
    - -c
    - |
      trap 'echo term >> /out/worker; exit 0' TERM
      while true; do sleep 1; done
    lifecycle:
      postStart:
        exec: {command: [sh, -c, 'echo poststart >> /out/worker']}
      preStop:
        exec: {command: [sh, -c, 'echo prestop >> /out/worker']}
    volumeMounts: [{name: out, mountPath: /out}]
`),
      pod('usr1', out, `  - name: c
    image: ${image}
    imagePullPolicy: Never
    command:
    - sh
    - -c
    - |
      trap 'echo usr1 >> /out/signals; exit 0' USR1
      trap 'echo term >> /out/signals; exit 0' TERM
      while true; do sleep 1; done
    volumeMounts: [{name: out, mountPath: /out}]
`),
      pod('stubborn', out, `  - name: c
    image: skiff/busybox:1.36
    command:
    - sh
    - -c
    - |
      trap 'echo ignored >> /out/signals' TERM
      while true; do sleep 1; done
    volumeMounts: [{name: out, mountPath: /out}]
`, '  terminationGracePeriodSeconds: 3\n'),
      pod('forced', out, `  - name: c
    image: skiff/busybox:1.36
    command: [sh, -c, "trap '' TERM; while true; do sleep 1; done"]
    volumeMounts: [{name: out, mountPath: /out}]
`, '  terminationGracePeriodSeconds: 120\n'),
    ].join('---\n'));
  });

  after(async () => {
    if (cluster) {
      await cluster.stop();
      removeEngineObjects(cluster.name);
      removeDataDir(cluster);
    }
    docker(['rmi', '-f', image]);
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('registers the node with the host\'s cpus and memory', () => {
    const node = JSON.parse(cluster.k(['get', 'node', `${cluster.name}-control-plane`, '-o', 'json'])) as NodeJson;
    const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim();
    assert.equal(node.status.capacity['cpu'], nproc);
    const memTotalKi = Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
    const capacity = bytesOf(node.status.capacity['memory']);
    assert.ok(Math.abs(capacity - memTotalKi * 1024) <= memTotalKi * 1024 * 0.01, `capacity ${capacity} vs MemTotal ${memTotalKi} KiB`);
    assert.ok(Number(node.status.allocatable['cpu']) <= Number(nproc) && Number(node.status.allocatable['cpu']) > 0);
    const allocatable = bytesOf(node.status.allocatable['memory']);
    assert.ok(allocatable > 0 && allocatable <= capacity, `allocatable ${allocatable} vs capacity ${capacity}`);
    assert.equal(node.status.capacity['pods'], '110');
  });

  it('puts memory and cpu limits and cpu requests into the container cgroups, with the QoS class in status', async () => {
    const cg = (name: string): { mem: bigint; quota: number; period: number; shares: number } => {
      const files = ['memory/memory.limit_in_bytes', 'cpu/cpu.cfs_quota_us', 'cpu/cpu.cfs_period_us', 'cpu/cpu.shares'];
      const [mem, quota, period, shares] = lines(cluster.k(['exec', name, '--', 'cat', ...files.map((f) => `/sys/fs/cgroup/${f}`)]));
      return { mem: BigInt(mem), quota: Number(quota), period: Number(period), shares: Number(shares) };
    };
    for (const n of ['g', 'b', 'be']) await running(n);

    // Limits only: requests default to the limits, which makes the pod Guaranteed.
    assert.deepEqual(cg('g'), { mem: 64n * 1024n * 1024n, quota: 50_000, period: 100_000, shares: 512 });
    assert.equal(getPod('g').status?.qosClass, 'Guaranteed');
    assert.match(cluster.k(['describe', 'pod', 'g']), /QoS Class:\s+Guaranteed/);

    // A cpu request of 250m is 256 shares; no memory limit leaves the cgroup unlimited.
    const b = cg('b');
    assert.equal(b.shares, 256);
    assert.equal(b.quota, 100_000);
    assert.equal(b.period, 100_000);
    assert.ok(b.mem > 1n << 40n, `memory limit ${b.mem} should be unlimited`);
    assert.equal(getPod('b').status?.qosClass, 'Burstable');

    // Nothing asked: the minimum 2 shares (as the kubelet's MilliCPUToShares), no quota, no memory limit.
    const be = cg('be');
    assert.equal(be.shares, 2);
    assert.equal(be.quota, -1);
    assert.ok(be.mem > 1n << 40n, `memory limit ${be.mem} should be unlimited`);
    assert.equal(getPod('be').status?.qosClass, 'BestEffort');
  });

  it('kills a container over its memory limit as OOMKilled (137) and restarts it under Always', async () => {
    const s = await waitFor(() => {
      const c = status('oom');
      return c && c.restartCount >= 1 && c.lastState?.terminated ? c : undefined;
    }, 60_000);
    assert.equal(s.lastState?.terminated?.reason, 'OOMKilled');
    assert.equal(s.lastState?.terminated?.exitCode, 137);
    assert.equal(getPod('oom').status?.qosClass, 'Burstable');
  });

  it('follows restartPolicy OnFailure and Never', async () => {
    const runs = (name: string): number => (existsSync(join(out, name, 'runs')) ? lines(readFileSync(join(out, name, 'runs'), 'utf8')).length : 0);

    // OnFailure + exit 0: Completed, never run again.
    await eventually(() => getPod('policy-ok').status?.phase === 'Succeeded', 60_000, 300);
    const ok = status('policy-ok');
    assert.equal(ok?.state?.terminated?.reason, 'Completed');
    assert.equal(ok?.state?.terminated?.exitCode, 0);
    assert.equal(ok?.restartCount, 0);
    assert.equal(row('policy-ok').status, 'Completed');

    // OnFailure + exit 1: restarted (the file gains a line per run).
    const failing = await waitFor(() => {
      const c = status('policy-fail');
      return c && c.restartCount >= 1 ? c : undefined;
    }, 60_000);
    assert.equal((failing.lastState?.terminated ?? failing.state?.terminated)?.exitCode, 1);
    await eventually(() => runs('policy-fail') >= 2, 30_000, 300);
    assert.equal(getPod('policy-fail').status?.phase, 'Running');

    // Never: the pod ends Succeeded or Failed after one run.
    await eventually(() => getPod('never-ok').status?.phase === 'Succeeded', 60_000, 300);
    await eventually(() => getPod('never-fail').status?.phase === 'Failed', 60_000, 300);
    const nf = status('never-fail');
    assert.equal(nf?.state?.terminated?.exitCode, 1);
    assert.equal(nf?.state?.terminated?.reason, 'Error');
    assert.equal(row('never-fail').status, 'Error');
    // Still one run each, and no restarts, after the others' restarts had time to happen.
    assert.equal(runs('policy-ok'), 1);
    assert.equal(runs('never-ok'), 1);
    assert.equal(runs('never-fail'), 1);
    assert.equal(status('never-fail')?.restartCount, 0);
    assert.equal(status('never-ok')?.restartCount, 0);
  });

  it('backs off crash-looping restarts and shows CrashLoopBackOff with restartCount and lastState', async () => {
    apply(CRASHLOOP);
    // After the second crash the next start waits (10 s, then 20 s): the count holds while the status says so.
    // Applied here, not up front, so the count is seen as it reaches 2 and a whole back-off lies ahead.
    const seen = await waitFor(() => {
      const c = status('crashloop');
      return c && c.restartCount >= 2 && c.state?.waiting?.reason === 'CrashLoopBackOff' ? c : undefined;
    }, 90_000);
    assert.equal(seen.lastState?.terminated?.exitCode, 3);
    assert.equal(seen.lastState?.terminated?.reason, 'Error');
    assert.match(seen.state?.waiting?.message ?? '', /back-off (\d+m)?\d+s restarting failed container=c pod=crashloop_default/);
    const r = row('crashloop');
    assert.equal(r.status, 'CrashLoopBackOff');
    assert.match(r.restarts, new RegExp(`^${seen.restartCount} \\(\\S+ ago\\)$`));
    const holdUntil = Date.now() + 5000;
    while (Date.now() < holdUntil) {
      const c = status('crashloop');
      assert.equal(c?.restartCount, seen.restartCount, 'restarted during its back-off');
      assert.equal(c?.state?.waiting?.reason, 'CrashLoopBackOff');
      await new Promise((res) => setTimeout(res, 500));
    }
    const events = cluster.k(['get', 'events', '--field-selector', 'involvedObject.name=crashloop', '-o', 'jsonpath={.items[*].reason}']);
    assert.match(events, /BackOff/);
    assert.match(cluster.k(['logs', 'crashloop', '--previous']), /boom/);
  });

  it('reports a bad command as RunContainerError or CrashLoopBackOff with the engine\'s message', async () => {
    await eventually(() => {
      const c = status('badcmd');
      return c && c.restartCount >= 1 && ['RunContainerError', 'CrashLoopBackOff'].includes(c.state?.waiting?.reason ?? '');
    }, 60_000, 300);
    assert.match(row('badcmd').status, /^(RunContainerError|CrashLoopBackOff)$/);
    const described = cluster.k(['describe', 'pod', 'badcmd']);
    assert.match(described, /Reason:\s+(RunContainerError|CrashLoopBackOff)/);
    assert.match(described, /"\/nonexistent": stat \/nonexistent: no such file or directory/);
    // The failed start is the container's last state, with the engine's message in the status itself.
    const last = await waitFor(() => status('badcmd')?.lastState?.terminated, 30_000);
    assert.equal(last.reason, 'ContainerCannotRun');
    assert.notEqual(last.exitCode, 0);
    assert.match(last.message ?? '', /\/nonexistent/);
    // Under restartPolicy Never a command that cannot start fails the pod.
    await eventually(() => getPod('badcmd-never').status?.phase === 'Failed', 60_000, 300);
    assert.equal(status('badcmd-never')?.state?.terminated?.reason, 'ContainerCannotRun');
    assert.equal(status('badcmd-never')?.restartCount, 0);
  });

  it('runs postStart and preStop hooks (exec and httpGet) and stops with SIGTERM on deletion', async () => {
    await running('hooks');
    await eventually(() => existsSync(join(out, 'hooks', 'worker')), 30_000, 200);
    assert.deepEqual(lines(readFileSync(join(out, 'hooks', 'worker'), 'utf8')), ['poststart']);
    const uid = getPod('hooks').metadata.uid;
    cluster.k(['delete', 'pod', 'hooks', '--wait=false']);
    await gone('hooks');
    // preStop runs before the stop signal; the trap proves the signal was SIGTERM.
    assert.deepEqual(lines(readFileSync(join(out, 'hooks', 'worker'), 'utf8')), ['poststart', 'prestop', 'term']);
    assert.deepEqual(lines(readFileSync(join(out, 'hooks', 'http'), 'utf8')), ['GET from=prestop']);
    await eventually(() => lines(docker(['ps', '-aq', '--filter', `label=io.kubernetes.pod.uid=${uid}`]).stdout).length === 0, 60_000, 300);
  });

  it('stops a container with its image\'s STOPSIGNAL', async () => {
    await running('usr1');
    cluster.k(['delete', 'pod', 'usr1', '--wait=false']);
    await gone('usr1');
    assert.deepEqual(lines(readFileSync(join(out, 'usr1', 'signals'), 'utf8')), ['usr1']);
    await eventually(() => podContainers(cluster.name, 'usr1').length === 0, 60_000, 300);
  });

  it('kills a container that ignores SIGTERM once terminationGracePeriodSeconds is over', async () => {
    await running('stubborn');
    cluster.k(['delete', 'pod', 'stubborn', '--wait=false']);
    // While the grace period runs the pod is still there, marked for deletion.
    assert.ok(getPod('stubborn').metadata.deletionTimestamp, 'pod should be terminating');
    await gone('stubborn');
    await eventually(() => podContainers(cluster.name, 'stubborn').length === 0, 30_000, 300);
    // It saw SIGTERM, ignored it, and was killed anyway.
    assert.match(readFileSync(join(out, 'stubborn', 'signals'), 'utf8'), /ignored/);
  });

  it('removes a pod at once with --grace-period=0 --force, and its containers soon after', async () => {
    await running('forced');
    assert.ok(podContainers(cluster.name, 'forced').length >= 2, 'sandbox and app container should exist');
    const r = cluster.kubectl(['delete', 'pod', 'forced', '--grace-period=0', '--force'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Immediate deletion does not wait/);
    const after = cluster.kubectl(['get', 'pod', 'forced', '-o', 'name']);
    assert.notEqual(after.code, 0);
    assert.match(after.stderr, /NotFound/);
    // The 120 s grace period is not honoured: the containers go well before it.
    await eventually(() => podContainers(cluster.name, 'forced').length === 0, 60_000, 300);
  });
});
