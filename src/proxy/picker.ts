/**
 * Endpoint picking for one Service port: round robin over the route's endpoints, sessionAffinity ClientIP
 * (a client keeps its endpoint while it stays usable and the timeout has not run out since its last
 * connection), and exclusion of endpoints already tried for this request (retries after a refusal).
 */
import type { Endpoint, ServicePortRoute } from './types.js';

interface Sticky {
  endpointKey: string;
  lastUsed: number;
}

/** Affinity entries kept per Service port before the oldest are dropped, so memory stays bounded. */
const MAX_AFFINITY_ENTRIES = 10_000;

export class EndpointPicker {
  private next = 0;
  private readonly affinity = new Map<string, Sticky>();

  /**
   * The endpoint for a new connection or request from `clientIP`, or undefined when every endpoint is
   * excluded (or there are none).
   */
  pick(route: ServicePortRoute, clientIP: string, now: number, exclude?: ReadonlySet<string>): Endpoint | undefined {
    const eps = route.endpoints;
    if (eps.length === 0) return undefined;
    const timeout = route.affinityTimeoutMs;
    if (timeout !== undefined) {
      const s = this.affinity.get(clientIP);
      if (s && now - s.lastUsed <= timeout && !exclude?.has(s.endpointKey)) {
        const ep = eps.find((e) => e.key === s.endpointKey);
        if (ep) {
          s.lastUsed = now;
          return ep;
        }
      }
    }
    const ep = this.roundRobin(eps, exclude);
    if (ep && timeout !== undefined) this.stick(clientIP, ep.key, now);
    return ep;
  }

  private roundRobin(eps: readonly Endpoint[], exclude?: ReadonlySet<string>): Endpoint | undefined {
    for (let i = 0; i < eps.length; i++) {
      const ep = eps[(this.next + i) % eps.length];
      if (exclude?.has(ep.key)) continue;
      this.next = (this.next + i + 1) % eps.length;
      return ep;
    }
    return undefined;
  }

  private stick(clientIP: string, endpointKey: string, now: number): void {
    this.affinity.delete(clientIP);
    this.affinity.set(clientIP, { endpointKey, lastUsed: now });
    if (this.affinity.size > MAX_AFFINITY_ENTRIES) this.affinity.delete(this.affinity.keys().next().value as string);
  }
}

/** Errors after which the request never reached a backend, so another endpoint may take it. */
export function isRetryableConnectError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT';
}

/** How many other endpoints one request may try after a refused connection. */
export const MAX_CONNECT_ATTEMPTS = 3;
