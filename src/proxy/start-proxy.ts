/** Wires a Proxier for `skiff up`: its own API client, the cluster bridge for ClusterIPs, start and stop. */
import type { Registry } from 'prom-client';
import { KubeClient } from '../client/rest-client.js';
import { BridgeAddresses } from './bridge.js';
import { Proxier } from './proxier.js';

export interface StartProxyOptions {
  server: string;
  caPem: string;
  token: string;
  nodeName: string;
  /** The cluster network's host bridge, where ClusterIPs are added as /32 addresses. */
  bridge: string;
  nodePortAddress: string;
}

export interface RunningProxy {
  proxier: Proxier;
  /** The proxy's metrics, for whoever serves /metrics. */
  metrics: Registry;
  stop(): Promise<void>;
}

export async function startProxy(opts: StartProxyOptions): Promise<RunningProxy> {
  const client = new KubeClient({ server: opts.server, caPem: opts.caPem, token: opts.token, userAgent: `skiff-proxy/${opts.nodeName}` });
  const proxier = new Proxier({ client, nodeName: opts.nodeName, nodePortAddress: opts.nodePortAddress, addresses: new BridgeAddresses(opts.bridge) });
  await proxier.start();
  return {
    proxier, metrics: proxier.metrics.registry,
    async stop() {
      await proxier.stop();
      client.close();
    },
  };
}
