/**
 * Serves metrics.k8s.io/v1beta1 (NodeMetrics, PodMetrics) for `kubectl top`: the API server asks
 * each node's agent for its resource summary (the agent URL on the Node, as for pod logs), so no
 * add-on is needed and components still meet only through the API server.
 */
import { request as httpRequest } from 'node:http';
import type { ServerResponse } from 'node:http';
import { newNotFound } from '../machinery/errors.js';
import type { KObject } from '../machinery/object.js';
import { matchesLabels, parseLabelSelector } from '../machinery/selectors.js';
import type { ResourceDefinition } from '../registry/resources.js';
import type { ObjectStore } from '../registry/store.js';
import { metricsList, METRICS_GROUP, METRICS_VERSION, nodeMetrics, podMetrics } from '../../metrics/resource-metrics.js';
import type { Summary } from '../../metrics/summary.js';
import { AGENT_URL_ANNOTATION } from './pod-proxy.js';

/** Summaries are fetched at most this often per node: the agent samples every 10 s anyway. */
const SUMMARY_TTL_MS = 2000;
const SUMMARY_TIMEOUT_MS = 5000;

export interface MetricsApiOptions {
  store: ObjectStore;
  pods: ResourceDefinition;
  nodes: ResourceDefinition;
  agentToken: () => string;
  now?: () => Date;
}

const NODE_METRICS = { group: METRICS_GROUP, resource: 'nodes' };
const POD_METRICS = { group: METRICS_GROUP, resource: 'pods' };

export class ResourceMetricsApi {
  private readonly cache = new Map<string, { at: number; summary: Promise<Summary | undefined> }>();

  constructor(private readonly opts: MetricsApiOptions) {}

  private fetchSummary(base: string): Promise<Summary | undefined> {
    return new Promise((resolve) => {
      const req = httpRequest(new URL('/stats/summary', base), { headers: { Authorization: `Bearer ${this.opts.agentToken()}` }, timeout: SUMMARY_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          try {
            resolve(res.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) as Summary : undefined);
          } catch {
            resolve(undefined);
          }
        });
        res.on('error', () => resolve(undefined));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(undefined));
      req.end();
    });
  }

  /** The node's summary, or undefined when its agent cannot be reached (the node is skipped, as metrics-server does). */
  private summary(node: KObject): Promise<Summary | undefined> {
    const base = node.metadata.annotations?.[AGENT_URL_ANNOTATION];
    if (!base) return Promise.resolve(undefined);
    const hit = this.cache.get(base);
    if (hit && Date.now() - hit.at < SUMMARY_TTL_MS) return hit.summary;
    const summary = this.fetchSummary(base);
    this.cache.set(base, { at: Date.now(), summary });
    return summary;
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  async listNodes(labelSelector?: string): Promise<KObject> {
    const sel = parseLabelSelector(labelSelector);
    const nodes = this.opts.store.all(this.opts.nodes).filter((n) => matchesLabels(sel, n.metadata.labels));
    const items = await Promise.all(nodes.map(async (n) => {
      const s = await this.summary(n);
      return s ? nodeMetrics({ name: n.metadata.name ?? '', labels: n.metadata.labels }, s, this.now()) : undefined;
    }));
    return metricsList('NodeMetricsList', items.filter((i): i is KObject => i !== undefined));
  }

  async getNode(name: string): Promise<KObject> {
    const node = this.opts.store.tryGet(this.opts.nodes, undefined, name);
    if (!node) throw newNotFound(NODE_METRICS, name);
    const s = await this.summary(node);
    const m = s && nodeMetrics({ name, labels: node.metadata.labels }, s, this.now());
    if (!m) throw newNotFound(NODE_METRICS, name);
    return m;
  }

  private async podMetricsOf(pods: KObject[]): Promise<KObject[]> {
    const byNode = new Map<string, KObject[]>();
    for (const p of pods) {
      const node = (p.spec as { nodeName?: string } | undefined)?.nodeName;
      if (node) byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    const out: KObject[] = [];
    await Promise.all([...byNode].map(async ([nodeName, list]) => {
      const node = this.opts.store.tryGet(this.opts.nodes, undefined, nodeName);
      const s = node && await this.summary(node);
      if (!s) return;
      const byUid = new Map(s.pods.map((p) => [p.podRef.uid, p]));
      for (const p of list) {
        const ps = byUid.get(p.metadata.uid ?? '');
        const m = ps && podMetrics({ name: p.metadata.name ?? '', namespace: p.metadata.namespace, labels: p.metadata.labels }, ps, this.now());
        if (m) out.push(m);
      }
    }));
    return out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  async listPods(namespace: string | undefined, labelSelector?: string): Promise<KObject> {
    const sel = parseLabelSelector(labelSelector);
    const pods = this.opts.store.all(this.opts.pods, namespace).filter((p) => matchesLabels(sel, p.metadata.labels));
    return metricsList('PodMetricsList', await this.podMetricsOf(pods));
  }

  async getPod(namespace: string, name: string): Promise<KObject> {
    const pod = this.opts.store.tryGet(this.opts.pods, namespace, name);
    if (!pod) throw newNotFound(POD_METRICS, name);
    const [m] = await this.podMetricsOf([pod]);
    if (!m) throw newNotFound(POD_METRICS, name);
    return m;
  }

  /** Routes a GET under /apis/metrics.k8s.io/v1beta1; false when the path is not one of its resources. */
  async serve(path: string, query: URLSearchParams, res: ServerResponse, send: (res: ServerResponse, code: number, body: unknown) => void): Promise<boolean> {
    const prefix = `/apis/${METRICS_GROUP}/${METRICS_VERSION}/`;
    if (!path.startsWith(prefix)) return false;
    const parts = path.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent);
    const selector = query.get('labelSelector') ?? undefined;
    if (parts[0] === 'nodes' && parts.length <= 2) {
      send(res, 200, parts[1] ? await this.getNode(parts[1]) : await this.listNodes(selector));
      return true;
    }
    if (parts[0] === 'pods' && parts.length === 1) {
      send(res, 200, await this.listPods(undefined, selector));
      return true;
    }
    if (parts[0] === 'namespaces' && parts[2] === 'pods' && parts.length <= 4) {
      send(res, 200, parts[3] ? await this.getPod(parts[1], parts[3]) : await this.listPods(parts[1], selector));
      return true;
    }
    return false;
  }
}
