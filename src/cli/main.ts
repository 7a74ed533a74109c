/** The skiff command line: `up`, `down` and `version`. Errors print as one line and exit 1. */
import { isIP, isIPv4 } from 'node:net';
import { readFileSync } from 'node:fs';
import { parseDurationSeconds, parseFlags, parseCount, parsePort, UsageError } from './args.js';
import { DEFAULT_NAME, defaultDataDir } from './paths.js';
import { KUBERNETES_VERSION } from '../api/version.js';
import { isLogLevel, LOG_LEVELS } from '../log/logger.js';

// Each command loads only its own modules: `skiff agent` runs without the API server, storage and controllers.

const USAGE = `usage: skiff <command> [flags]

commands:
  up        run a cluster in the foreground
            --name NAME          cluster name (default "skiff")
            --data-dir DIR       state, certificates and kubeconfig (default ~/.skiff, or ~/.skiff-NAME)
            --port PORT          API server port (default 6443; 0 picks a free one)
            --bind-address ADDR  API server address (default 127.0.0.1)
            --kubeconfig FILE    merge the admin context here (default ~/.kube/config)
            --storage ENDPOINT   storage backend (default SQLite in the data dir)
            --docker-socket PATH the Docker engine's socket (default /var/run/docker.sock)
            --node-port-address ADDR  where NodePort Services listen (default 127.0.0.1)
            --log-level LEVEL    debug, info, warn or error (default info); JSON logs unless stdout is a terminal
            --ingress-port PORT  ingress HTTP port (default 80, else 8080)
            --ingress-tls-port PORT  ingress HTTPS port (default 443, else 8443)
            --ingress-bind-address ADDR  ingress address (default 127.0.0.1)
            --nodes N            run N nodes: NAME-control-plane, NAME-worker, NAME-worker2, ... (default 1)
            --node-monitor-grace-period D  a node whose Lease is older than this is Unknown (default 40s)
            --default-toleration-seconds N not-ready/unreachable toleration every pod gets (default 300)
  agent     join a node to a running cluster (the command \`skiff up\` prints)
            --server URL --token TOKEN --name NODE [--ca-file FILE] [--data-dir DIR] [--cluster NAME] [--docker-socket PATH]
  down      stop a cluster and remove its pods' containers (--name, --data-dir)
  version   print versions
`;

function skiffVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      const f = parseFlags(rest, {
        name: { type: 'string', default: DEFAULT_NAME }, 'data-dir': { type: 'string' }, port: { type: 'string' },
        'bind-address': { type: 'string', default: '127.0.0.1' }, kubeconfig: { type: 'string' }, storage: { type: 'string', default: '' },
        'docker-socket': { type: 'string' }, 'node-port-address': { type: 'string', default: '127.0.0.1' },
        nodes: { type: 'string' }, 'node-monitor-grace-period': { type: 'string' }, 'default-toleration-seconds': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'ingress-port': { type: 'string' }, 'ingress-tls-port': { type: 'string' }, 'ingress-bind-address': { type: 'string' },
      });
      const nodePortAddress = String(f['node-port-address']);
      if (!isIPv4(nodePortAddress)) throw new UsageError(`--node-port-address must be an IPv4 address, got "${nodePortAddress}"`);
      const logLevel = String(f['log-level']);
      if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
      const optionalPort = (flag: string): number | undefined => f[flag] === undefined ? undefined : parsePort(f[flag] as string, 0, `--${flag}`);
      const ingressAddress = f['ingress-bind-address'] as string | undefined;
      if (ingressAddress !== undefined && !isIP(ingressAddress)) throw new UsageError(`--ingress-bind-address must be an IP address, got "${ingressAddress}"`);
      const name = String(f.name);
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 40) {
        throw new UsageError(`--name must be a lowercase DNS label of at most 40 characters, got "${name}"`);
      }
      const { up } = await import('./up.js');
      await up({
        name, dataDir: (f['data-dir'] as string | undefined) ?? defaultDataDir(name), port: parsePort(f.port as string | undefined, 6443, '--port'),
        bindAddress: String(f['bind-address']), kubeconfig: f.kubeconfig as string | undefined, storage: String(f.storage), skiffVersion: skiffVersion(),
        dockerSocket: f['docker-socket'] as string | undefined, nodePortAddress, logLevel,
        ingressPort: optionalPort('ingress-port'), ingressTlsPort: optionalPort('ingress-tls-port'),
        ingressBindAddress: ingressAddress,
        nodes: parseCount(f.nodes as string | undefined, 1, '--nodes', 1, 20),
        nodeMonitorGracePeriodSeconds: parseDurationSeconds(f['node-monitor-grace-period'] as string | undefined, 40, '--node-monitor-grace-period'),
        defaultTolerationSeconds: parseCount(f['default-toleration-seconds'] as string | undefined, 300, '--default-toleration-seconds', 0, 86400 * 365),
      });
      return;
    }
    case 'agent': {
      const f = parseFlags(rest, {
        server: { type: 'string', default: '' }, token: { type: 'string', default: '' }, name: { type: 'string', default: '' },
        'data-dir': { type: 'string' }, 'ca-file': { type: 'string' }, cluster: { type: 'string' }, 'docker-socket': { type: 'string' },
      });
      const { agent } = await import('./agent.js');
      await agent({
        server: String(f.server), token: String(f.token), name: String(f.name), caFile: f['ca-file'] as string | undefined,
        dataDir: (f['data-dir'] as string | undefined) ?? defaultDataDir('agent'), cluster: f.cluster as string | undefined,
        dockerSocket: f['docker-socket'] as string | undefined, skiffVersion: skiffVersion(),
      });
      return;
    }
    case 'down': {
      const f = parseFlags(rest, { name: { type: 'string', default: DEFAULT_NAME }, 'data-dir': { type: 'string' } });
      const name = String(f.name);
      const { down } = await import('./down.js');
      process.stdout.write(`${await down({ name, dataDir: (f['data-dir'] as string | undefined) ?? defaultDataDir(name) })}\n`);
      return;
    }
    case 'version':
      process.stdout.write(`skiff ${skiffVersion()} (Kubernetes API v${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}, node ${process.version})\n`);
      return;
    case undefined: case 'help': case '--help': case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${command}"; run \`skiff help\``);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const msg = err instanceof UsageError ? err.message : err instanceof Error ? err.message : String(err);
  process.stderr.write(`skiff: ${msg}\n`);
  process.exit(1);
});
