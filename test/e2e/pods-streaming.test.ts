// End-to-end: logs, exec, attach, port-forward and cp stream through the API server to the node agent, with real kubectl 1.32, 1.27 (SPDY) and 1.33.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, eventually, kubectlBinary, removeDataDir, startCluster, type Cluster } from './harness.js';

/** kubectl 1.32/1.33 speak WebSocket (v5 for exec, SPDY-in-WebSocket for port-forward); 1.27 speaks plain SPDY only. */
const VERSIONS = ['1.32', '1.27', '1.33'] as const;

const PODS = `apiVersion: v1
kind: Pod
metadata:
  name: two
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: first
    image: skiff/busybox:1.36
    command: [sh, -c, 'echo first-1; echo first-2; echo first-3; exec sleep 3600']
  - name: second
    image: skiff/busybox:1.36
    command: [sh, -c, 'echo second-1; exec sleep 3600']
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: skiff/busybox:1.36
    command: [sh, -c, 'mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www']
    ports:
    - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  selector: {app: web}
  ports:
  - {port: 80, targetPort: http}
---
apiVersion: v1
kind: Pod
metadata:
  name: reader
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: reader
    image: skiff/busybox:1.36
    stdin: true
    command: [sh, -c, 'while read l; do echo got:$l; done']
---
apiVersion: v1
kind: Pod
metadata:
  name: ticker
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: tick
    image: skiff/busybox:1.36
    command: [sh, -c, 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 1; done']
---
apiVersion: v1
kind: Pod
metadata:
  name: follower
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: skiff/busybox:1.36
    # Waits for a file the test creates, so "new lines while following" does not depend on timing.
    command: [sh, -c, 'echo before; while [ ! -e /tmp/go ]; do sleep 0.2; done; echo after; exit 0']
---
apiVersion: v1
kind: Pod
metadata:
  name: restarter
spec:
  terminationGracePeriodSeconds: 1
  volumes:
  - {name: state, emptyDir: {}}
  containers:
  - name: app
    image: skiff/busybox:1.36
    volumeMounts:
    - {name: state, mountPath: /state}
    # The emptyDir outlives the container, so the second run knows it is the second.
    command: [sh, -c, 'if [ -e /state/ran ]; then echo attempt-2; exec sleep 3600; fi; touch /state/ran; echo attempt-1; exit 1']
---
apiVersion: v1
kind: Pod
metadata:
  name: waiting
spec:
  containers:
  - name: app
    image: skiff/not-there:0.0
    imagePullPolicy: Never
---
apiVersion: v1
kind: Pod
metadata:
  name: unscheduled
spec:
  nodeSelector: {skiff.io/no-such-node: "true"}
  containers:
  - name: app
    image: skiff/busybox:1.36
`;

interface ContainerStatus {
  name: string;
  restartCount: number;
  state?: { running?: object; waiting?: { reason?: string }; terminated?: { exitCode: number } };
}
interface PodJson {
  metadata: { name: string };
  spec: { nodeName?: string };
  status?: { phase?: string; containerStatuses?: ContainerStatus[] };
}

/** A kubectl (or `script`) running in the background, whose output the test reads as it comes. */
interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
  waitFor(re: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpExecArray>;
  write(s: string): void;
  stop(): Promise<number | null>;
}

const launched: Running[] = [];

function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  // A stdin write after the process exited must not crash the test run.
  child.stdin?.on('error', () => undefined);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running: Running = {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    async waitFor(re, stream = 'stdout', timeoutMs = 60_000) {
      const m = await eventually(() => re.exec(stream === 'stdout' ? out : err), timeoutMs).catch((e: unknown) => {
        throw new Error(`${String(e)}: ${re} not seen\nstdout: ${out}\nstderr: ${err}`);
      });
      if (!m) throw new Error(`${re} not seen`);
      return m;
    },
    write(s) {
      child.stdin?.write(s);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      return exit;
    },
  };
  launched.push(running);
  return running;
}

/** Waits for a background process to end, failing (and killing it) if it does not within the bound. */
async function exited(r: Running, timeoutMs = 60_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`process did not exit in ${timeoutMs} ms\nstdout: ${r.stdout()}\nstderr: ${r.stderr()}`)), timeoutMs);
  });
  try {
    return await Promise.race([r.exit, timeout]);
  } finally {
    clearTimeout(timer);
    await r.stop();
  }
}

function fetchPage(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/', timeout: 15_000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

function docker(args: string[]): string {
  return spawnSync('docker', args, { encoding: 'utf8' }).stdout ?? '';
}

/** Removes whatever the cluster left on the engine: skiff keeps containers across restarts on purpose. */
function removeDockerLeftovers(name: string): void {
  const filter = ['--filter', `label=io.skiff.cluster=${name}`];
  const ids = (args: string[]): string[] => docker(args).split('\n').filter(Boolean);
  const containers = ids(['ps', '-aq', ...filter]);
  if (containers.length) docker(['rm', '-f', ...containers]);
  const networks = ids(['network', 'ls', '-q', ...filter]);
  if (networks.length) docker(['network', 'rm', ...networks]);
  const volumes = ids(['volume', 'ls', '-q', ...filter]);
  if (volumes.length) docker(['volume', 'rm', '-f', ...volumes]);
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) /;

describe('streaming through the API server to the agent', () => {
  let cluster: Cluster;
  let work: string;

  const env = (): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: cluster.dataDir, SHELL: '/bin/sh' });
  const kubectlArgs = (version: string, args: string[]): [string, string[]] => [kubectlBinary(version), ['--cache-dir', join(cluster.dataDir, 'kube-cache'), ...args]];
  const background = (version: string, args: string[]): Running => launch(...kubectlArgs(version, args), env());
  // Raw API reads: a kubectl process per poll costs a second on a loaded machine.
  const pod = async (name: string): Promise<PodJson> => {
    const r = await api(cluster, 'GET', `/api/v1/namespaces/default/pods/${name}`);
    assert.equal(r.status, 200, r.body);
    return JSON.parse(r.body) as PodJson;
  };
  const running = (p: PodJson, container?: string): boolean =>
    (p.status?.containerStatuses ?? []).length > 0 && (p.status?.containerStatuses ?? []).every((c) => (container === undefined || c.name === container ? Boolean(c.state?.running) : true));

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'skiff-streaming-'));
    cluster = await startCluster();
    cluster.k(['apply', '-f', '-'], { input: PODS });
    await Promise.all(['two', 'web', 'reader', 'ticker', 'follower'].map((name) =>
      eventually(async () => running(await pod(name)), 90_000, 250).catch((e: unknown) => {
        throw new Error(`pod ${name} did not run: ${String(e)}\n${cluster.kubectl(['get', 'pod', name, '-o', 'yaml']).stdout}`);
      })));
  });

  after(async () => {
    for (const r of launched) await r.stop();
    await cluster?.stop();
    if (cluster) {
      removeDockerLeftovers(cluster.name);
      removeDataDir(cluster);
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('kubectl logs', () => {
    it('defaults to the first of two containers and says so, or takes -c', () => {
      const r = cluster.kubectl(['logs', 'two']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'first-1\nfirst-2\nfirst-3\n');
      assert.match(r.stderr, /Defaulted container "first" out of: first, second/);
      assert.equal(cluster.k(['logs', 'pod/two', '-c', 'second']), 'second-1\n');
      const bad = cluster.kubectl(['logs', 'two', '-c', 'nope']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /container nope is not valid for pod two/);
    });

    it('--tail keeps the last lines, --timestamps prefixes RFC3339 times', () => {
      assert.equal(cluster.k(['logs', 'two', '-c', 'first', '--tail=2']), 'first-2\nfirst-3\n');
      const stamped = cluster.k(['logs', 'two', '-c', 'first', '--timestamps']).trimEnd().split('\n');
      assert.equal(stamped.length, 3);
      stamped.forEach((line, i) => {
        assert.match(line, RFC3339);
        assert.equal(line.replace(RFC3339, ''), `first-${i + 1}`);
        assert.ok(!Number.isNaN(Date.parse(line.split(' ')[0])), line);
      });
      assert.match(cluster.k(['logs', 'two', '-c', 'first', '--tail=1', '--timestamps']), /^\S+ first-3\n$/);
    });

    it('--since and --since-time leave out older lines', async () => {
      // The ticker prints one line a second; with tick-7 out, tick-2 is over 3 s old.
      await eventually(() => cluster.k(['logs', 'ticker']).includes('tick-7\n'), 60_000, 500);
      const all = cluster.k(['logs', 'ticker', '--since=1h']).trimEnd().split('\n');
      assert.equal(all[0], 'tick-1');
      const recent = await eventually(() => {
        const lines = cluster.k(['logs', 'ticker', '--since=3s']).trimEnd().split('\n').filter(Boolean);
        return lines.length > 0 ? lines : undefined;
      }, 30_000, 200) ?? [];
      for (const l of recent) assert.match(l, /^tick-\d+$/);
      assert.ok(!recent.includes('tick-1') && !recent.includes('tick-2'), recent.join(','));
      // Lines are at least a second apart and sinceTime has whole seconds: the cut falls right before tick-3.
      const stamped = cluster.k(['logs', 'ticker', '--timestamps']).split('\n');
      const third = stamped.find((l) => l.endsWith(' tick-3'));
      assert.ok(third, stamped.join('\n'));
      const since = new Date(third.split(' ')[0]).toISOString().replace(/\.\d+Z$/, 'Z');
      const fromThird = cluster.k(['logs', 'ticker', `--since-time=${since}`]).split('\n');
      assert.equal(fromThird[0], 'tick-3');
    });

    it('-f streams new lines as they are written and ends when the container exits', async () => {
      const follow = background('1.32', ['logs', '-f', 'follower']);
      await follow.waitFor(/^before\n/);
      assert.equal(follow.child.exitCode, null, 'kubectl logs -f ended before the container did');
      assert.ok(!follow.stdout().includes('after'));
      cluster.k(['exec', 'follower', '--', 'touch', '/tmp/go']);
      await follow.waitFor(/after\n/);
      assert.equal(await exited(follow), 0, follow.stderr());
      assert.equal(follow.stdout(), 'before\nafter\n');
      await eventually(async () => (await pod('follower')).status?.phase === 'Succeeded', 60_000, 250);
      // A finished container's logs are still there, and following them ends at once.
      assert.equal(cluster.k(['logs', '-f', 'follower']), 'before\nafter\n');
    });

    it('--previous shows the container instance before the restart', async () => {
      await eventually(async () => {
        const s = (await pod('restarter')).status?.containerStatuses?.[0];
        return s && s.restartCount >= 1 && s.state?.running ? s : undefined;
      }, 90_000, 250);
      assert.equal(cluster.k(['logs', 'restarter']), 'attempt-2\n');
      assert.equal(cluster.k(['logs', 'restarter', '--previous']), 'attempt-1\n');
      assert.equal(cluster.k(['logs', 'restarter', '-p', '--timestamps']).replace(RFC3339, ''), 'attempt-1\n');
      const none = cluster.kubectl(['logs', 'two', '-c', 'first', '--previous']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /BadRequest.*previous terminated container "first" in pod "two" not found/);
    });

    it('logs of a pod whose container is waiting to start is a clear BadRequest', async () => {
      await eventually(async () => (await pod('waiting')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull', 60_000, 250);
      const r = cluster.kubectl(['logs', 'waiting'], { timeoutMs: 30_000 });
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /Error from server \(BadRequest\): container "app" in pod "waiting" is waiting to start: ErrImageNeverPull/);
    });
  });

  describe('kubectl exec', () => {
    for (const version of VERSIONS) {
      it(`${version}: exit codes propagate and stderr stays separate`, () => {
        const r = cluster.kubectl(['exec', 'two', '-c', 'first', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { version });
        assert.equal(r.code, 3, r.stderr);
        assert.equal(r.stdout, 'out\n');
        assert.match(r.stderr, /^err\n/);
        assert.match(r.stderr, /command terminated with exit code 3/);
        const ok = cluster.kubectl(['exec', 'two', '-c', 'second', '--', 'sh', '-c', 'echo $HOSTNAME'], { version });
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.stdout, 'two\n');
        assert.equal(ok.stderr, '');
      });
    }

    for (const version of ['1.32', '1.27']) {
      it(`${version}: -i passes stdin through and closes it at EOF`, () => {
        const r = cluster.kubectl(['exec', '-i', 'two', '-c', 'first', '--', 'sh', '-c', 'cat; echo done'], { version, input: 'line-a\nline-b\n' });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'line-a\nline-b\ndone\n');
        // Far more than one frame or window: the whole input arrives and EOF still ends the command.
        const big = 'x'.repeat(1023) + '\n';
        const n = cluster.kubectl(['exec', '-i', 'two', '-c', 'first', '--', 'wc', '-c'], { version, input: big.repeat(512) });
        assert.equal(n.code, 0, n.stderr);
        assert.equal(n.stdout.trim(), String(1024 * 512));
      });
    }

    for (const version of ['1.32', '1.27']) {
      it(`${version}: -it gets a TTY that follows resizes, and the exit code`, async () => {
        const flag = join(work, `resize-${version}`);
        const [bin, args] = kubectlArgs(version, ['exec', '-it', 'two', '-c', 'first', '--', 'sh']);
        // `script` gives kubectl a pty; a helper in the same process group resizes that pty when the flag
        // file appears, which makes the kernel send kubectl SIGWINCH, as a terminal window would.
        const inner = [
          'stty rows 30 cols 100',
          `(n=0; while [ ! -e ${quote(flag)} ] && [ $n -lt 900 ]; do sleep 0.1; n=$((n+1)); done; stty rows 40 cols 120 </dev/tty) &`,
          `exec ${[bin, ...args].map(quote).join(' ')}`,
        ].join('\n');
        const term = launch('script', ['-qec', inner, '/dev/null'], env());
        await term.waitFor(/# /);
        // The shell's line editor may still be busy with the previous prompt: ask until the answer shows.
        const ask = async (command: string, want: RegExp): Promise<void> => {
          await eventually(() => {
            if (want.test(term.stdout())) return true;
            term.write(`${command}\n`);
            return false;
          }, 60_000, 1000).catch((e: unknown) => {
            throw new Error(`${String(e)}: ${want} not seen\n${JSON.stringify(term.stdout())}\n${term.stderr()}`);
          });
        };
        await ask('tty', /\n\/dev\/pts\/\d+\r?\n/);
        // The size kubectl read from its terminal at start reached the container's pty.
        await ask('stty size', /\n30 100\r?\n/);
        writeFileSync(flag, '');
        await ask('stty size', /\n40 120\r?\n/);
        // Still usable after the resize; the arithmetic proves the remote shell ran it, not just the echo.
        await ask('echo typed-$((6*7))', /typed-42/);
        term.write('exit 4\n');
        assert.equal(await exited(term), 4, term.stdout());
        assert.match(term.stdout(), /command terminated with exit code 4/);
      });
    }

    for (const version of ['1.32', '1.27']) {
      it(`${version}: exec into a pod that cannot run yet fails at once with the reason`, async () => {
        await eventually(async () => (await pod('waiting')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull', 60_000, 250);
        const waiting = cluster.kubectl(['exec', 'waiting', '--', 'true'], { version, timeoutMs: 30_000 });
        assert.equal(waiting.code, 1, `${waiting.stdout}${waiting.stderr}`);
        assert.match(waiting.stderr, /BadRequest.*container "app" in pod "waiting" is waiting to start: ErrImageNeverPull/);
        assert.equal((await pod('unscheduled')).spec.nodeName, undefined);
        const unscheduled = cluster.kubectl(['exec', 'unscheduled', '--', 'true'], { version, timeoutMs: 30_000 });
        assert.equal(unscheduled.code, 1, `${unscheduled.stdout}${unscheduled.stderr}`);
        assert.match(unscheduled.stderr, /BadRequest.*pod unscheduled does not have a host assigned/);
        if (version === '1.32') {
          const logs = cluster.kubectl(['logs', 'unscheduled'], { timeoutMs: 30_000 });
          assert.equal(logs.code, 1);
          assert.match(logs.stderr, /does not have a host assigned/);
        }
      });
    }
  });

  describe('kubectl attach', () => {
    for (const version of ['1.32', '1.27']) {
      it(`${version}: -i sends lines to the container's stdin and shows its output`, async () => {
        const attach = background(version, ['attach', '-i', 'reader']);
        // Lines written before the stream is up would wait in the pipe; write until the echo comes back.
        await eventually(() => {
          if (attach.stdout().includes(`got:hello-${version}`)) return true;
          attach.write(`hello-${version}\n`);
          return false;
        }, 60_000, 1000).catch((e: unknown) => {
          throw new Error(`${String(e)}\nstdout: ${attach.stdout()}\nstderr: ${attach.stderr()}`);
        });
        assert.equal(attach.child.exitCode, null);
        await attach.stop();
        // Detaching leaves the container (and its stdin) alone: it is still running and its log has the line.
        const p = await pod('reader');
        assert.ok(running(p), JSON.stringify(p.status));
        assert.equal(p.status?.containerStatuses?.[0]?.restartCount, 0);
        assert.match(cluster.k(['logs', 'reader']), new RegExp(`got:hello-${version.replace('.', '\\.')}\n`));
      });
    }
  });

  describe('kubectl port-forward', () => {
    const forward = async (version: string, target: string, remotePort: string): Promise<void> => {
      const pf = background(version, ['port-forward', target, `:${remotePort}`]);
      const m = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
      const port = Number(m[1]);
      // Two requests: two forwarded connections over the one session.
      for (let i = 0; i < 2; i++) {
        const page = await fetchPage(port);
        assert.equal(page.status, 200);
        assert.equal(page.body, 'hello-from-web\n');
      }
      assert.equal(pf.child.exitCode, null, pf.stderr());
      await pf.stop();
      await assert.rejects(fetchPage(port), /ECONNREFUSED/);
    };

    for (const version of VERSIONS) {
      it(`${version}: pod/web :8080 serves the page on a local port`, async () => {
        await forward(version, 'pod/web', '8080');
      });
    }

    for (const version of ['1.32', '1.27']) {
      it(`${version}: svc/web-svc resolves to the pod behind the selector and its named target port`, async () => {
        await forward(version, 'svc/web-svc', '80');
      });
    }
  });

  describe('kubectl cp', () => {
    // cp is exec running busybox tar: the protocol paths are already covered per version above.
    for (const version of ['1.32']) {
      it(`${version}: copies a file into a pod and back out`, () => {
        const local = join(work, `in-${version}.txt`);
        const back = join(work, `out-${version}.txt`);
        const content = `copied by ${version}\n${'0123456789'.repeat(5000)}\n`;
        writeFileSync(local, content);
        cluster.k(['cp', local, `two:/tmp/in-${version}.txt`, '-c', 'second'], { version });
        assert.equal(cluster.k(['exec', 'two', '-c', 'second', '--', 'wc', '-c', `/tmp/in-${version}.txt`]).trim().split(/\s+/)[0], String(Buffer.byteLength(content)));
        // Pod containers share nothing but volumes: the file is only in `second`.
        assert.equal(cluster.kubectl(['exec', 'two', '-c', 'first', '--', 'test', '-e', `/tmp/in-${version}.txt`]).code, 1);
        cluster.k(['cp', `two:/tmp/in-${version}.txt`, back, '-c', 'second'], { version });
        assert.equal(readFileSync(back, 'utf8'), content);
      });
    }
  });
});
