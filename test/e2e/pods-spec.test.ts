// End-to-end: pods become real Docker containers around one sandbox on the cluster's network, with the container spec (command, env, security, init containers) honoured.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, removeDataDir, type Cluster, startClusterRetrying, removeDockerObjects } from './harness.js';

const NS = 'podspec';
const IMAGE = 'skiff/busybox:1.36';

let cluster: Cluster;
let hostPort = 0;

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  started?: boolean;
  lastState?: { terminated?: { reason?: string; exitCode?: number; message?: string } };
  state?: { running?: object; waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number } };
}
interface PodView {
  metadata: { name: string; uid: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}

function docker(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Ids of this cluster's containers (running or not) matching extra `docker ps` filters such as `label=k=v` or `status=running`. */
function containers(...filters: string[]): string[] {
  const r = docker(['ps', '-aq', '--filter', `label=io.skiff.cluster=${cluster.name}`, ...filters.flatMap((f) => ['--filter', f])]);
  return r.stdout.split('\n').filter(Boolean);
}

function inspect<T>(id: string, format: string): T {
  const r = docker(['inspect', '--format', `{{json ${format}}}`, id]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

/** eventually() for values: the result is known to be set once the wait ends. */
async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, intervalMs: number): Promise<T> {
  const v = await eventually(fn, timeoutMs, intervalMs);
  if (v === undefined) throw new Error('wait ended without a value');
  return v;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function pod(name: string): PodView {
  return JSON.parse(cluster.k(['get', 'pod', name, '-n', NS, '-o', 'json'])) as PodView;
}

/** Waits until every app container of the pod runs and the pod has an IP. */
async function running(name: string): Promise<PodView> {
  return waitFor(() => {
    const p = pod(name);
    const cs = p.status.containerStatuses ?? [];
    return p.status.phase === 'Running' && p.status.podIP && cs.length > 0 && cs.every((c) => c.state?.running) ? p : undefined;
    // Generous: all pods of the file start together on a shared, loaded machine.
  }, 90_000, 500);
}

/** `kubectl exec` in a container; returns the whole result so failures can be asserted. */
function exec(podName: string, container: string, cmd: string[]): { code: number; stdout: string; stderr: string } {
  return cluster.kubectl(['exec', '-n', NS, podName, '-c', container, '--', ...cmd]);
}

function sh(podName: string, container: string, script: string): string {
  const r = exec(podName, container, ['sh', '-c', script]);
  assert.equal(r.code, 0, `exec in ${podName}/${container} failed: ${r.stderr}`);
  return r.stdout;
}

/** The effective capability mask of a container's shell, from /proc/self/status. */
function capEff(podName: string, container: string): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(sh(podName, container, 'cat /proc/self/status'));
  assert.ok(m, 'no CapEff line');
  return BigInt(`0x${m[1]}`);
}
const bit = (mask: bigint, n: number): boolean => ((mask >> BigInt(n)) & 1n) === 1n;
const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;
const CAP_SYS_ADMIN = 21;

const sleeper = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name, image: IMAGE, command: ['sh', '-c', 'exec sleep 3600'], ...extra,
});

function manifests(): object[] {
  const podOf = (name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}): object => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, ...meta },
    spec: { terminationGracePeriodSeconds: 1, ...spec },
  });
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: NS }, data: { color: 'blue', size: 'large' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: NS }, stringData: { password: 's3cret', token: 'abc123' } },
    // Two containers sharing the sandbox: the server writes into the shared emptyDir and serves on 8080; the client fetches it over localhost.
    podOf('duo', {
      hostAliases: [{ ip: '10.11.12.13', hostnames: ['alias-one.test', 'alias-two.test'] }],
      volumes: [{ name: 'shared', emptyDir: {} }],
      containers: [
        {
          name: 'server', image: IMAGE, ports: [{ name: 'http', containerPort: 8080 }],
          command: ['sh', '-c', 'mkdir -p /www && echo hello-from-server > /www/index.html && echo written-by-server > /shared/from-server && exec httpd -f -p 8080 -h /www'],
          volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
        },
        {
          name: 'client', image: IMAGE,
          command: ['sh', '-c', 'until wget -q -O /shared/fetched http://localhost:8080/index.html; do sleep 1; done; exec sleep 3600'],
          volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
        },
      ],
    }),
    podOf('named', { hostname: 'custom-host', containers: [sleeper('main')] }),
    podOf('hostport', {
      containers: [{
        name: 'web', image: IMAGE, ports: [{ containerPort: 8080, hostPort }],
        command: ['sh', '-c', 'mkdir -p /www && echo via-host-port > /www/index.html && exec httpd -f -p 8080 -h /www'],
      }],
    }),
    podOf('envpod', {
      restartPolicy: 'Never',
      containers: [{
        name: 'main', image: IMAGE, workingDir: '/srv/work',
        resources: { limits: { memory: '64Mi' } },
        // The script reads its positional args, so the expansion done by the agent (not the shell) is what is printed.
        command: ['sh', '-c', 'echo "ARG1=$1"; echo "ARG2=$2"; echo "ARG3=$3"; echo "PWD=$(pwd)"; exec sleep 3600', 'sh'],
        args: ['$(GREETING)-there', '$$(GREETING)', '$(NOT_DEFINED)'],
        env: [
          { name: 'GREETING', value: 'hello' },
          { name: 'COMPOSED', value: '$(GREETING)-world' },
          { name: 'ESCAPED', value: '$$(GREETING)' },
          { name: 'CM_COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'color' } } },
          { name: 'SECRET_PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
          { name: 'POD_TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
          { name: 'POD_NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        ],
        envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }, { prefix: 'SEC_', secretRef: { name: 'sec' } }],
      }],
    }, { labels: { tier: 'backend' }, annotations: { note: 'annotated' } }),
    podOf('security', {
      containers: [
        sleeper('plain'),
        sleeper('ids', { securityContext: { runAsUser: 1234, runAsGroup: 5678 } }),
        sleeper('readonly', { securityContext: { readOnlyRootFilesystem: true } }),
        sleeper('caps', { securityContext: { capabilities: { add: ['NET_ADMIN'], drop: ['NET_RAW'] } } }),
        sleeper('nnp', { securityContext: { allowPrivilegeEscalation: false } }),
      ],
    }),
    // Its own pod: on an engine that cannot grant every capability the container never starts.
    podOf('privileged', { containers: [sleeper('main', { securityContext: { privileged: true } })] }),
    podOf('nonroot', { containers: [sleeper('main', { securityContext: { runAsNonRoot: true, runAsUser: 0 } })] }),
    podOf('tty', {
      containers: [{
        name: 'main', image: IMAGE, stdin: true, tty: true,
        // `cat` keeps reading the open stdin, so the container stays up only if stdin is really attached.
        command: ['sh', '-c', 'if [ -t 0 ] && [ -t 1 ]; then echo stdin-and-stdout-are-a-tty; fi; exec cat'],
      }],
    }),
    podOf('init', {
      volumes: [{ name: 'work', emptyDir: {} }],
      initContainers: [
        { name: 'first', image: IMAGE, command: ['sh', '-c', 'sleep 1; echo first >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        { name: 'second', image: IMAGE, command: ['sh', '-c', 'echo second >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
      ],
      containers: [{ name: 'app', image: IMAGE, command: ['sh', '-c', 'echo app >> /work/order; cat /work/order; exec sleep 3600'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
    }),
    podOf('late', {
      containers: [sleeper('main', { env: [{ name: 'LATE_VALUE', valueFrom: { configMapKeyRef: { name: 'late-cm', key: 'value' } } }] })],
    }),
  ];
}

describe('pods and container spec on real Docker', { timeout: 300_000 }, () => {
  before(async () => {
    hostPort = await freePort();
    cluster = await startClusterRetrying({ name: `podspec${process.pid}`, dataDir: mkdtempSync(join(tmpdir(), 'skiff-podspec-')) });
    cluster.k(['create', 'namespace', NS]);
    // Everything is applied at once so the pods start side by side.
    cluster.k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests() }) });
  });

  after(async () => {
    if (!cluster) return;
    cluster.kubectl(['delete', 'namespace', NS, '--wait=false']);
    cluster.kubectl(['delete', 'pods', '--all', '-n', NS, '--grace-period=0', '--force'], { timeoutMs: 30_000 });
    if (cluster.process.exitCode === null && cluster.process.signalCode === null) await cluster.stop();
    removeDockerObjects(cluster.name);
    removeDataDir(cluster);
  }, { timeout: 60_000 });

  it('puts the pod on the cluster network with one sandbox holding network, hostname and /etc/hosts', async () => {
    const p = await running('duo');
    const uid = p.metadata.uid;
    const podIP = p.status.podIP ?? '';
    const sandboxes = containers(`label=io.kubernetes.pod.uid=${uid}`, 'label=io.kubernetes.docker.type=podsandbox');
    assert.equal(sandboxes.length, 1, 'exactly one sandbox per pod');
    const sandbox = sandboxes[0];
    assert.match(inspect<string>(sandbox, '.Config.Image'), /^skiff\/sandbox(:|$)/);
    const nets = inspect<Record<string, { IPAddress: string }>>(sandbox, '.NetworkSettings.Networks');
    assert.deepEqual(Object.keys(nets), [`skiff-${cluster.name}`]);
    assert.equal(podIP, nets[`skiff-${cluster.name}`].IPAddress, 'pod IP is the sandbox address on the cluster network');

    // App containers join the sandbox's network namespace rather than getting their own.
    const sandboxId = inspect<string>(sandbox, '.Id');
    const apps = containers(`label=io.kubernetes.pod.uid=${uid}`, 'label=io.kubernetes.docker.type=container');
    assert.equal(apps.length, 2);
    for (const id of apps) assert.equal(inspect<string>(id, '.HostConfig.NetworkMode'), `container:${sandboxId}`);

    // The host reaches the pod IP directly.
    const body = await waitFor(async () => {
      const res = await fetch(`http://${podIP}:8080/index.html`, { signal: AbortSignal.timeout(5_000) });
      return res.ok ? res.text() : undefined;
    }, 60_000, 500);
    assert.equal(body.trim(), 'hello-from-server');

    // Containers talk over localhost and share the emptyDir.
    const fetched = await waitFor(() => sh('duo', 'client', 'cat /shared/fetched 2>/dev/null || true').trim(), 60_000, 500);
    assert.equal(fetched, 'hello-from-server');
    assert.equal(sh('duo', 'client', 'cat /shared/from-server').trim(), 'written-by-server');

    // Hostname and /etc/hosts come from the sandbox, so both containers see the same ones.
    for (const c of ['server', 'client']) {
      assert.equal(sh('duo', c, 'hostname').trim(), 'duo');
      const hosts = sh('duo', c, 'cat /etc/hosts');
      assert.match(hosts, new RegExp(`^${podIP.replaceAll('.', '\\.')}\\s.*\\bduo\\b`, 'm'), hosts);
      assert.match(hosts, /^10\.11\.12\.13\s+alias-one\.test\b/m, hosts);
      assert.match(hosts, /alias-two\.test/, hosts);
    }
  });

  it('uses spec.hostname for the sandbox hostname', async () => {
    await running('named');
    assert.equal(sh('named', 'main', 'hostname').trim(), 'custom-host');
    assert.match(sh('named', 'main', 'cat /etc/hosts'), /\bcustom-host\b/);
  });

  it('stops a sandbox on SIGTERM without waiting for SIGKILL', async () => {
    const p = await running('named');
    const [sandbox] = containers(`label=io.kubernetes.pod.uid=${p.metadata.uid}`, 'label=io.kubernetes.docker.type=podsandbox', 'status=running');
    assert.ok(sandbox, 'running sandbox not found');
    // A long stop timeout: an exit code of 137 would mean the engine had to SIGKILL it.
    const r = docker(['stop', '-t', '30', sandbox]);
    assert.equal(r.code, 0, r.stderr);
    const state = inspect<{ Running: boolean; ExitCode: number; OOMKilled: boolean }>(sandbox, '.State');
    assert.equal(state.Running, false);
    assert.notEqual(state.ExitCode, 137, 'sandbox ignored SIGTERM and was killed');
  });

  it('publishes a hostPort on 127.0.0.1', async () => {
    await running('hostport');
    const body = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${hostPort}/index.html`, { signal: AbortSignal.timeout(5_000) });
      return res.ok ? res.text() : undefined;
    }, 60_000, 500);
    assert.equal(body.trim(), 'via-host-port');
  });

  it('expands $(VAR) in command and args, sets workingDir and builds env from every source', async () => {
    const p = await running('envpod');
    const logs = await waitFor(() => {
      const out = cluster.k(['logs', '-n', NS, 'envpod']);
      return out.includes('PWD=') ? out : undefined;
    }, 30_000, 500);
    assert.match(logs, /^ARG1=hello-there$/m);
    assert.match(logs, /^ARG2=\$\(GREETING\)$/m, '$$ escapes the reference');
    assert.match(logs, /^ARG3=\$\(NOT_DEFINED\)$/m, 'unknown references stay as written');
    assert.match(logs, /^PWD=\/srv\/work$/m);

    const env = new Map(cluster.k(['exec', '-n', NS, 'envpod', '--', 'env']).split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const expected: Record<string, string> = {
      GREETING: 'hello',
      COMPOSED: 'hello-world',
      ESCAPED: '$(GREETING)',
      CM_COLOR: 'blue',
      SECRET_PW: 's3cret',
      POD_NAME: 'envpod',
      POD_NS: NS,
      POD_UID: p.metadata.uid,
      POD_TIER: 'backend',
      POD_NOTE: 'annotated',
      POD_IP: p.status.podIP ?? '',
      NODE_NAME: p.spec.nodeName ?? '',
      MEM_MI: '64',
      CFG_color: 'blue',
      CFG_size: 'large',
      SEC_password: 's3cret',
      SEC_token: 'abc123',
    };
    assert.ok(p.spec.nodeName, 'pod was not scheduled');
    for (const [k, v] of Object.entries(expected)) assert.equal(env.get(k), v, `env ${k}`);
    assert.equal(env.get('color'), undefined, 'envFrom keys carry the prefix');
  });

  it('applies securityContext: user and group, read-only root, capabilities, no_new_privs', async () => {
    await running('security');
    const id = sh('security', 'ids', 'id');
    assert.match(id, /uid=1234\b/);
    assert.match(id, /gid=5678\b/);
    assert.match(sh('security', 'plain', 'id'), /uid=0\b/);

    const ro = exec('security', 'readonly', ['sh', '-c', 'echo x > /written']);
    assert.notEqual(ro.code, 0, 'writing / succeeded on a read-only root');
    assert.match(ro.stderr, /read-only file system/i);
    assert.equal(exec('security', 'plain', ['sh', '-c', 'echo x > /written']).code, 0);

    const plain = capEff('security', 'plain');
    assert.equal(bit(plain, CAP_NET_RAW), true, 'the default set holds NET_RAW');
    assert.equal(bit(plain, CAP_NET_ADMIN), false);
    assert.equal(bit(plain, CAP_SYS_ADMIN), false);
    const caps = capEff('security', 'caps');
    assert.equal(bit(caps, CAP_NET_RAW), false, 'NET_RAW was dropped');
    assert.equal(bit(caps, CAP_NET_ADMIN), true, 'NET_ADMIN was added');

    const nnp = (c: string): string => /^NoNewPrivs:\s*(\d)$/m.exec(sh('security', c, 'cat /proc/self/status'))?.[1] ?? '';
    assert.equal(nnp('nnp'), '1');
    assert.equal(nnp('plain'), '0');
  });

  it('runs a privileged container with every capability, or reports why the engine cannot', async () => {
    const p = await waitFor(() => {
      const v = pod('privileged');
      const st = v.status.containerStatuses?.[0];
      return st?.state?.running || st?.lastState?.terminated ? v : undefined;
    }, 60_000, 500);
    const [app] = containers(`label=io.kubernetes.pod.uid=${p.metadata.uid}`, 'label=io.kubernetes.docker.type=container');
    assert.ok(app, 'no container was created');
    assert.equal(inspect<boolean>(app, '.HostConfig.Privileged'), true);
    // Some engines (dockerd inside a container lacking a capability) refuse every privileged container; what the pod shows must then be the engine's reason.
    const probe = docker(['run', '--rm', '--privileged', '--network', 'none', '--label', `io.skiff.cluster=${cluster.name}`, IMAGE, 'true']);
    if (probe.code === 0) {
      await running('privileged');
      const mask = capEff('privileged', 'main');
      assert.equal(bit(mask, CAP_SYS_ADMIN), true, 'privileged holds SYS_ADMIN');
      assert.equal(bit(mask, CAP_NET_ADMIN), true);
    } else {
      const st = pod('privileged').status.containerStatuses?.[0];
      assert.equal(st?.started, false);
      assert.equal(st?.lastState?.terminated?.reason, 'ContainerCannotRun', JSON.stringify(st));
      const engineReason = /unable to apply caps|operation not permitted/.exec(probe.stderr)?.[0];
      assert.ok(engineReason, probe.stderr);
      assert.ok(st?.lastState?.terminated?.message?.includes(engineReason), JSON.stringify(st));
    }
  });

  it('refuses runAsNonRoot with runAsUser 0 as CreateContainerConfigError', async () => {
    await waitFor(() => {
      const table = cluster.k(['get', 'pod', 'nonroot', '-n', NS, '--no-headers']);
      return /\bCreateContainerConfigError\b/.test(table);
    }, 60_000, 500);
    const waiting = pod('nonroot').status.containerStatuses?.[0]?.state?.waiting;
    assert.equal(waiting?.reason, 'CreateContainerConfigError');
    assert.match(waiting?.message ?? '', /non-root/);
    const described = cluster.k(['describe', 'pod', 'nonroot', '-n', NS]);
    assert.match(described, /CreateContainerConfigError/);
    assert.match(described, /runAsUser breaks non-root policy/);
    assert.equal(containers('label=io.kubernetes.pod.name=nonroot', 'label=io.kubernetes.docker.type=container').length, 0, 'no app container was created');
  });

  it('gives a container stdin and a TTY', async () => {
    await running('tty');
    const logs = await waitFor(() => {
      const out = cluster.k(['logs', '-n', NS, 'tty']);
      return out.includes('tty') ? out : undefined;
    }, 30_000, 500);
    assert.match(logs, /stdin-and-stdout-are-a-tty/);
    const p = pod('tty');
    const [app] = containers(`label=io.kubernetes.pod.uid=${p.metadata.uid}`, 'label=io.kubernetes.docker.type=container', 'status=running');
    const cfg = inspect<{ Tty: boolean; OpenStdin: boolean }>(app, '.Config');
    assert.equal(cfg.Tty, true);
    assert.equal(cfg.OpenStdin, true);
  });

  it('runs init containers in order to completion before the app container', async () => {
    await running('init');
    const logs = await waitFor(() => {
      const out = cluster.k(['logs', '-n', NS, 'init', '-c', 'app']);
      return out.includes('app') ? out : undefined;
    }, 30_000, 500);
    assert.deepEqual(logs.trim().split('\n'), ['first', 'second', 'app']);
    const inits = pod('init').status.initContainerStatuses ?? [];
    assert.deepEqual(inits.map((s) => s.name), ['first', 'second']);
    for (const s of inits) {
      assert.equal(s.state?.terminated?.reason, 'Completed', `${s.name}: ${JSON.stringify(s.state)}`);
      assert.equal(s.state?.terminated?.exitCode, 0);
    }
  });

  it('runs the init containers again when the sandbox has to be recreated', async () => {
    await running('init');
    const uid = pod('init').metadata.uid;
    const [old] = containers(`label=io.kubernetes.pod.uid=${uid}`, 'label=io.kubernetes.docker.type=podsandbox');
    assert.ok(old, 'the pod has a sandbox');
    spawnSync('docker', ['rm', '-f', old]);
    // The emptyDir outlives the sandbox, so the second run appends to the first run's lines.
    const logs = await waitFor(() => {
      const out = cluster.kubectl(['logs', '-n', NS, 'init', '-c', 'app']).stdout;
      return out.trim().split('\n').length >= 6 ? out : undefined;
    }, 60_000, 500);
    assert.deepEqual(logs.trim().split('\n'), ['first', 'second', 'app', 'first', 'second', 'app']);
    const inits = pod('init').status.initContainerStatuses ?? [];
    assert.ok(inits.every((s) => (s.restartCount ?? 0) >= 1), JSON.stringify(inits));
  });

  it('waits with CreateContainerConfigError for a missing ConfigMap and recovers once it exists', async () => {
    await waitFor(() => pod('late').status.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError', 60_000, 500);
    assert.match(pod('late').status.containerStatuses?.[0]?.state?.waiting?.message ?? '', /configmap "late-cm" not found/);
    assert.match(cluster.k(['get', 'pod', 'late', '-n', NS, '--no-headers']), /\bCreateContainerConfigError\b/);
    cluster.k(['create', 'configmap', 'late-cm', '-n', NS, '--from-literal=value=arrived']);
    await running('late');
    assert.equal(sh('late', 'main', 'echo "$LATE_VALUE"').trim(), 'arrived');
  });

  it('removes the pods and their containers on delete', async () => {
    cluster.k(['delete', 'pods', '--all', '-n', NS, '--grace-period=1', '--wait=false']);
    await waitFor(() => cluster.k(['get', 'pods', '-n', NS, '-o', 'name']).trim() === '', 90_000, 500);
    await waitFor(() => containers(`label=io.kubernetes.pod.namespace=${NS}`, 'status=running').length === 0, 60_000, 500);
  });
});
