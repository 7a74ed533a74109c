/** The node agent's prober: a worker per container probe, cached verdicts, and the queries the agent asks. */
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import { realClock, type Clock } from './clock.js';
import type { ExecSync } from './exec-runner.js';
import { createProber, defaultRunners } from './prober.js';
import { ResultsManager, type ResultUpdate } from './results-manager.js';
import { probeTypeTitle, type ProbeEvent, type ProbeResult, type ProbeRunner, type ProbeType } from './types.js';
import { ProbeWorker, type ContainerInfo } from './worker.js';

export interface ProbeManagerOptions {
  /** The runtime's execSync, for exec probes. */
  execSync: ExecSync;
  clock?: Clock;
  /** Records a container event (Unhealthy on each failed probe, ProbeWarning). */
  recordEvent?: (e: ProbeEvent) => void;
  /** Replaces the real runners (tests script verdicts through it). */
  runner?: ProbeRunner;
  /** Source of the first probe's jitter, in [0, 1). */
  random?: () => number;
  /** Told of every probe run's result (prober_probe_total). */
  observe?: (e: { probeType: ProbeType; result: ProbeResult; pod: Pod; container: string }) => void;
}

export type { ContainerInfo } from './worker.js';

function workerKey(podUid: string, name: string, type: ProbeType): string {
  return `${podUid}\u0000${name}\u0000${type}`;
}

function containerKey(podUid: string, name: string): string {
  return `${podUid}\u0000${name}`;
}

const PROBE_FIELDS: [ProbeType, (c: Container) => Probe | undefined][] = [
  ['startup', (c) => c.startupProbe],
  ['readiness', (c) => c.readinessProbe],
  ['liveness', (c) => c.livenessProbe],
];

/**
 * ProbeManager runs a worker for every probe a pod's containers declare (addPod), caches
 * the verdicts and answers the agent's questions about one container instance: is it
 * started, is it ready, must it be killed (unhealthyReason). The agent tells it which
 * instance of each container runs (updateContainer), since verdicts are per instance, and
 * re-syncs the pod when onChange fires. Probe parameters are fixed at addPod: a pod's probes
 * cannot change without the pod being replaced. All methods return at once; workers run on
 * the clock in the background until removePod, cleanupPods or stop.
 */
export class ProbeManager {
  readonly results = new ResultsManager();
  private readonly workers = new Map<string, ProbeWorker>();
  private readonly containers = new Map<string, ContainerInfo>();
  private readonly clock: Clock;
  private readonly run: ProbeRunner;
  private readonly random: () => number;
  private readonly recordEvent: (e: ProbeEvent) => void;
  private readonly start: number;
  private readonly observe?: ProbeManagerOptions['observe'];

  constructor(opts: ProbeManagerOptions) {
    this.observe = opts.observe;
    this.clock = opts.clock ?? realClock;
    this.run = opts.runner ?? createProber(defaultRunners(opts.execSync));
    this.random = opts.random ?? Math.random;
    this.recordEvent = opts.recordEvent ?? (() => undefined);
    this.start = this.clock.now();
  }

  /** Starts workers for every probe of the pod's containers; already running ones are kept. */
  addPod(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    // Sidecars (restartable init containers) are probed like app containers.
    const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
    for (const c of [...sidecars, ...(pod.spec?.containers ?? [])]) {
      for (const [type, field] of PROBE_FIELDS) {
        const spec = field(c);
        if (!spec) continue;
        const key = workerKey(uid, c.name, type);
        if (this.workers.has(key)) continue;
        const w = new ProbeWorker(pod, c, spec, type, {
          clock: this.clock,
          results: this.results,
          run: this.run,
          random: this.random,
          managerStart: this.start,
          container: (podUid, name) => this.containers.get(containerKey(podUid, name)),
          started: (podUid, name, id) => this.isStarted(podUid, name, id),
          recordEvent: this.recordEvent,
          observe: (worker, result) => this.observe?.({ probeType: worker.probeType, result, pod: worker.pod, container: worker.container.name }),
          exited: (done) => this.workerExited(key, done),
        });
        this.workers.set(key, w);
        w.start();
      }
    }
  }

  /** Stops the pod's workers and forgets its verdicts. */
  removePod(uid: string): void {
    for (const w of [...this.workers.values()]) if (w.key.podUid === uid) this.stopWorker(w);
    for (const k of [...this.containers.keys()]) if (k.startsWith(`${uid}\u0000`)) this.containers.delete(k);
  }

  /** Removes every pod not in `desired` (the agent's periodic housekeeping). */
  cleanupPods(desired: Iterable<string>): void {
    const keep = new Set(desired);
    const uids = new Set([...this.workers.values()].map((w) => w.key.podUid));
    for (const k of this.containers.keys()) uids.add(k.split('\u0000')[0]!);
    for (const uid of uids) if (!keep.has(uid)) this.removePod(uid);
  }

  /**
   * Stops liveness and startup probing for a pod being deleted, so a container shutting down
   * gracefully is not also killed as unhealthy. Readiness keeps running.
   */
  stopLivenessAndStartup(uid: string): void {
    for (const w of [...this.workers.values()]) {
      if (w.key.podUid === uid && w.probeType !== 'readiness') this.stopWorker(w);
    }
  }

  /** Which instance of a container runs now; a new id restarts its probes from the initial verdicts. */
  updateContainer(podUid: string, name: string, info: ContainerInfo): void {
    const k = containerKey(podUid, name);
    const prev = this.containers.get(k);
    this.containers.set(k, { ...info });
    if (prev && prev.id === info.id && prev.running === info.running) return;
    // Probe the new instance now rather than up to a period later.
    for (const type of ['startup', 'readiness', 'liveness'] as const) this.workers.get(workerKey(podUid, name, type))?.trigger();
  }

  /** Whether the startup probe passed for this instance (true when there is none). */
  isStarted(podUid: string, name: string, id: string): boolean {
    const r = this.results.get({ podUid, containerName: name, probeType: 'startup' });
    if (r && r.containerId === id) return r.result === 'success';
    return !this.workers.has(workerKey(podUid, name, 'startup'));
  }

  /** Whether the instance is started and its readiness probe passed (true when there is none). */
  isReady(podUid: string, name: string, id: string): boolean {
    if (!this.isStarted(podUid, name, id)) return false;
    const r = this.results.get({ podUid, containerName: name, probeType: 'readiness' });
    if (r && r.containerId === id && r.result === 'success') return true;
    // Probes run on their own period; status reads must not add runs (each failed run is an event).
    return !this.workers.has(workerKey(podUid, name, 'readiness'));
  }

  /**
   * Why the instance must be killed, when its liveness or startup verdict is failure:
   * `Liveness probe failed: HTTP probe failed with statuscode: 500`. Undefined otherwise.
   */
  unhealthyReason(podUid: string, name: string, id: string): string | undefined {
    for (const type of ['liveness', 'startup'] as const) {
      const r = this.results.get({ podUid, containerName: name, probeType: type });
      if (r && r.containerId === id && r.result === 'failure') return `${probeTypeTitle(type)} probe failed: ${r.output}`;
    }
    return undefined;
  }

  /** Called on every verdict change; returns the unsubscribe function. */
  onChange(listener: (u: ResultUpdate) => void): () => void {
    return this.results.onUpdate(listener);
  }

  workerCount(): number {
    return this.workers.size;
  }

  /** Stops every worker and waits for their loops to end (agent shutdown). */
  async stop(): Promise<void> {
    const all = [...this.workers.values()];
    for (const w of all) this.stopWorker(w);
    this.containers.clear();
    await Promise.all(all.map((w) => w.done));
  }

  private stopWorker(w: ProbeWorker): void {
    const key = workerKey(w.key.podUid, w.key.containerName, w.probeType);
    // Out of the map at once, so a pod added again right away gets a fresh worker.
    if (this.workers.get(key) === w) this.workers.delete(key);
    w.stop();
    this.results.remove(w.key);
  }

  private workerExited(key: string, w: ProbeWorker): void {
    if (this.workers.get(key) === w) {
      this.workers.delete(key);
      this.results.remove(w.key);
    }
  }
}
