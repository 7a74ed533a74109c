/**
 * `skiff agent`: joins one node to a running cluster from its own process, with the node
 * bootstrap token `skiff up` prints, and runs its pods on the local Docker engine.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { versionInfo } from '../api/version.js';
import { isStatusError } from '../api/machinery/errors.js';
import { KubeClient } from '../client/rest-client.js';
import { Refs } from '../client/resources.js';
import { UsageError } from './args.js';
import { runNode } from './node-runner.js';
import { readClusterInfo, type ClusterInfo } from './nodes.js';
import { stopOnSignals } from './shutdown.js';

export interface AgentOptions {
  server: string;
  token: string;
  name: string;
  /** The agent's state; also where a local cluster's pki/ca.crt is looked for. */
  dataDir: string;
  caFile?: string;
  /** The cluster's name; read from kube-public/cluster-info when absent. */
  cluster?: string;
  dockerSocket?: string;
  skiffVersion: string;
}

const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function readCa(opts: AgentOptions): string | undefined {
  const file = opts.caFile ?? join(opts.dataDir, 'pki', 'ca.crt');
  if (opts.caFile && !existsSync(file)) throw new UsageError(`--ca-file ${file} does not exist`);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** One line for why the API server could not be used: wrong token, wrong CA, or not reachable. */
export function describeJoinError(server: string, err: unknown): string {
  if (isStatusError(err)) {
    if (err.status.code === 401) return `the API server at ${server} rejected the token (401 Unauthorized); use the token \`skiff up\` printed (DATA_DIR/node-token)`;
    if (err.status.code === 403) return `the token is not allowed to register nodes at ${server} (403 Forbidden)`;
    return `the API server at ${server} answered ${err.status.code}: ${err.status.message ?? ''}`;
  }
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EHOSTUNREACH' || e.code === 'ETIMEDOUT') return `cannot reach the API server at ${server} (${e.code})`;
  if (/certificate|self.signed|UNABLE_TO_VERIFY/i.test(`${e.code ?? ''} ${e.message}`)) return `cannot verify the API server's certificate at ${server}; pass the cluster CA with --ca-file (DATA_DIR/pki/ca.crt)`;
  return `cannot use the API server at ${server}: ${e.message.split('\n')[0]}`;
}

export async function agent(opts: AgentOptions): Promise<void> {
  if (!opts.server) throw new UsageError('--server is required (the URL `skiff up` printed)');
  if (!opts.token) throw new UsageError('--token is required (the token `skiff up` printed)');
  if (!NODE_NAME.test(opts.name) || opts.name.length > 253) throw new UsageError(`--name must be a lowercase DNS name, got "${opts.name}"`);
  let url: URL;
  try {
    url = new URL(opts.server);
  } catch {
    throw new UsageError(`--server must be a URL like https://127.0.0.1:6443, got "${opts.server}"`);
  }
  const dataDir = resolve(opts.dataDir);
  const client = new KubeClient({ server: url.origin, caPem: readCa(opts), token: opts.token, userAgent: `kubelet/${opts.name}` });
  let info: Partial<ClusterInfo>;
  try {
    await client.list(Refs.nodes, undefined, { limit: 1 });
    info = await readClusterInfo(client);
  } catch (err) {
    client.close();
    throw new UsageError(describeJoinError(url.origin, err));
  }
  const cluster = opts.cluster ?? info.name;
  if (!cluster) {
    client.close();
    throw new UsageError('the cluster does not publish its name (kube-public/cluster-info); pass it with --cluster');
  }
  const nodeDir = join(dataDir, 'nodes', opts.name);
  mkdirSync(nodeDir, { recursive: true, mode: 0o700 });
  const node = await runNode({
    client, clusterName: cluster, nodeName: opts.name, dataDir: nodeDir, token: opts.token,
    kubeletVersion: versionInfo(opts.skiffVersion).gitVersion, controlPlane: false, dockerSocket: opts.dockerSocket,
    leaseDurationSeconds: info.nodeLeaseDurationSeconds, clusterDNS: info.clusterDNS,
  });
  process.stdout.write(`node "${opts.name}" joined cluster "${cluster}" at ${url.origin}\n`);
  stopOnSignals(async () => {
    await node.stop();
    client.close();
  });
}
