/** The cache of probe verdicts per (pod, container, probe type), with a feed that fires on change only. */
import type { ProbeResult, ProbeType } from './types.js';

export interface ResultKey {
  podUid: string;
  containerName: string;
  probeType: ProbeType;
}

export interface ResultEntry {
  /** The container instance the verdict is about; a verdict never outlives its instance. */
  containerId: string;
  result: ProbeResult;
  /** The probe's output behind the verdict (shown in kill messages). */
  output: string;
}

export type ResultUpdate = ResultKey & ResultEntry;

export type ResultListener = (u: ResultUpdate) => void;

function keyOf(k: ResultKey): string {
  return `${k.podUid}\u0000${k.containerName}\u0000${k.probeType}`;
}

/**
 * Workers write, the manager's queries read. A listener hears about a verdict only when it
 * differs from the cached one (another result, or the same result for a new container
 * instance), so a probe that keeps passing does not keep waking the agent. Listeners run
 * synchronously inside `set`; one that throws does not stop the others.
 */
export class ResultsManager {
  private readonly cache = new Map<string, ResultEntry>();
  private readonly listeners = new Set<ResultListener>();

  get(key: ResultKey): ResultEntry | undefined {
    return this.cache.get(keyOf(key));
  }

  /** Stores the verdict; returns whether it changed (and so was announced). */
  set(key: ResultKey, entry: ResultEntry): boolean {
    const k = keyOf(key);
    const prev = this.cache.get(k);
    this.cache.set(k, { ...entry });
    const changed = !prev || prev.result !== entry.result || prev.containerId !== entry.containerId;
    if (changed) {
      const update: ResultUpdate = { ...key, ...entry };
      for (const l of [...this.listeners]) {
        try {
          l(update);
        } catch {
          // A listener's failure is its own; the cache is already consistent.
        }
      }
    }
    return changed;
  }

  remove(key: ResultKey): void {
    this.cache.delete(keyOf(key));
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onUpdate(listener: ResultListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  size(): number {
    return this.cache.size;
  }
}
