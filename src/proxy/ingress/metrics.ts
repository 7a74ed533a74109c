/** Per-rule ingress metrics on a registry of their own, for whoever serves /metrics to mount. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RouteTarget } from './route-table.js';

const LABELS = ['namespace', 'ingress', 'host', 'path'] as const;
type RuleLabels = Record<(typeof LABELS)[number], string>;

export class IngressMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'skiff_ingress_requests_total', help: 'Requests served by the ingress, by rule and HTTP status code.', labelNames: [...LABELS, 'code'], registers: [this.registry] });
  private readonly duration = new Histogram({ name: 'skiff_ingress_request_duration_seconds', help: 'Time from request to the end of the response, by rule.', labelNames: [...LABELS], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  private readonly inFlight = new Gauge({ name: 'skiff_ingress_requests_in_flight', help: 'Requests being served by the ingress, by rule.', labelNames: [...LABELS], registers: [this.registry] });
  private readonly requestBytes = new Counter({ name: 'skiff_ingress_request_bytes_total', help: 'Request body bytes received by the ingress, by rule.', labelNames: [...LABELS], registers: [this.registry] });
  private readonly responseBytes = new Counter({ name: 'skiff_ingress_response_bytes_total', help: 'Response bytes sent by the ingress (headers included), by rule.', labelNames: [...LABELS], registers: [this.registry] });

  /** Requests that matched no rule are counted with empty rule labels. */
  static labelsOf(target: RouteTarget | undefined): RuleLabels {
    return target
      ? { namespace: target.namespace, ingress: target.ingress, host: target.host, path: target.path }
      : { namespace: '', ingress: '', host: '', path: '' };
  }

  /** Marks a request as started; the returned function records its end. */
  begin(labels: RuleLabels): (code: number, requestBytes: number, responseBytes: number) => void {
    const started = process.hrtime.bigint();
    this.inFlight.inc(labels);
    let done = false;
    return (code, reqBytes, resBytes) => {
      if (done) return;
      done = true;
      this.inFlight.dec(labels);
      this.requests.inc({ ...labels, code: String(code) });
      this.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      if (reqBytes > 0) this.requestBytes.inc(labels, reqBytes);
      if (resBytes > 0) this.responseBytes.inc(labels, resBytes);
    };
  }
}
