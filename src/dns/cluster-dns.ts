/**
 * Runs cluster DNS for `skiff up`: caches of Services, Endpoints and Namespaces from the API, the
 * kube-dns address on the cluster bridge, and the DNS server listening there on port 53.
 */
import { readFile } from 'node:fs/promises';
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../api/machinery/object.js';
import { Informer } from '../client/informer.js';
import type { KubeClient } from '../client/rest-client.js';
import { Refs } from '../client/resources.js';
import { parseResolvConf } from '../agent/container-config/dns-config.js';
import { ensureBridgeAddress } from './bridge-address.js';
import { DnsServer } from './dns-server.js';
import type { ClusterView } from './records.js';

export interface ClusterDnsOptions {
  client: KubeClient;
  /** The kube-dns ClusterIP. */
  address: string;
  /** The host bridge of the cluster network, where the address is added. */
  bridge: string;
  port?: number;
}

export interface RunningClusterDns {
  stop(): Promise<void>;
}

/** Resolvers on the host that the skiff process can ask for names outside the cluster. */
async function hostUpstreams(): Promise<string[]> {
  const conf = parseResolvConf(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
  return conf.servers.length ? conf.servers : ['127.0.0.53'];
}

export async function startClusterDns(opts: ClusterDnsOptions): Promise<RunningClusterDns> {
  const services = new Informer<KObject>(opts.client, Refs.services);
  const endpoints = new Informer<KObject>(opts.client, Refs.endpoints);
  const namespaces = new Informer<KObject>(opts.client, Refs.namespaces);
  const informers = [services, endpoints, namespaces];
  const view: ClusterView = {
    service: (ns, name) => services.get(`${ns}/${name}`) as Service | undefined,
    endpoints: (ns, name) => endpoints.get(`${ns}/${name}`) as Endpoints | undefined,
    hasNamespace: (ns) => !!namespaces.get(ns),
  };
  await ensureBridgeAddress(opts.bridge, opts.address);
  const server = new DnsServer({ address: opts.address, port: opts.port ?? 53, view, upstreams: await hostUpstreams() });
  await server.start();
  informers.forEach((i) => i.start());
  return {
    async stop() {
      informers.forEach((i) => i.stop());
      await server.stop();
    },
  };
}
