/**
 * The open Service sockets: opens and closes servers as the listener diff says and lets a socket switch
 * to another route without reopening. Opening never throws: a busy port comes back as an error value.
 */
import type { Server } from 'node:net';
import type { ListenerSpec } from './listeners.js';

interface Open {
  spec: ListenerSpec;
  routeKey: string;
  server: Server;
}

/** Makes the server for a listener; `routeKey()` reads the listener's current route at accept time. */
export type ServerFactory = (spec: ListenerSpec, routeKey: () => string) => Server;

export class ListenerSet {
  private readonly open = new Map<string, Open>();

  constructor(private readonly factory: ServerFactory) {}

  current(): ReadonlyMap<string, Pick<ListenerSpec, 'mode' | 'routeKey'>> {
    const out = new Map<string, Pick<ListenerSpec, 'mode' | 'routeKey'>>();
    for (const [id, o] of this.open) out.set(id, { mode: o.spec.mode, routeKey: o.routeKey });
    return out;
  }

  /** Resolves to undefined once listening, or to the error (EADDRINUSE, EADDRNOTAVAIL, EACCES). */
  listen(spec: ListenerSpec): Promise<NodeJS.ErrnoException | undefined> {
    const entry: Open = { spec, routeKey: spec.routeKey, server: undefined as unknown as Server };
    entry.server = this.factory(spec, () => entry.routeKey);
    return new Promise((resolve) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        entry.server.close();
        resolve(err);
      };
      entry.server.once('error', onError);
      entry.server.listen({ host: spec.address, port: spec.port, exclusive: true }, () => {
        entry.server.off('error', onError);
        // Later errors (e.g. EMFILE on accept) are the server's own; Node keeps listening.
        entry.server.on('error', () => undefined);
        this.open.set(spec.id, entry);
        resolve(undefined);
      });
    });
  }

  retarget(spec: ListenerSpec): void {
    const o = this.open.get(spec.id);
    if (o) {
      o.routeKey = spec.routeKey;
      o.spec = spec;
    }
  }

  /** Stops accepting; idle keep-alive connections close, requests in flight finish. */
  close(id: string): Promise<void> {
    const o = this.open.get(id);
    if (!o) return Promise.resolve();
    this.open.delete(id);
    return new Promise((resolve) => {
      o.server.close(() => resolve());
      const maybeHttp = o.server as Server & { closeIdleConnections?: () => void };
      maybeHttp.closeIdleConnections?.();
      // Long-lived connections must not hold a shutdown: resolve once the socket stops accepting.
      setImmediate(resolve);
    });
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((id) => this.close(id)));
  }

  ids(): string[] {
    return [...this.open.keys()];
  }
}
