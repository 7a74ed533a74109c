/**
 * Builds and starts a complete node agent on the local Docker engine: the runtime, the cluster
 * network, the sandbox image, volumes, probes, the streaming endpoint and the NodeAgent loop.
 * `skiff up` calls it for its node; a remote `skiff agent` can call it the same way.
 */
import { cpus, totalmem } from 'node:os';
import { readFile } from 'node:fs/promises';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../api/machinery/errors.js';
import type { KObject } from '../api/machinery/object.js';
import { EventRecorder } from '../client/events.js';
import type { KubeClient } from '../client/rest-client.js';
import { Refs } from '../client/resources.js';
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import { ensureSandboxImage } from '../runtime/docker/images.js';
import { LABEL_CLUSTER, type NetworkIPAM, type Runtime } from '../runtime/runtime.js';
import { NodeAgent, type ProbeManagerApi } from './agent.js';
import { buildContainerConfig } from './container-config/build.js';
import { parseResolvConf, podDNSConfig } from './container-config/dns-config.js';
import { serviceEnvFor } from './container-config/service-env.js';
import { Informer } from '../client/informer.js';
import { latestByName, readySandbox } from './pod-actions.js';
import { ProbeManager } from './prober/index.js';
import { MetricsEndpoints } from '../metrics/endpoints.js';
import { cadvisorRegistry } from './metrics/cadvisor.js';
import { KubeletMetrics } from './metrics/kubelet-metrics.js';
import { instrumentRuntime } from './metrics/runtime-metrics.js';
import { buildSummary } from './metrics/summary.js';
import { AgentServer } from './server.js';
import { StatsCollector, EMPTY_SNAPSHOT, type Snapshot } from './stats/collector.js';
import { VolumeManager } from './volumes/volume-manager.js';

export interface StartAgentOptions {
  client: KubeClient;
  clusterName: string;
  nodeName: string;
  dataDir: string;
  repoRoot: string;
  /** The token the API server presents when it proxies streams to this agent. */
  agentToken: string;
  kubeletVersion: string;
  controlPlane: boolean;
  socketPath?: string;
  /** The node Lease's duration: the cluster's node monitor grace period (default 40 s). */
  leaseDurationSeconds?: number;
  /** Addressing for the cluster network when this agent creates it (the service range stays free). */
  networkIPAM?: NetworkIPAM;
  /** The cluster DNS Service's address; pods with dnsPolicy ClusterFirst resolve through it. */
  clusterDNS?: string;
}

export interface RunningAgent {
  agent: NodeAgent;
  runtime: Runtime;
  network: string;
  stop(opts?: { stopPods?: boolean }): Promise<void>;
}

/** The Docker network of a cluster: one per cluster name, shared by its nodes. */
export function clusterNetworkName(clusterName: string): string {
  return `skiff-${clusterName}`;
}

export async function startAgent(opts: StartAgentOptions): Promise<RunningAgent> {
  let collector: StatsCollector | undefined;
  const snapshot = (): Snapshot => collector?.snapshot ?? EMPTY_SNAPSHOT;
  const kubelet = new KubeletMetrics(snapshot);
  const runtime = instrumentRuntime(new DockerRuntime({ clusterName: opts.clusterName, nodeName: opts.nodeName, socketPath: opts.socketPath }), kubelet);
  await runtime.version();
  const network = clusterNetworkName(opts.clusterName);
  const net = await runtime.ensureNetwork(network, { [LABEL_CLUSTER]: opts.clusterName }, opts.networkIPAM);
  await ensureSandboxImage(runtime, opts.repoRoot);

  const get = async (ref: typeof Refs.configmaps, ns: string | undefined, name: string): Promise<KObject | undefined> => {
    try {
      return await opts.client.get(ref, ns, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const sources = { configMap: (ns: string, n: string) => get(Refs.configmaps, ns, n), secret: (ns: string, n: string) => get(Refs.secrets, ns, n) };
  const nodeAllocatable = { cpu: cpus().length, memoryBytes: totalmem() };
  const volumes = new VolumeManager({
    dataDir: opts.dataDir, runtime, clusterName: opts.clusterName, sources,
    claim: (ns, n) => get(Refs.persistentvolumeclaims, ns, n), persistentVolume: (n) => get(Refs.persistentvolumes, undefined, n),
    hostIP: net.gateway, nodeName: opts.nodeName, nodeAllocatable,
  });

  const probeRecorder = new EventRecorder(opts.client, { component: 'kubelet', host: opts.nodeName });
  const prober = new ProbeManager({
    execSync: (id, cmd, timeoutMs) => runtime.execSync(id, cmd, timeoutMs),
    recordEvent: (e) => probeRecorder.event({ apiVersion: 'v1', kind: 'Pod', namespace: e.namespace, name: e.podName, uid: e.podUid, fieldPath: e.fieldPath }, e.type, e.reason, e.message),
    observe: (e) => kubelet.probe({ probeType: e.probeType, result: e.result, container: e.container, namespace: e.pod.metadata?.namespace ?? '', pod: e.pod.metadata?.name ?? '', podUid: e.pod.metadata?.uid ?? '' }),
  });
  collector = new StatsCollector({
    runtime, clusterName: opts.clusterName, nodeName: opts.nodeName,
    onSnapshot: (snap) => kubelet.prune(new Set(snap.sandboxes.map((sb) => sb.podUid))),
  });
  const metrics = new MetricsEndpoints();
  metrics.mount('/metrics', kubelet.registry);
  metrics.mount('/metrics/cadvisor', cadvisorRegistry(snapshot, { cpuCores: nodeAllocatable.cpu, memoryBytes: nodeAllocatable.memoryBytes }));
  metrics.mountJson('/stats/summary', () => buildSummary(opts.nodeName, snapshot()));
  const probes: ProbeManagerApi = {
    addPod: (p) => prober.addPod(p),
    removePod: (uid) => prober.removePod(uid),
    unhealthyReason: (u, n, id) => prober.unhealthyReason(u, n, id),
    isReady: (u, n, id) => prober.isReady(u, n, id),
    isStarted: (u, n, id) => prober.isStarted(u, n, id),
    updateContainer: (u, n, info) => prober.updateContainer(u, n, info),
    onChange: (listener) => {
      prober.onChange((u) => listener(u.podUid));
    },
    stop: () => void prober.stop(),
  };

  // Service variables are taken from the Services known when a container starts, as the kubelet does.
  const services = new Informer<KObject>(opts.client, Refs.services);
  services.start();
  const hostResolver = parseResolvConf(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));

  let agent: NodeAgent | undefined;
  const server = new AgentServer({
    runtime, token: opts.agentToken, metrics,
    lookup: {
      pod: (ns, name) => agent?.podByName(ns, name),
      container: async (pod: Pod, name: string, previous: boolean) => {
        const state = await agent?.podState(pod.metadata?.uid ?? '');
        if (!state) return undefined;
        const latest = latestByName(state.containers).get(name);
        if (!previous) return latest && latest.state !== 'created' ? latest : undefined;
        return state.containers.filter((c) => c.name === name && latest && c.attempt < latest.attempt).sort((a, b) => b.attempt - a.attempt)[0];
      },
      sandbox: async (pod: Pod) => {
        const state = await agent?.podState(pod.metadata?.uid ?? '');
        return state ? readySandbox(state) : undefined;
      },
    },
  });
  const agentPort = await server.listen();
  agent = new NodeAgent({
    client: opts.client, runtime, clusterName: opts.clusterName, nodeName: opts.nodeName, network, hostIP: net.gateway,
    agentUrl: `http://127.0.0.1:${agentPort}`, agentPort, controlPlane: opts.controlPlane, kubeletVersion: opts.kubeletVersion,
    leaseDurationSeconds: opts.leaseDurationSeconds, volumes, buildContainerConfig, probes,
    onPodStatus: (pod, status) => kubelet.podStatus(pod, status),
    serviceEnv: (pod) => serviceEnvFor(pod, services.list() as Service[]),
    dnsConfig: (pod) => podDNSConfig(pod, opts.clusterDNS, hostResolver),
  });
  // New pods should see the Services that already exist; a slow list only delays that, never blocks the node.
  await Promise.race([services.waitForSync(), new Promise((r) => setTimeout(r, 5000).unref())]);
  await agent.start();
  collector.start();
  const stats = collector;
  const running = agent;
  return {
    agent: running, runtime, network,
    async stop(o = {}) {
      await stats.stop();
      if (o.stopPods) await running.stopAllPods();
      await running.stop();
      services.stop();
      await server.close();
      await probeRecorder.flush();
    },
  };
}
