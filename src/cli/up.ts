/** `skiff up`: runs a whole cluster in the foreground until SIGINT or SIGTERM. */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiServer } from '../api/apiserver.js';
import { KubeClient } from '../client/rest-client.js';
import { startControllers } from '../controllers/manager.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { startAgent, type RunningAgent } from '../agent/start-agent.js';
import { startIngress, type RunningIngress } from '../proxy/ingress/start-ingress.js';
import { versionInfo } from '../api/apiserver.js';
import { configureLogging, logger, type LogLevel } from '../log/logger.js';
import { fileURLToPath } from 'node:url';
import { UsageError } from './args.js';
import { mergeIntoFile, writeStandalone } from './kubeconfig.js';
import { contextName, pidFile } from './paths.js';
import { mountClusterMetrics } from '../metrics/mount.js';
import { COMPONENT_PATHS } from '../metrics/scrape-config.js';
import { networkIPAM, resolveClusterNetwork } from './cluster-network.js';
import { dnsServiceIP } from '../api/servicenet/allocators.js';
import { parseCidr } from '../api/servicenet/cidr.js';
import { startProxy, type RunningProxy } from '../proxy/start-proxy.js';
import { startClusterDns, type RunningClusterDns } from '../dns/cluster-dns.js';

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
    api = await ApiServer.start({ dataDir, port: opts.port, bindAddress: opts.bindAddress, storage: opts.storage, skiffVersion: opts.skiffVersion, serviceNetwork: { serviceCIDR: layout.serviceCIDR } });
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
  const controllers = startControllers(client, { caPem: api.pki.ca.certPem, clusterName: opts.name });
  const scheduler = new Scheduler(new KubeClient({ server: api.url, caPem: api.pki.ca.certPem, token, userAgent: 'skiff-scheduler' }));
  scheduler.start();
  const observability = mountClusterMetrics({ api, dataDir, controllers: controllers.metrics, scheduler: scheduler.metrics.registry, token });
  const ingressClient = new KubeClient({ server: api.url, caPem: api.pki.ca.certPem, token, userAgent: 'skiff-ingress-controller' });
  const ingress: RunningIngress = await startIngress({
    client: ingressClient, dataDir, address: opts.ingressBindAddress, httpPort: opts.ingressPort, httpsPort: opts.ingressTlsPort,
    log: (line) => process.stderr.write(`skiff: ${line}\n`),
  });
  api.metricsEndpoints.mount(COMPONENT_PATHS['ingress-controller'], ingress.registry);

  // The node agent needs the Docker engine; the control plane does not, so it starts either way
  // and the node joins as soon as the engine answers.
  const nodeName = `${opts.name}-control-plane`;
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  let agent: RunningAgent | undefined;
  let agentTimer: NodeJS.Timeout | undefined;
  let warned = false;
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
  const tryAgent = async (): Promise<void> => {
    try {
      const agentClient = new KubeClient({ server: api.url, caPem: api.pki.ca.certPem, token: api.tokens.tokenFor('system:node-bootstrap'), userAgent: `kubelet/${nodeName}` });
      agent = await startAgent({
        client: agentClient, clusterName: opts.name, nodeName, dataDir: join(dataDir, 'agent'), repoRoot,
        agentToken: api.tokens.tokenFor('system:node-bootstrap') ?? '', kubeletVersion: versionInfo(opts.skiffVersion).gitVersion, controlPlane: true, socketPath: opts.dockerSocket,
        networkIPAM: networkIPAM(layout), clusterDNS: dnsServiceIP(parseCidr(layout.serviceCIDR)),
      });
      if (warned) log.info({ node: nodeName }, 'node joined: the Docker engine is reachable again');
      await startDns();
    } catch (err) {
      if (!warned) log.warn({ node: nodeName, err: (err as Error).message.split('\n')[0] }, 'node cannot start; pods will not run until the Docker engine is reachable (retrying)');
      warned = true;
      agentTimer = setTimeout(() => void tryAgent(), 5000);
    }
  };
  await tryAgent();
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
    `  ingress:    ${ingressSummary(ingress, opts.ingressBindAddress ?? '127.0.0.1')}\n` +
    `Try: kubectl get ns\n`,
  );

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`received ${signal}, stopping\n`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    if (agentTimer) clearTimeout(agentTimer);
    // Pods keep running across a restart of skiff and are re-adopted; `skiff down` stops them.
    await proxy?.stop().catch(() => undefined);
    await agent?.stop().catch(() => undefined);
    await dns?.stop().catch(() => undefined);
    controllers.stop();
    scheduler.stop();
    observability.stop();
    await ingress.stop().catch(() => undefined);
    ingressClient.close();
    client.close();
    await api.stop();
    rmSync(pidFile(dataDir), { force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
