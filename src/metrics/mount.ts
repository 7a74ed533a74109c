/**
 * Puts every control-plane component's registry on the API server's scrape paths, starts the
 * cluster-state exporter, and writes what Prometheus needs: a token file that only reads metrics
 * and a ready configuration in the data dir.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { ApiServer } from '../api/apiserver.js';
import { METRICS_SCRAPER } from '../api/auth/tokens.js';
import { KubeClient } from '../client/rest-client.js';
import { ClusterStateMetrics } from './cluster-state.js';
import { COMPONENT_PATHS, nodeMetricsPath, nodeTargets, prometheusConfig, SD_PATHS } from './scrape-config.js';

export interface ClusterMetricsOptions {
  api: ApiServer;
  dataDir: string;
  /** Asked on each scrape: undefined while another control plane leads. */
  controllers: () => Registry | undefined;
  scheduler: () => Registry | undefined;
  /** A token the cluster-state exporter reads the API with. */
  token: string | undefined;
}

export interface ClusterMetrics {
  /** The lines `skiff up` prints about scraping. */
  describe(nodeName: string): string;
  stop(): void;
}

export function mountClusterMetrics(o: ClusterMetricsOptions): ClusterMetrics {
  const { api } = o;
  const state = new ClusterStateMetrics(new KubeClient({ server: api.url, caPem: api.pki.ca.certPem, token: o.token, userAgent: 'skiff-kube-state-metrics' }));
  state.start();
  const endpoints = api.metricsEndpoints;
  endpoints.mount(COMPONENT_PATHS['controller-manager'], o.controllers);
  endpoints.mount(COMPONENT_PATHS.scheduler, o.scheduler);
  endpoints.mount(COMPONENT_PATHS['kube-state-metrics'], state.exposition);
  const address = new URL(api.url).host;
  endpoints.mountJson(SD_PATHS.kubelet, () => nodeTargets(address, state.nodeNames(), 'metrics'));
  endpoints.mountJson(SD_PATHS.cadvisor, () => nodeTargets(address, state.nodeNames(), 'metrics/cadvisor'));
  endpoints.mountJson(SD_PATHS.pods, () => state.podTargets());

  const tokenFile = join(o.dataDir, 'metrics-token');
  writeFileSync(tokenFile, `${api.tokens.tokenFor(METRICS_SCRAPER) ?? ''}\n`, { mode: 0o600 });
  const caFile = join(o.dataDir, 'pki', 'ca.crt');
  const configFile = join(o.dataDir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig({ apiUrl: api.url, caFile, tokenFile }));
  return {
    describe: (nodeName) =>
      `  metrics:    ${endpoints.paths.map((p) => api.url + p).join(' ')}\n` +
      `              ${api.url}${nodeMetricsPath(nodeName, 'metrics')} and ${nodeMetricsPath(nodeName, 'metrics/cadvisor')}\n` +
      `              pods annotated prometheus.io/scrape: ${api.url}${SD_PATHS.pods} (http_sd)\n` +
      `              bearer token ${tokenFile}, CA ${caFile}; try: prometheus --config.file=${configFile}\n`,
    stop: () => state.stop(),
  };
}
