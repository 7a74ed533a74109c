/**
 * The proxy's Prometheus metrics, in a Registry of its own (never the global one) that whoever serves
 * /metrics mounts. Label children are cached per Service port so the data path does no label hashing.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServicePortRoute } from './types.js';

/** Per Service port instruments, resolved once per route. */
export interface RouteMetrics {
  /** Counts one finished request or connection with its status code (`tcp` connections use `-`). */
  done(code: number | string, seconds: number): void;
  inFlight: { inc(): void; dec(): void };
  bytes(received: number, sent: number): void;
}

export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'skiff_proxy_requests_total', help: 'Requests (HTTP ports) or connections (TCP ports) proxied per Service port, by status code.',
    labelNames: ['namespace', 'service', 'port', 'code'] as const, registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'skiff_proxy_request_duration_seconds', help: 'Time from a request (or connection) arriving to its response finishing (or connection closing).',
    labelNames: ['namespace', 'service', 'port'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60], registers: [this.registry],
  });
  private readonly inflight = new Gauge({
    name: 'skiff_proxy_requests_in_flight', help: 'Requests or connections being proxied now per Service port.',
    labelNames: ['namespace', 'service', 'port'] as const, registers: [this.registry],
  });
  private readonly bytesIn = new Counter({
    name: 'skiff_proxy_received_bytes_total', help: 'Bytes received from clients per Service port, counted when a client connection closes.',
    labelNames: ['namespace', 'service', 'port'] as const, registers: [this.registry],
  });
  private readonly bytesOut = new Counter({
    name: 'skiff_proxy_sent_bytes_total', help: 'Bytes sent to clients per Service port, counted when a client connection closes.',
    labelNames: ['namespace', 'service', 'port'] as const, registers: [this.registry],
  });
  /** Endpoint or Service change observed → new route table in place. */
  readonly syncDuration = new Histogram({
    name: 'skiff_proxy_sync_duration_seconds', help: 'Time from the proxy observing a Service or EndpointSlice change to the route table that reflects it.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [this.registry],
  });
  readonly listenerFailures = new Counter({
    name: 'skiff_proxy_listen_failures_total', help: 'Attempts to open a Service socket that failed (port in use, address missing).',
    labelNames: ['kind'] as const, registers: [this.registry],
  });
  private readonly cache = new Map<string, RouteMetrics>();
  private readonly codes = new Map<string, Set<string>>();

  forRoute(route: Pick<ServicePortRoute, 'key' | 'namespace' | 'service' | 'portLabel'>): RouteMetrics {
    const hit = this.cache.get(route.key);
    if (hit) return hit;
    const labels = { namespace: route.namespace, service: route.service, port: route.portLabel };
    const codes = new Set<string>();
    this.codes.set(route.key, codes);
    const byCode = new Map<number | string, ReturnType<typeof this.requests.labels>>();
    const hist = this.duration.labels(labels);
    const inFlight = this.inflight.labels(labels);
    const bin = this.bytesIn.labels(labels);
    const bout = this.bytesOut.labels(labels);
    const m: RouteMetrics = {
      done: (code, seconds) => {
        let c = byCode.get(code);
        if (!c) {
          byCode.set(code, (c = this.requests.labels({ ...labels, code: String(code) })));
          codes.add(String(code));
        }
        c.inc();
        hist.observe(seconds);
      },
      inFlight,
      bytes: (received, sent) => {
        if (received) bin.inc(received);
        if (sent) bout.inc(sent);
      },
    };
    this.cache.set(route.key, m);
    return m;
  }

  /** Drops the series of a Service port that is gone, so Services that come and go leak no series. */
  forget(route: Pick<ServicePortRoute, 'key' | 'namespace' | 'service' | 'portLabel'>): void {
    if (!this.cache.delete(route.key)) return;
    const labels = { namespace: route.namespace, service: route.service, port: route.portLabel };
    for (const m of [this.duration, this.inflight, this.bytesIn, this.bytesOut]) m.remove(labels);
    for (const code of this.codes.get(route.key) ?? []) this.requests.remove({ ...labels, code });
    this.codes.delete(route.key);
  }
}
