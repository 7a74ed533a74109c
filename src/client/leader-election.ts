/**
 * Leader election on a coordination.k8s.io Lease, as client-go's leaderelection package does it:
 * a candidate acquires the Lease when it is free or expired, renews it every retry period, and
 * stops acting once it cannot renew within the renew deadline. Writes carry the resourceVersion
 * read, so two candidates never both win the same round.
 */
import { hostname } from 'node:os';
import { isAlreadyExists, isConflict, isNotFound } from '../api/machinery/errors.js';
import type { KObject } from '../api/machinery/object.js';
import type { KubeClient } from './rest-client.js';
import { Refs } from './resources.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface ElectionDecision {
  /** Whether this candidate may write the Lease now (acquire or renew). */
  take: boolean;
  /** The spec to write when take is true. */
  spec?: LeaseSpec;
}

/** Lease times as Kubernetes writes them (MicroTime: microseconds). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

/**
 * Whether `identity` may hold the Lease at `now` and what to write: a Lease held by someone else
 * is taken only once renewTime + leaseDurationSeconds has passed. Pure.
 */
export function decideElection(current: LeaseSpec | undefined, identity: string, durationSeconds: number, now: number): ElectionDecision {
  const holder = current?.holderIdentity ?? '';
  const renewed = current?.renewTime ? Date.parse(current.renewTime) : NaN;
  const duration = (current?.leaseDurationSeconds ?? durationSeconds) * 1000;
  const expired = !holder || Number.isNaN(renewed) || renewed + duration <= now;
  if (holder !== identity && !expired) return { take: false };
  const ours = holder === identity;
  return {
    take: true,
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: ours && current?.acquireTime ? current.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (current?.leaseTransitions ?? 0) + (current && !ours ? 1 : 0),
    },
  };
}

export type LeaseClient = Pick<KubeClient, 'get' | 'create' | 'update'>;

export interface LeaderElectorOptions {
  client: LeaseClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  now?: () => number;
}

/** A default identity: the host plus a per-instance suffix. */
export function defaultIdentity(suffix: string): string {
  return `${hostname()}_${suffix}`;
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private lastRenew = 0;
  private readonly duration: number;
  private readonly renewDeadline: number;
  private readonly retryPeriod: number;
  private readonly now: () => number;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.duration = opts.leaseDurationSeconds ?? 15;
    this.renewDeadline = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriod = opts.retryPeriodMs ?? 2_000;
    this.now = opts.now ?? Date.now;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Resolves after the first round, so a candidate that can lead at once already does. */
  start(): Promise<void> {
    return this.tick();
  }

  /** Stops acting and releases the Lease so another candidate need not wait for it to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.setLeading(false);
    try {
      const cur = await this.opts.client.get(Refs.leases, this.opts.namespace, this.opts.name);
      const spec = (cur.spec ?? {}) as LeaseSpec;
      if (spec.holderIdentity !== this.opts.identity) return;
      await this.opts.client.update(Refs.leases, { ...cur, spec: { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.now()) } });
    } catch {
      // The Lease expires on its own.
    }
  }

  /** One acquire-or-renew round; true when this candidate holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.opts;
    let cur: KObject | undefined;
    try {
      cur = await client.get(Refs.leases, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const decision = decideElection(cur?.spec as LeaseSpec | undefined, identity, this.duration, this.now());
    if (!decision.take) return false;
    try {
      if (!cur) {
        await client.create(Refs.leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: { ...decision.spec } });
      } else {
        await client.update(Refs.leases, { ...cur, spec: { ...(cur.spec as object), ...decision.spec } });
      }
      return true;
    } catch (err) {
      // Someone else wrote the Lease between our read and write: they won this round.
      if (isConflict(err) || isAlreadyExists(err)) return false;
      throw err;
    }
  }

  private setLeading(v: boolean): void {
    if (v === this.leading) return;
    this.leading = v;
    if (v) this.opts.onStartedLeading();
    else this.opts.onStoppedLeading();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let held = false;
    try {
      held = await this.tryAcquireOrRenew();
    } catch {
      held = false;
    }
    if (this.stopped) return;
    if (held) {
      this.lastRenew = this.now();
      this.setLeading(true);
    } else if (this.leading && (this.now() - this.lastRenew >= this.renewDeadline || !(await this.stillOurs()))) {
      this.setLeading(false);
    }
    this.timer = setTimeout(() => void this.tick(), this.retryPeriod);
    this.timer.unref();
  }

  /** After a lost round: whether the Lease still names us (a failed write) or another holder (lost). */
  private async stillOurs(): Promise<boolean> {
    try {
      const cur = await this.opts.client.get(Refs.leases, this.opts.namespace, this.opts.name);
      return (cur.spec as LeaseSpec | undefined)?.holderIdentity === this.opts.identity;
    } catch {
      return true;
    }
  }
}
