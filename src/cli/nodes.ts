/** Node names, the join command and the cluster-info ConfigMap a joining node reads its cluster name from. */
import { isAlreadyExists, isNotFound } from '../api/machinery/errors.js';
import type { KubeClient } from '../client/rest-client.js';
import { Refs } from '../client/resources.js';

export const CLUSTER_INFO = { namespace: 'kube-public', name: 'cluster-info' };

/** Node names as kind gives them: NAME-control-plane, NAME-worker, NAME-worker2, ... */
export function nodeNames(cluster: string, count: number): string[] {
  const names = [`${cluster}-control-plane`];
  for (let i = 1; i < count; i++) names.push(i === 1 ? `${cluster}-worker` : `${cluster}-worker${i}`);
  return names;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function joinCommand(server: string, caFile: string, token: string, cluster: string): string {
  return `skiff agent --server ${shellQuote(server)} --token ${shellQuote(token)} --ca-file ${shellQuote(caFile)} --name ${shellQuote(`${cluster}-worker-joined`)}`;
}

/** Publishes the cluster's name, which labels every container and names the Docker network nodes share. */
export interface ClusterInfo {
  name: string;
  /** The node monitor grace period: node Leases last this long and are renewed at a quarter of it. */
  nodeLeaseDurationSeconds: number;
  /** The cluster DNS Service's address, for pods' resolv.conf on every node. */
  clusterDNS?: string;
}

export async function writeClusterInfo(client: KubeClient, info: ClusterInfo): Promise<void> {
  const data: Record<string, string> = { 'cluster-name': info.name, 'node-lease-duration-seconds': String(info.nodeLeaseDurationSeconds) };
  if (info.clusterDNS) data['cluster-dns'] = info.clusterDNS;
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...CLUSTER_INFO }, data };
  try {
    await client.create(Refs.configmaps, body, { fieldManager: 'skiff' });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const cur = await client.get(Refs.configmaps, CLUSTER_INFO.namespace, CLUSTER_INFO.name);
    await client.update(Refs.configmaps, { ...cur, data: { ...(cur.data as object), ...data } }, { fieldManager: 'skiff' });
  }
}

export async function readClusterInfo(client: KubeClient): Promise<Partial<ClusterInfo>> {
  try {
    const cm = await client.get(Refs.configmaps, CLUSTER_INFO.namespace, CLUSTER_INFO.name);
    const data = (cm.data as Record<string, string> | undefined) ?? {};
    const secs = Number(data['node-lease-duration-seconds']);
    return { name: data['cluster-name'], nodeLeaseDurationSeconds: Number.isInteger(secs) && secs > 0 ? secs : undefined, clusterDNS: data['cluster-dns'] };
  } catch (err) {
    if (isNotFound(err)) return {};
    throw err;
  }
}
