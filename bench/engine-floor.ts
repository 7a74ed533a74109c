// The engine's own floor for starting 20 pods: raw two-container pods (sandbox holding the netns on a user-defined
// bridge network + app joining it) and single containers, created and started in parallel through dockerode.
import Docker from 'dockerode';
import { sleep } from './lib.js';

const SANDBOX_IMAGE = 'skiff/sandbox:0.1';
const APP_IMAGE = 'skiff/busybox:1.36';
const APP_CMD = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'];
/** Every object this file creates carries this label, so cleanup finds leftovers of a crashed run too. */
export const FLOOR_LABEL = 'io.skiff.bench.floor';
const DEADLINE_MS = 60_000;

export interface FloorSample {
  pods: number;
  /** CPU seconds dockerd and containerd spent on the unbounded raw pods. */
  podsEngineCpu: number;
  /** The same pods with at most POOL of them being created and started at a time. */
  podsPooled: number;
  containers: number;
}

/** The cap tried against an unbounded start, to see whether a CPU-bound engine gains from fewer starts at once. */
export const POOL = 4;

/** Runs fn(0..count-1) with at most `limit` calls in flight. */
async function pool(count: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) await fn(next++);
  }));
}

/** Rejects when `p` has not settled in `ms`: a wedged engine must not hold the bench lock forever. */
function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`engine floor: ${what} did not finish in ${ms} ms (engine stuck?)`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

async function running(docker: Docker, run: string, want: number, t0: number): Promise<void> {
  while (performance.now() - t0 < DEADLINE_MS) {
    const list = await docker.listContainers({ filters: { label: [`${FLOOR_LABEL}=${run}`], status: ['running'] } });
    if (list.length >= want) return;
    await sleep(25);
  }
  throw new Error(`engine floor: ${want} containers not running in ${DEADLINE_MS} ms`);
}

async function removeLabelled(docker: Docker, networks: boolean): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [FLOOR_LABEL] } });
  // Apps first: a sandbox cannot go while a container still uses its namespaces.
  const apps = list.filter((c) => c.Labels[`${FLOOR_LABEL}.role`] === 'app');
  const rest = list.filter((c) => c.Labels[`${FLOOR_LABEL}.role`] !== 'app');
  for (const group of [apps, rest]) await Promise.all(group.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  if (!networks) return;
  const nets = await docker.listNetworks({ filters: { label: [FLOOR_LABEL] } });
  for (const n of nets) await docker.getNetwork(n.Id).remove().catch(() => undefined);
}

/** `count` pods at once, each sandbox then app (NetworkMode/IpcMode container:<sandbox>); ms until all 2×count run. */
async function rawPods(docker: Docker, network: string, count: number, run: string, limit = count): Promise<number> {
  const labels = (role: string): Record<string, string> => ({ [FLOOR_LABEL]: run, [`${FLOOR_LABEL}.role`]: role });
  const t0 = performance.now();
  await withDeadline(pool(count, limit, async (i) => {
    const sandbox = await docker.createContainer({
      name: `skiff-floor-${run}-sb-${i}`, Image: SANDBOX_IMAGE, Labels: labels('sandbox'), Hostname: `pod-${i}`,
      HostConfig: { NetworkMode: network, IpcMode: 'shareable', RestartPolicy: { Name: 'no' } },
    });
    await sandbox.start();
    const app = await docker.createContainer({
      name: `skiff-floor-${run}-app-${i}`, Image: APP_IMAGE, Entrypoint: APP_CMD, Labels: labels('app'),
      HostConfig: { NetworkMode: `container:${sandbox.id}`, IpcMode: `container:${sandbox.id}`, RestartPolicy: { Name: 'no' } },
    });
    await app.start();
  }), DEADLINE_MS, `${count} raw pods`);
  await running(docker, run, 2 * count, t0);
  return performance.now() - t0;
}

/** `count` single containers at once on the same network; ms until all run. */
async function singles(docker: Docker, network: string, count: number, run: string): Promise<number> {
  const t0 = performance.now();
  await withDeadline(Promise.all(Array.from({ length: count }, async (_, i) => {
    const c = await docker.createContainer({
      name: `skiff-floor-${run}-one-${i}`, Image: APP_IMAGE, Entrypoint: APP_CMD, Labels: { [FLOOR_LABEL]: run, [`${FLOOR_LABEL}.role`]: 'single' },
      HostConfig: { NetworkMode: network, RestartPolicy: { Name: 'no' } },
    });
    await c.start();
  })), DEADLINE_MS, `${count} single containers`);
  await running(docker, run, count, t0);
  return performance.now() - t0;
}

/** `runs` rounds of 20 raw pods and 20 single containers, everything removed between rounds and at the end. */
export async function engineFloor(docker: Docker, count: number, runs: number, log: (s: string) => void, engineCpu: () => number): Promise<FloorSample[]> {
  const network = `skiff-floor-${process.pid}`;
  const out: FloorSample[] = [];
  await withDeadline(removeLabelled(docker, true), DEADLINE_MS, 'cleanup');
  try {
    await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: { [FLOOR_LABEL]: 'network' } });
    for (let i = 0; i < runs; i++) {
      const cpu0 = engineCpu();
      const pods = await rawPods(docker, network, count, `p${i}`);
      const podsEngineCpu = engineCpu() - cpu0;
      await withDeadline(removeLabelled(docker, false), DEADLINE_MS, 'cleanup');
      const podsPooled = await rawPods(docker, network, count, `q${i}`, POOL);
      await withDeadline(removeLabelled(docker, false), DEADLINE_MS, 'cleanup');
      const containers = await singles(docker, network, count, `s${i}`);
      await withDeadline(removeLabelled(docker, false), DEADLINE_MS, 'cleanup');
      out.push({ pods, podsEngineCpu, podsPooled, containers });
      log(`engine floor: ${count} raw pods ${(pods / 1000).toFixed(2)} s (engine CPU ${podsEngineCpu.toFixed(1)} s; ${POOL} at a time: ${(podsPooled / 1000).toFixed(2)} s), ${count} single containers ${(containers / 1000).toFixed(2)} s`);
    }
  } finally {
    await withDeadline(removeLabelled(docker, true), DEADLINE_MS, 'cleanup');
  }
  return out;
}
