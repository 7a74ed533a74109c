/** Watch streams from the API: newline-delimited events, parsed as they arrive. */
import type { Status } from '../api/machinery/errors.js';
import type { KObject } from '../api/machinery/object.js';
import { type KubeClient, type ListOptions, type ResourceRef, resourcePath } from './rest-client.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KObject = KObject> {
  type: WatchEventType;
  object: T;
}

export interface WatchHandle {
  /** Resolves when the stream ends: closed by the server, by stop(), or broken. */
  done: Promise<void>;
  stop(): void;
}

/**
 * SKIFF_WATCH_DELAY_MS holds back every watch event this process receives by that many milliseconds, in order:
 * fault injection for benchmarks and tests that prove a lagging watch never causes extra pods.
 */
const injectedDelayMs = Number(process.env.SKIFF_WATCH_DELAY_MS ?? 0) || 0;

export interface WatchOptions extends ListOptions {
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
}

/** Opens a watch; `onEvent` sees each event in order. A Status ERROR event comes through as type ERROR. */
export function watch<T extends KObject = KObject>(
  client: KubeClient, ref: ResourceRef, namespace: string | undefined, opts: WatchOptions,
  onEvent: (e: WatchEvent<T>) => void,
): WatchHandle {
  const q = new URLSearchParams({ watch: 'true' });
  for (const [k, v] of Object.entries(opts)) if (v !== undefined && v !== '') q.set(k, String(v));
  let stopped = false;
  let abort: (() => void) | undefined;
  const done = (async () => {
    const res = await client.raw('GET', `${resourcePath(ref, namespace)}?${q.toString()}`);
    abort = () => res.destroy();
    if (stopped) {
      res.destroy();
      return;
    }
    if ((res.statusCode ?? 0) >= 300) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      let status: Status | undefined;
      try {
        status = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Status;
      } catch {
        status = undefined;
      }
      onEvent({ type: 'ERROR', object: (status ?? { kind: 'Status', code: res.statusCode }) as unknown as T });
      return;
    }
    let buf = '';
    let delivered: Promise<void> = Promise.resolve();
    const deliver = (e: WatchEvent<T>): void => {
      if (injectedDelayMs <= 0) return onEvent(e);
      const due = Date.now() + injectedDelayMs;
      delivered = delivered.then(() => new Promise<void>((r) => setTimeout(r, Math.max(0, due - Date.now())))).then(() => {
        if (!stopped) onEvent(e);
      });
    };
    try {
      for await (const chunk of res) {
        buf += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) deliver(JSON.parse(line) as WatchEvent<T>);
        }
      }
    } catch (err) {
      if (!stopped) throw err;
    } finally {
      // A delayed stream ends only after its last event is delivered, so a relist never overtakes it.
      await delivered;
    }
  })();
  return {
    done: done.catch(() => undefined),
    stop: () => {
      stopped = true;
      abort?.();
    },
  };
}
