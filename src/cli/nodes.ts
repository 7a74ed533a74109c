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
export async function writeClusterInfo(client: KubeClient, cluster: string): Promise<void> {
  const body = {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...CLUSTER_INFO },
    data: { 'cluster-name': cluster },
  };
  try {
    await client.create(Refs.configmaps, body, { fieldManager: 'skiff' });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const cur = await client.get(Refs.configmaps, CLUSTER_INFO.namespace, CLUSTER_INFO.name);
    await client.update(Refs.configmaps, { ...cur, data: { ...(cur.data as object), 'cluster-name': cluster } }, { fieldManager: 'skiff' });
  }
}

export async function readClusterName(client: KubeClient): Promise<string | undefined> {
  try {
    const cm = await client.get(Refs.configmaps, CLUSTER_INFO.namespace, CLUSTER_INFO.name);
    return (cm.data as Record<string, string> | undefined)?.['cluster-name'];
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
