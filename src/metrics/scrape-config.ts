/**
 * Where each component's metrics are served, and a Prometheus configuration that scrapes them
 * all: the control plane's endpoints on the API server, every node agent through the API
 * server's node proxy (as Prometheus scrapes kubelets), and annotated pods found through http_sd.
 */
import { stringify } from 'yaml';

/** The control plane's scrape paths on the API server; a new component adds its line here and mounts its registry. */
export const COMPONENT_PATHS = {
  apiserver: '/metrics',
  'controller-manager': '/metrics/controllers',
  scheduler: '/metrics/scheduler',
  'kube-state-metrics': '/metrics/state',
  'kube-proxy': '/metrics/proxy',
  'ingress-controller': '/metrics/ingress',
} as const;

/** http_sd documents: node agents' `/metrics` and `/metrics/cadvisor` (via the node proxy) and annotated pods. */
export const SD_PATHS = {
  kubelet: '/prometheus/sd/kubelet',
  cadvisor: '/prometheus/sd/cadvisor',
  pods: '/prometheus/sd/pods',
} as const;

/** The node agent's scrape path through the API server, as Prometheus' kubernetes-nodes jobs use it. */
export function nodeMetricsPath(node: string, endpoint: 'metrics' | 'metrics/cadvisor'): string {
  return `/api/v1/nodes/${encodeURIComponent(node)}/proxy/${endpoint}`;
}

/** http_sd groups that point at the API server, one per node, with the node proxy path. */
export function nodeTargets(apiAddress: string, nodes: string[], endpoint: 'metrics' | 'metrics/cadvisor'): { targets: string[]; labels: Record<string, string> }[] {
  return nodes.map((node) => ({ targets: [apiAddress], labels: { __metrics_path__: nodeMetricsPath(node, endpoint), node } }));
}

export interface PrometheusConfigOptions {
  /** `https://127.0.0.1:6443` */
  apiUrl: string;
  caFile: string;
  tokenFile: string;
  scrapeInterval?: string;
  /** How often Prometheus re-reads the discovery documents; default 15s. */
  refreshInterval?: string;
}

export function prometheusConfig(o: PrometheusConfigOptions): string {
  const url = new URL(o.apiUrl);
  const tls = { ca_file: o.caFile };
  const authorization = { type: 'Bearer', credentials_file: o.tokenFile };
  const secured = { scheme: 'https', tls_config: tls, authorization };
  const sd = (path: string) => [{ url: `${o.apiUrl}${path}`, refresh_interval: o.refreshInterval ?? '15s', tls_config: tls, authorization }];
  const control = Object.entries(COMPONENT_PATHS).map(([job, path]) => ({
    job_name: job, metrics_path: path, ...secured, static_configs: [{ targets: [url.host] }],
  }));
  const config = {
    global: { scrape_interval: o.scrapeInterval ?? '15s', evaluation_interval: o.scrapeInterval ?? '15s' },
    scrape_configs: [
      ...control,
      { job_name: 'kubelet', ...secured, http_sd_configs: sd(SD_PATHS.kubelet) },
      { job_name: 'cadvisor', ...secured, http_sd_configs: sd(SD_PATHS.cadvisor) },
      // Pods serve plain HTTP on the cluster network, which the host reaches directly.
      { job_name: 'kubernetes-pods', http_sd_configs: sd(SD_PATHS.pods) },
    ],
  };
  return stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}
