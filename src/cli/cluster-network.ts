/**
 * The cluster's network layout, decided once and kept in the data dir (cluster.json): the Docker
 * network's subnet, whose lower half holds container addresses and whose upper half is the service
 * range, and the host bridge where Service addresses are added. Other components (the Service
 * proxy, cluster DNS) read it through readClusterNetwork.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterNetworkName } from '../agent/start-agent.js';
import { addressAt, formatCidr, halves, parseCidr } from '../api/servicenet/cidr.js';
import { bridgeName, DockerRuntime } from '../runtime/docker/docker-runtime.js';
import { LABEL_CLUSTER, type NetworkIPAM } from '../runtime/runtime.js';

export interface ClusterNetwork {
  /** The Docker network pods sit on, `skiff-<cluster>`. */
  network: string;
  /** Its host-side bridge interface: Service addresses are added there (`ip addr add <ip>/32 dev <bridge>`). */
  bridge: string;
  /** The Docker network's subnet. */
  subnet: string;
  /** The upper half of the subnet: where ClusterIPs come from. */
  serviceCIDR: string;
}

export function clusterNetworkFile(dataDir: string): string {
  return join(dataDir, 'cluster.json');
}

/** The layout a cluster was started with, or undefined before its first start. */
export function readClusterNetwork(dataDir: string): ClusterNetwork | undefined {
  const file = clusterNetworkFile(dataDir);
  if (!existsSync(file)) return undefined;
  const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClusterNetwork>;
  if (!v.network || !v.bridge || !v.subnet || !v.serviceCIDR) return undefined;
  return { network: v.network, bridge: v.bridge, subnet: v.subnet, serviceCIDR: v.serviceCIDR };
}

/** How the Docker network is created for a layout: containers get addresses from the lower half only. */
export function networkIPAM(layout: ClusterNetwork): NetworkIPAM {
  const subnet = parseCidr(layout.subnet);
  return { subnet: layout.subnet, ipRange: formatCidr(halves(subnet)[0]), gateway: addressAt(subnet, 1) };
}

export function layoutFor(clusterName: string, subnet: string): ClusterNetwork {
  const network = clusterNetworkName(clusterName);
  return { network, bridge: bridgeName(network), subnet, serviceCIDR: formatCidr(halves(parseCidr(subnet))[1]) };
}

/** A subnet of our own when the engine cannot be asked: a /24 in 10.217.0.0/16 chosen by the cluster name. */
function fallbackSubnet(clusterName: string): string {
  const h = createHash('sha256').update(clusterName).digest()[0] ?? 0;
  return `10.217.${h}.0/24`;
}

/**
 * Decides the layout on a cluster's first start: the engine picks a free subnet for the network,
 * which is then recreated with container addresses confined to the lower half. A network that
 * already has containers is kept as it is (its containers sit low in the subnet in practice).
 */
export async function resolveClusterNetwork(opts: { clusterName: string; dataDir: string; socketPath?: string }): Promise<ClusterNetwork> {
  const known = readClusterNetwork(opts.dataDir);
  if (known) return known;
  let layout: ClusterNetwork;
  try {
    const runtime = new DockerRuntime({ clusterName: opts.clusterName, nodeName: `${opts.clusterName}-control-plane`, socketPath: opts.socketPath });
    const name = clusterNetworkName(opts.clusterName);
    const labels = { [LABEL_CLUSTER]: opts.clusterName };
    let net = await withTimeout(runtime.ensureNetwork(name, labels), 15_000);
    layout = layoutFor(opts.clusterName, net.subnet);
    if (!net.ipRange && !net.attached) {
      await runtime.removeNetwork(name);
      net = await runtime.ensureNetwork(name, labels, networkIPAM(layout));
    }
  } catch {
    layout = layoutFor(opts.clusterName, fallbackSubnet(opts.clusterName));
  }
  writeFileSync(clusterNetworkFile(opts.dataDir), JSON.stringify(layout, null, 2) + '\n');
  return layout;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}
