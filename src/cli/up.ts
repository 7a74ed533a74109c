/** `skiff up`: runs a whole cluster in the foreground until SIGINT or SIGTERM. */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiServer } from '../api/apiserver.js';
import { KubeClient } from '../client/rest-client.js';
import { startControllers, type RunningControllers } from '../controllers/manager.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { versionInfo } from '../api/version.js';
import { createHash } from 'node:crypto';
import { LeaderElector, defaultIdentity } from '../client/leader-election.js';
import { startIngress, type RunningIngress } from '../proxy/ingress/start-ingress.js';
import { configureLogging, logger, type LogLevel } from '../log/logger.js';
import { UsageError } from './args.js';
import { runNode, type NodeRunner } from './node-runner.js';
import { joinCommand, nodeNames, writeClusterInfo } from './nodes.js';
import { mergeIntoFile, writeStandalone } from './kubeconfig.js';
import { contextName, pidFile } from './paths.js';
import { mountClusterMetrics } from '../metrics/mount.js';
import { COMPONENT_PATHS } from '../metrics/scrape-config.js';
import { networkIPAM, resolveClusterNetwork } from './cluster-network.js';
import { dnsServiceIP } from '../api/servicenet/allocators.js';
import { parseCidr } from '../api/servicenet/cidr.js';
import { startProxy, type RunningProxy } from '../proxy/start-proxy.js';
import { startClusterDns, type RunningClusterDns } from '../dns/cluster-dns.js';
import { stopOnSignals } from './shutdown.js';

export interface UpOptions {
  name: string;
  dataDir: string;
  port: number;
  bindAddress: string;
  storage: string;
  /** Where to merge the admin context; undefined = ~/.kube/config (or $KUBECONFIG's first file). */
  kubeconfig?: string;
  skiffVersion: string;
  /** The Docker engine's socket; default /var/run/docker.sock. */
  dockerSocket?: string;
  /** Where NodePort Services listen; default 127.0.0.1. */
  nodePortAddress?: string;
  /** How many nodes run in this process: the control plane plus workers (default 1). */
  nodes?: number;
  /** How long a node's Lease may go unrenewed before the node is Unknown (default 40 s). */
  nodeMonitorGracePeriodSeconds?: number;
  /** tolerationSeconds of the not-ready/unreachable tolerations every pod gets (default 300). */
  defaultTolerationSeconds?: number;
  logLevel?: LogLevel;
  /** Ingress ports; unset tries 80 then 8080, and 443 then 8443. */
  ingressPort?: number;
  ingressTlsPort?: number;
  /** The ingress listen address; default 127.0.0.1. */
  ingressBindAddress?: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One cluster per data dir: a live pid file means another `skiff up` owns it. */
function claimDataDir(dataDir: string): void {
  const file = pidFile(dataDir);
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid && pid !== process.pid && processAlive(pid)) {
      throw new UsageError(`a cluster is already running from ${dataDir} (pid ${pid}); stop it with \`skiff down\` or use another --data-dir`);
    }
  }
  writeFileSync(file, String(process.pid));
}

function userKubeconfigPath(): string {
  const env = process.env.KUBECONFIG;
  if (env) return env.split(':').filter(Boolean)[0] ?? join(homedir(), '.kube', 'config');
  return join(homedir(), '.kube', 'config');
}

function ingressSummary(ingress: RunningIngress, address: string): string {
  const { http, https } = ingress.ports();
  const where = (scheme: string, port: number | undefined): string => port === undefined ? `${scheme} port busy (retrying)` : `${scheme}://${address}:${port}`;
  return `${where('http', http)}, ${where('https', https)} (class "skiff"; access log ${ingress.accessLogPath})`;
}

export async function up(opts: UpOptions): Promise<void> {
  const started = process.hrtime.bigint();
  configureLogging({ level: opts.logLevel ?? 'info' });
  const log = logger('skiff');
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  claimDataDir(dataDir);
  // The service range is part of the cluster network's subnet, so the network is settled first.
  const layout = await resolveClusterNetwork({ clusterName: opts.name, dataDir, socketPath: opts.dockerSocket });
  let api: ApiServer;
  try {
    api = await ApiServer.start({ dataDir, port: opts.port, bindAddress: opts.bindAddress, storage: opts.storage, skiffVersion: opts.skiffVersion, serviceNetwork: { serviceCIDR: layout.serviceCIDR }, defaultTolerationSeconds: opts.defaultTolerationSeconds });
  } catch (err) {
    rmSync(pidFile(dataDir), { force: true });
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new UsageError(`port ${opts.port} on ${opts.bindAddress} is already in use; choose another with --port`);
    if (e.code === 'EACCES') throw new UsageError(`cannot listen on ${opts.bindAddress}:${opts.port}: permission denied; choose a port above 1023 with --port`);
    throw err;
  }
  const ctx = contextName(opts.name);
  const entry = { contextName: ctx, server: api.url, caPem: api.pki.ca.certPem, clientCertPem: api.pki.admin.certPem, clientKeyPem: api.pki.admin.keyPem };
  writeStandalone(join(dataDir, 'kubeconfig'), entry);
  const kubeconfigPath = opts.kubeconfig ? resolve(opts.kubeconfig) : userKubeconfigPath();
  try {
    mergeIntoFile(kubeconfigPath, entry);
  } catch (err) {
    // The file is left as it was; a YAML parser error spans several lines, so keep its first.
    rmSync(pidFile(dataDir), { force: true });
    throw new UsageError(`cannot add context "${ctx}" to ${kubeconfigPath}: ${(err as Error).message.split('\n')[0]}`);
  }

  const token = api.tokens.tokenFor('system:skiff-admin');
  const client = new KubeClient({ server: api.url, caPem: api.pki.ca.certPem, token, userAgent: 'skiff-controller-manager' });
  const schedulerClient = new KubeClient({ server: api.url, caPem: api.pki.ca.certPem, token, userAgent: 'skiff-scheduler' });
  // Controllers and scheduler act only while they hold their Lease, so two control planes on one
  // store never both act. The identity is stable per data dir: a restarted `skiff up` resumes at once.
  const identity = defaultIdentity(createHash('sha256').update(dataDir).digest('hex').slice(0, 12));
  let controllers: RunningControllers | undefined;
  let scheduler: Scheduler | undefined;
  const controllerOpts = { caPem: api.pki.ca.certPem, clusterName: opts.name, nodeMonitorGracePeriodSeconds: opts.nodeMonitorGracePeriodSeconds };
  const electors = [
    new LeaderElector({
      client, namespace: 'kube-system', name: 'skiff-controller-manager', identity,
      onStartedLeading: () => (controllers = startControllers(client, controllerOpts)),
      onStoppedLeading: () => { controllers?.stop(); controllers = undefined; },
    }),
    new LeaderElector({
      client: schedulerClient, namespace: 'kube-system', name: 'skiff-scheduler', identity,
      onStartedLeading: () => { scheduler = new Scheduler(schedulerClient); scheduler.start(); },
      onStoppedLeading: () => { scheduler?.stop(); scheduler = undefined; },
    }),
  ];
  await Promise.all(electors.map((e) => e.start()));
  const observability = mountClusterMetrics({ api, dataDir, controllers: () => controllers?.metrics, scheduler: () => scheduler?.metrics.registry, token });
  const ingressClient = new KubeClient({ server: api.url, caPem: api.pki.ca.certPem, token, userAgent: 'skiff-ingress-controller' });
  const ingress: RunningIngress = await startIngress({
    client: ingressClient, dataDir, address: opts.ingressBindAddress, httpPort: opts.ingressPort, httpsPort: opts.ingressTlsPort,
    log: (line) => process.stderr.write(`skiff: ${line}\n`),
  });
  api.metricsEndpoints.mount(COMPONENT_PATHS['ingress-controller'], ingress.registry);

  // Node agents need the Docker engine; the control plane does not, so it starts either way
  // and each node joins as soon as the engine answers.
  const nodeName = `${opts.name}-control-plane`;
  // Cluster DNS listens on kube-dns's address on the cluster bridge, which exists once the node's network does.
  let dns: RunningClusterDns | undefined;
  const startDns = async (): Promise<void> => {
    if (dns) return;
    try {
      const dnsClient = new KubeClient({ server: api.url, caPem: api.pki.ca.certPem, token, userAgent: 'skiff-dns' });
      dns = await startClusterDns({ client: dnsClient, address: dnsServiceIP(parseCidr(layout.serviceCIDR)), bridge: layout.bridge });
    } catch (err) {
      process.stderr.write(`skiff: cluster DNS cannot start: ${(err as Error).message.split('\n')[0]}; pods will not resolve Service names\n`);
    }
  };
  const nodeToken = api.tokens.tokenFor('system:node-bootstrap') ?? '';
  const kubeletVersion = versionInfo(opts.skiffVersion).gitVersion;
  const leaseDurationSeconds = opts.nodeMonitorGracePeriodSeconds ?? 40;
  const clusterDNS = dnsServiceIP(parseCidr(layout.serviceCIDR));
  await writeClusterInfo(client, { name: opts.name, nodeLeaseDurationSeconds: leaseDurationSeconds, clusterDNS }).catch(() => undefined);
  const tokenFile = join(dataDir, 'node-token');
  writeFileSync(tokenFile, `${nodeToken}\n`, { mode: 0o600 });
  const startNode = (name: string, i: number): Promise<NodeRunner> => runNode({
    client: new KubeClient({ server: api.url, caPem: api.pki.ca.certPem, token: nodeToken, userAgent: `kubelet/${name}` }),
    clusterName: opts.name, nodeName: name, dataDir: i === 0 ? join(dataDir, 'agent') : join(dataDir, 'nodes', name),
    token: nodeToken, kubeletVersion, controlPlane: i === 0, dockerSocket: opts.dockerSocket, leaseDurationSeconds,
    networkIPAM: networkIPAM(layout), clusterDNS, onJoined: i === 0 ? startDns : undefined,
  });
  // The control-plane node first: it creates the cluster network and sandbox image the workers share.
  const [, ...workers] = nodeNames(opts.name, opts.nodes ?? 1);
  const nodes: NodeRunner[] = [await startNode(nodeName, 0)];
  nodes.push(...await Promise.all(workers.map((n, i) => startNode(n, i + 1))));
  // The Service proxy comes after the node agent, which makes sure the cluster bridge exists.
  let proxy: RunningProxy | undefined;
  try {
    proxy = await startProxy({ server: api.url, caPem: api.pki.ca.certPem, token: token ?? '', nodeName, bridge: layout.bridge, nodePortAddress: opts.nodePortAddress ?? '127.0.0.1' });
    api.metricsEndpoints.mount(COMPONENT_PATHS['kube-proxy'], proxy.metrics);
  } catch (err) {
    process.stderr.write(`skiff: the Service proxy cannot start: ${(err as Error).message.split('\n')[0]}\n`);
  }

  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(
    `skiff cluster "${opts.name}" is ready at ${api.url} (${(ms / 1000).toFixed(2)} s)\n` +
    `  dashboard:  ${api.url}/ui/#token=${token ?? ''}\n` +
    `  kubeconfig: ${kubeconfigPath} (context "${ctx}"), also ${join(dataDir, 'kubeconfig')}\n` +
    `  data:       ${dataDir}\n` +
    observability.describe(`${opts.name}-control-plane`) +
    `  join a node: ${joinCommand(api.url, join(dataDir, 'pki', 'ca.crt'), nodeToken, opts.name)}\n` +
    `               (the token is also in ${tokenFile})\n` +
    `  ingress:    ${ingressSummary(ingress, opts.ingressBindAddress ?? '127.0.0.1')}\n` +
    `Try: kubectl get ns\n`,
  );

  stopOnSignals(async () => {
    // Pods keep running across a restart of skiff and are re-adopted; `skiff down` stops them.
    await proxy?.stop().catch(() => undefined);
    await Promise.all(nodes.map((n) => n.stop()));
    await dns?.stop().catch(() => undefined);
    await Promise.all(electors.map((e) => e.stop()));
    observability.stop();
    await ingress.stop().catch(() => undefined);
    ingressClient.close();
    client.close();
    schedulerClient.close();
    await api.stop();
    rmSync(pidFile(dataDir), { force: true });
  });
}
