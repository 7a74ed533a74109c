/** One probe loop for one (pod, container, probe type), with the kubelet worker's semantics. */
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { Clock } from './clock.js';
import type { ResultKey, ResultsManager } from './results-manager.js';
import { probeTiming, probeTypeTitle, type ProbeEvent, type ProbeResult, type ProbeRunner, type ProbeType } from './types.js';

/** The running instance of a container, as the agent last saw it. */
export interface ContainerInfo {
  id: string;
  /** When the instance started (initialDelaySeconds counts from here). */
  startedAt?: Date | number;
  podIP?: string;
  running: boolean;
}

/** What a worker needs from its manager; all reads are of current state, never copies. */
export interface WorkerContext {
  clock: Clock;
  results: ResultsManager;
  run: ProbeRunner;
  random: () => number;
  /** When the manager started: workers born soon after it spread their first probe. */
  managerStart: number;
  container(podUid: string, name: string): ContainerInfo | undefined;
  started(podUid: string, name: string, id: string): boolean;
  recordEvent(e: ProbeEvent): void;
  /** Told of every probe run's raw result (before thresholds), for metrics. */
  observe?(worker: ProbeWorker, result: ProbeResult): void;
  /** Called once the loop has ended and the worker's results are gone. */
  exited(w: ProbeWorker): void;
}

/** The verdict a container instance has before its first counted probe. */
export const INITIAL_RESULT: Record<ProbeType, ProbeResult> = {
  // Not ready until proven ready; alive until proven dead; startup undecided.
  readiness: 'failure',
  liveness: 'success',
  startup: 'unknown',
};

function millis(d: Date | number | undefined): number | undefined {
  return d === undefined ? undefined : typeof d === 'number' ? d : d.getTime();
}

/**
 * Probes its container every periodSeconds until stopped. Inputs are read-only (pod,
 * container, spec); the rest is the loop's own state. Verdicts go to the ResultsManager; a
 * verdict changes only after successThreshold/failureThreshold equal results in a row. After
 * a liveness or startup failure the worker holds until the container has a new ID: the old
 * instance is being killed, and probing it (an exec into a stopping container) helps no one.
 */
export class ProbeWorker {
  readonly key: ResultKey;
  /** Resolves when the loop has ended and cleaned up. */
  readonly done: Promise<void>;

  private readonly timing: ReturnType<typeof probeTiming>;
  private containerId: string | undefined;
  private lastResult: ProbeResult | undefined;
  /** How many times in a row the probe has returned lastResult. */
  private resultRun = 0;
  private onHold = false;
  private stopped = false;
  private triggered = false;
  /** Aborted to cut the current wait short (stop or manual trigger). */
  private wake = new AbortController();
  /** Aborted on stop, cancelling a probe in flight. */
  private readonly stopSignal = new AbortController();
  private resolveDone!: () => void;

  constructor(
    readonly pod: Pod,
    readonly container: Container,
    readonly spec: Probe,
    readonly probeType: ProbeType,
    private readonly ctx: WorkerContext,
  ) {
    this.key = { podUid: pod.metadata?.uid ?? '', containerName: container.name, probeType };
    this.timing = probeTiming(spec);
    this.done = new Promise<void>((r) => {
      this.resolveDone = r;
    });
  }

  start(): void {
    void this.run();
  }

  /** Ends the loop; safe to call any number of times, never waits. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopSignal.abort();
    this.wake.abort();
  }

  /** Runs a probe now instead of at the next tick (queued if one is running). */
  trigger(): void {
    if (this.stopped) return;
    this.triggered = true;
    this.wake.abort();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private async sleep(ms: number): Promise<void> {
    if (this.stopped || this.triggered || ms <= 0) return;
    if (this.wake.signal.aborted) this.wake = new AbortController();
    await this.ctx.clock.sleep(ms, this.wake.signal);
  }

  private async run(): Promise<void> {
    const { clock } = this.ctx;
    const period = this.timing.periodMs;
    try {
      // Many workers created at once (the agent restarting) would probe in lockstep: spread them.
      // Triggers do not cut this short (the agent reports every container right after a restart),
      // only stop does; a trigger that came in meanwhile makes the first probe run right after.
      const jitter = Math.floor(this.ctx.random() * period);
      if (period > clock.now() - this.ctx.managerStart && jitter > 0) await clock.sleep(jitter, this.stopSignal.signal);
      this.triggered = false;
      let nextTick = clock.now() + period;
      while (!this.stopped && (await this.safeProbe())) {
        // Wait for the next tick, a manual trigger or stop; ticks missed while probing are dropped.
        await this.sleep(nextTick - clock.now());
        if (this.stopped) break;
        this.triggered = false;
        if (this.wake.signal.aborted) this.wake = new AbortController();
        const now = clock.now();
        while (nextTick <= now) nextTick += period;
      }
    } finally {
      this.stopped = true;
      this.ctx.exited(this);
      this.resolveDone();
    }
  }

  private event(reason: ProbeEvent['reason'], message: string): void {
    try {
      this.ctx.recordEvent({
        type: 'Warning',
        reason,
        message,
        podUid: this.key.podUid,
        namespace: this.pod.metadata?.namespace ?? '',
        podName: this.pod.metadata?.name ?? '',
        containerName: this.container.name,
        fieldPath: `spec.containers{${this.container.name}}`,
      });
    } catch {
      // Event recording is best effort; probing goes on.
    }
  }

  private setResult(result: ProbeResult, output: string): void {
    if (this.containerId === undefined) return;
    this.ctx.results.set(this.key, { containerId: this.containerId, result, output });
  }

  /** doProbe, with an unexpected throw costing one period rather than the whole loop (the kubelet recovers too). */
  private async safeProbe(): Promise<boolean> {
    try {
      return await this.doProbe();
    } catch {
      return !this.stopped;
    }
  }

  /** Probes once if the container is due for it; returns whether the loop goes on. */
  async doProbe(): Promise<boolean> {
    const { clock, results } = this.ctx;
    const c = this.ctx.container(this.key.podUid, this.container.name);
    // Not created yet, or gone: wait for the agent to report an instance.
    if (!c?.id) return true;

    if (c.id !== this.containerId) {
      this.containerId = c.id;
      results.set(this.key, { containerId: c.id, result: INITIAL_RESULT[this.probeType], output: '' });
      // A new instance: whatever held the old one back does not apply.
      this.onHold = false;
    }
    if (this.onHold) return true;

    if (!c.running) {
      this.setResult('failure', 'container is not running');
      return true;
    }

    const startedAt = millis(c.startedAt);
    // Whole seconds since start, as the kubelet truncates them.
    if (startedAt !== undefined && Math.floor((clock.now() - startedAt) / 1000) * 1000 < this.timing.initialDelayMs) return true;

    const started = this.ctx.started(this.key.podUid, this.container.name, c.id);
    // The startup probe has done its job once the container started; the others wait for that.
    if (started ? this.probeType === 'startup' : this.probeType !== 'startup') return true;

    const probeId = c.id;
    const abort = new AbortController();
    const onStop = (): void => abort.abort();
    this.stopSignal.signal.addEventListener('abort', onStop, { once: true });
    const timer = new AbortController();
    void clock.sleep(this.timing.timeoutMs, timer.signal).then(() => {
      if (!timer.signal.aborted) abort.abort();
    });
    let outcome;
    try {
      outcome = await this.ctx.run(this.spec, { podIP: c.podIP, containerId: probeId, container: this.container }, abort.signal);
    } catch (err) {
      outcome = { result: 'unknown' as const, output: err instanceof Error ? err.message : String(err) };
    } finally {
      timer.abort();
      this.stopSignal.signal.removeEventListener('abort', onStop);
    }
    if (this.stopped) return false;
    // The instance changed while the probe ran: its verdict is about a container that is gone.
    if (probeId !== this.containerId) return true;
    this.ctx.observe?.(this, outcome.result);

    const title = probeTypeTitle(this.probeType);
    if (outcome.result === 'unknown') {
      // No verdict (the probe could not be run): reported, not counted.
      this.event('Unhealthy', `${title} probe errored and resulted in unknown state: ${outcome.output}`);
      return true;
    }
    if (outcome.result === 'failure') this.event('Unhealthy', `${title} probe failed: ${outcome.output}`);
    else if (outcome.warning) this.event('ProbeWarning', `${title} probe warning: ${outcome.output}`);

    const result = outcome.result;
    if (this.lastResult === result) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    if ((result === 'failure' && this.resultRun < this.timing.failureThreshold) || (result === 'success' && this.resultRun < this.timing.successThreshold)) {
      // Below threshold: the cached verdict stands.
      return true;
    }
    this.setResult(result, outcome.output);

    if ((this.probeType === 'liveness' || this.probeType === 'startup') && result === 'failure') {
      // The container will be restarted; hold until its replacement shows up.
      this.onHold = true;
      this.resultRun = 0;
    }
    return true;
  }
}
