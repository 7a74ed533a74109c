/** Runs one node agent for the CLI, retrying every 5 s while the Docker engine cannot be reached. */
import { fileURLToPath } from 'node:url';
import { startAgent, type RunningAgent } from '../agent/start-agent.js';
import type { KubeClient } from '../client/rest-client.js';
import type { NetworkIPAM } from '../runtime/runtime.js';

export interface NodeRunnerOptions {
  client: KubeClient;
  clusterName: string;
  nodeName: string;
  dataDir: string;
  token: string;
  kubeletVersion: string;
  controlPlane: boolean;
  dockerSocket?: string;
  leaseDurationSeconds?: number;
  /** Addressing for the cluster network when this node creates it. */
  networkIPAM?: NetworkIPAM;
  /** The cluster DNS Service's address. */
  clusterDNS?: string;
  /** Runs once the node has joined (the cluster bridge exists then). */
  onJoined?: () => Promise<void>;
}

export interface NodeRunner {
  stop(): Promise<void>;
}

/** The node joins as soon as the engine answers; until then one warning is printed. */
export async function runNode(opts: NodeRunnerOptions): Promise<NodeRunner> {
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  let agent: RunningAgent | undefined;
  let timer: NodeJS.Timeout | undefined;
  let warned = false;
  let stopped = false;
  const attempt = async (): Promise<void> => {
    if (stopped) return;
    try {
      agent = await startAgent({
        client: opts.client, clusterName: opts.clusterName, nodeName: opts.nodeName, dataDir: opts.dataDir, repoRoot,
        agentToken: opts.token, kubeletVersion: opts.kubeletVersion, controlPlane: opts.controlPlane, socketPath: opts.dockerSocket,
        leaseDurationSeconds: opts.leaseDurationSeconds, networkIPAM: opts.networkIPAM, clusterDNS: opts.clusterDNS,
      });
      if (warned) process.stdout.write(`node "${opts.nodeName}" joined: the Docker engine is reachable again\n`);
      await opts.onJoined?.();
    } catch (err) {
      if (!warned) process.stderr.write(`skiff: node "${opts.nodeName}" cannot start: ${(err as Error).message.split('\n')[0]}; pods will not run until the Docker engine is reachable (retrying)\n`);
      warned = true;
      timer = setTimeout(() => void attempt(), 5000);
    }
  };
  await attempt();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      // Pods keep running across a restart and are re-adopted; `skiff down` stops them.
      await agent?.stop().catch(() => undefined);
    },
  };
}
