/**
 * Samples the node's containers on a bounded interval: one engine listing of sandboxes and containers,
 * then one-shot engine stats for the running ones with limited concurrency. Everything the agent
 * exports about usage (cAdvisor series, the summary behind `kubectl top`, running counts) reads
 * the latest snapshot, so a scrape never waits on the engine.
 */
import { LABEL_CLUSTER, LABEL_NODE, LABEL_POD_NAME, LABEL_POD_NAMESPACE, type ContainerStats, type ContainerStatus, type Runtime, type SandboxStatus } from '../../runtime/runtime.js';
import { readHost, type HostSample } from './host.js';

export interface ContainerSample {
  status: ContainerStatus;
  namespace: string;
  podName: string;
  stats: ContainerStats;
  /** CPU rate over the last two samples, in billionths of a core; undefined after the first sample. */
  cpuNanoCores?: number;
}

export interface SandboxSample {
  status: SandboxStatus;
  stats?: ContainerStats;
}

export interface Snapshot {
  time: Date;
  sandboxes: SandboxStatus[];
  containers: ContainerStatus[];
  /** Running app containers with their stats. */
  samples: ContainerSample[];
  /** Ready sandboxes with their network counters. */
  sandboxSamples: SandboxSample[];
  host?: HostSample;
  hostCpuNanoCores?: number;
}

/** What is known before the first round: nothing runs yet. */
export const EMPTY_SNAPSHOT: Snapshot = { time: new Date(0), sandboxes: [], containers: [], samples: [], sandboxSamples: [] };

export interface StatsCollectorOptions {
  runtime: Runtime;
  clusterName: string;
  nodeName: string;
  /** Default 10 s, as metrics-server's resolution. */
  intervalMs?: number;
  /** Engine stats calls in flight at once; default 4. */
  concurrency?: number;
  /** A follow-up sample this soon after new containers appear, so their CPU rate exists quickly; default 2 s. */
  firstRateMs?: number;
  readHost?: () => HostSample;
  onSnapshot?: (s: Snapshot) => void;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Nanocores between two cumulative CPU samples; undefined when time did not advance or the counter went back. */
export function cpuRate(prev: { cpuUsageNanoSeconds: number; timeMs: number } | undefined, cur: { cpuUsageNanoSeconds: number; timeMs: number }): number | undefined {
  if (!prev) return undefined;
  const dt = (cur.timeMs - prev.timeMs) / 1000;
  const dc = cur.cpuUsageNanoSeconds - prev.cpuUsageNanoSeconds;
  if (dt <= 0 || dc < 0) return undefined;
  return dc / dt;
}

export class StatsCollector {
  private current: Snapshot = EMPTY_SNAPSHOT;
  private readonly previous = new Map<string, { cpuUsageNanoSeconds: number; timeMs: number }>();
  private timer?: NodeJS.Timeout;
  private followUp?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(private readonly opts: StatsCollectorOptions) {}

  get snapshot(): Snapshot {
    return this.current;
  }

  start(): void {
    const tick = (): void => {
      void this.collect().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs ?? 10_000);
        this.timer?.unref();
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.followUp) clearTimeout(this.followUp);
    await this.running;
  }

  /** One sampling round; rounds never overlap. */
  collect(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.round().catch(() => undefined).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<void> {
    const { runtime } = this.opts;
    const filter = { labels: { [LABEL_CLUSTER]: this.opts.clusterName, [LABEL_NODE]: this.opts.nodeName } };
    const { sandboxes, containers } = await runtime.listAll(filter);
    const limit = this.opts.concurrency ?? 4;
    const running = containers.filter((c) => c.state === 'running');
    const ready = sandboxes.filter((s) => s.state === 'ready');
    const stats = await mapLimited(running, limit, (c) => runtime.stats(c.id, { network: false }).catch(() => undefined));
    const sandboxStats = await mapLimited(ready, limit, (s) => runtime.stats(s.id).catch(() => undefined));
    const host = (this.opts.readHost ?? readHost)();
    const samples: ContainerSample[] = [];
    let fresh = false;
    const seen = new Set<string>();
    running.forEach((c, i) => {
      const s = stats[i];
      if (!s) return;
      seen.add(c.id);
      const cur = { cpuUsageNanoSeconds: s.cpuUsageNanoSeconds, timeMs: s.timestamp.getTime() };
      const cpuNanoCores = cpuRate(this.previous.get(c.id), cur);
      if (cpuNanoCores === undefined) fresh = true;
      this.previous.set(c.id, cur);
      samples.push({ status: c, namespace: c.labels[LABEL_POD_NAMESPACE] ?? '', podName: c.labels[LABEL_POD_NAME] ?? '', stats: s, cpuNanoCores });
    });
    const hostPrev = this.previous.get('host');
    const hostCur = { cpuUsageNanoSeconds: host.cpuUsageNanoSeconds, timeMs: host.timeMs };
    const hostCpuNanoCores = cpuRate(hostPrev, hostCur);
    if (hostCpuNanoCores === undefined) fresh = true;
    seen.add('host');
    this.previous.set('host', hostCur);
    for (const id of [...this.previous.keys()]) if (!seen.has(id)) this.previous.delete(id);
    this.current = {
      time: new Date(), sandboxes, containers, samples, host, hostCpuNanoCores,
      sandboxSamples: ready.map((s, i) => ({ status: s, stats: sandboxStats[i] })),
    };
    this.opts.onSnapshot?.(this.current);
    if (fresh && !this.stopped && !this.followUp) {
      this.followUp = setTimeout(() => {
        this.followUp = undefined;
        void this.collect();
      }, this.opts.firstRateMs ?? 2000);
      this.followUp.unref();
    }
  }
}
