// The Runtime on a local Docker engine (dockerode): pod sandboxes are containers of the sandbox
// image that own the pod's network and IPC namespaces; app containers join them, as dockershim did.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join, relative } from 'node:path';
import { PassThrough, Readable, type Duplex } from 'node:stream';
import './deferred-modules.js';
import Docker from 'dockerode';
import { readCgroupV1Stats } from './cgroup-stats.js';
import {
  ImagePullError,
  LABEL_CLUSTER,
  LABEL_CONTAINER_NAME,
  LABEL_CONTAINER_TYPE,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RESTART_COUNT,
  RuntimeUnavailableError,
  SANDBOX_CONTAINER_NAME,
  type ContainerConfig,
  type ContainerId,
  type ContainerState,
  type ContainerStats,
  type ContainerStatus,
  type ExecOptions,
  type ExecSession,
  type ImageInfo,
  type ListFilter,
  type LogOptions,
  type NetworkInfo,
  type NetworkIPAM,
  type RegistryAuth,
  type Runtime,
  type RuntimeEvent,
  type RuntimeVersion,
  type SandboxConfig,
  type SandboxStatus,
} from '../runtime.js';
import { collect, demux, demuxBuffer, firstFileFromTar, limitBytes, mergeFrames } from './streams.js';

/** The image every sandbox runs (built locally by scripts/build-images.sh or ensureSandboxImage). */
export const DEFAULT_SANDBOX_IMAGE = 'skiff/sandbox:0.1';
/** App containers point at their sandbox with this label (dockershim's key). */
export const LABEL_SANDBOX_ID = 'io.kubernetes.sandbox.id';
const TYPE_SANDBOX = 'podsandbox';
const TYPE_CONTAINER = 'container';
const PREFIX = 'docker://';
/** Docker's "never set" timestamp. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface DockerRuntimeOptions {
  /** Defaults to /var/run/docker.sock. */
  socketPath?: string;
  /** Every object this runtime creates carries io.skiff.cluster=<clusterName>, and lists are scoped to it. */
  clusterName: string;
  /** Every sandbox and container carries io.skiff.node=<nodeName>, and lists are scoped to it. */
  nodeName: string;
  sandboxImage?: string;
  /** API version to speak; 20.10 engines speak 1.41. */
  apiVersion?: string;
}

/** Thrown by execSync when the command outlived its timeout (it has been killed). */
export class ExecTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

interface DockerError extends Error {
  statusCode?: number;
  code?: string;
  syscall?: string;
  json?: { message?: string } | null;
}

function asDockerError(err: unknown): DockerError {
  return err instanceof Error ? (err as DockerError) : new Error(String(err));
}

/** The engine's own message for an API error (dockerode wraps it in "(HTTP code N) ..."). */
function engineMessage(err: DockerError): string {
  const json = err.json;
  if (json && typeof json === 'object' && typeof json.message === 'string') return json.message;
  // dockerode prefixes the engine's text with its HTTP status: users need only the engine's words.
  return err.message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '');
}

function isNotFound(err: unknown): boolean {
  return asDockerError(err).statusCode === 404;
}

function isUnreachable(err: DockerError): boolean {
  return (
    (err.code === 'ECONNREFUSED' || err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'ENOTSOCK') &&
    (err.syscall === 'connect' || err.syscall === undefined)
  );
}

function toId(raw: string): ContainerId {
  return PREFIX + raw;
}

function rawId(id: ContainerId): string {
  return id.startsWith(PREFIX) ? id.slice(PREFIX.length) : id;
}

function parseTime(s: string | undefined): Date | undefined {
  if (!s || s.startsWith('0001-01-01')) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** dockershim's container name: k8s_<container>_<pod>_<namespace>_<uid>_<attempt>. */
export function containerName(container: string, pod: string, namespace: string, uid: string, attempt: number): string {
  return `k8s_${container}_${pod}_${namespace}_${uid}_${attempt}`;
}

/** A Linux interface name (at most 15 bytes) derived from the network name, so the host side is known. */
export function bridgeName(network: string): string {
  return `skiff-${createHash('sha256').update(network).digest('hex').slice(0, 9)}`;
}

function mapState(status: string | undefined): ContainerState {
  switch (status) {
    case 'created':
      return 'created';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'running';
    case 'exited':
    case 'dead':
    case 'removing':
      return 'exited';
    default:
      return 'unknown';
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runtime on the Docker engine. Stateless apart from an image-inspect cache, so several instances
 * (an agent restart) see the same objects: everything is found again through labels. Safe for
 * concurrent calls.
 *
 * Host ports: a portMapping's hostIP is used as given; when it is empty the port is published on
 * 127.0.0.1 only (not on every interface as Kubernetes does), because skiff is a one-machine
 * cluster and must not expose pods to the network by accident.
 *
 * Pod-level resources (SandboxConfig.resources) limit the sandbox container only; per-container
 * limits come from ContainerConfig.resources.
 */
export class DockerRuntime implements Runtime {
  private readonly docker: Docker;
  private readonly socketPath: string;
  private readonly clusterName: string;
  private readonly nodeName: string;
  private readonly sandboxImage: string;
  private readonly imageRefs = new Map<string, string>();
  private readonly inspections = new Map<string, { state: string; info: Docker.ContainerInspectInfo }>();

  constructor(opts: DockerRuntimeOptions) {
    this.socketPath = opts.socketPath ?? '/var/run/docker.sock';
    this.clusterName = opts.clusterName;
    this.nodeName = opts.nodeName;
    this.sandboxImage = opts.sandboxImage ?? DEFAULT_SANDBOX_IMAGE;
    this.docker = new Docker({ socketPath: this.socketPath, version: opts.apiVersion ?? 'v1.41' });
  }

  /** Runs an engine call, turning "cannot connect to the socket" into RuntimeUnavailableError. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.mapError(err);
    }
  }

  private mapError(err: unknown): Error {
    const e = asDockerError(err);
    if (isUnreachable(e)) return new RuntimeUnavailableError(`cannot reach the Docker engine at ${this.socketPath}: ${e.message}`);
    return e;
  }

  private ownLabels(): Record<string, string> {
    return { [LABEL_CLUSTER]: this.clusterName, [LABEL_NODE]: this.nodeName };
  }

  private labelFilters(extra: Record<string, string>): string[] {
    const all = { ...extra, ...this.ownLabels() };
    return Object.entries(all).map(([k, v]) => `${k}=${v}`);
  }

  async version(): Promise<RuntimeVersion> {
    const v = await this.call(() => this.docker.version());
    return { runtimeName: 'docker', runtimeVersion: v.Version, runtimeApiVersion: v.ApiVersion };
  }

  // ---- images ---------------------------------------------------------------------------------

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    try {
      const info = await this.call(() => this.docker.getImage(image).inspect());
      return {
        id: info.Id,
        repoTags: info.RepoTags ?? [],
        repoDigests: info.RepoDigests ?? [],
        sizeBytes: info.Size,
        stopSignal: (info.Config as { StopSignal?: string }).StopSignal || undefined,
        user: info.Config.User || undefined,
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async pullImage(image: string, auth?: RegistryAuth, onProgress?: (line: string) => void): Promise<ImageInfo> {
    let authconfig: Record<string, string> | undefined;
    if (auth) {
      let { username, password } = auth;
      if (!username && auth.auth) {
        // The engine wants username/password; a dockerconfigjson `auth` is base64(user:pass).
        const decoded = Buffer.from(auth.auth, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        username = decoded.slice(0, i);
        password = decoded.slice(i + 1);
      }
      authconfig = { username: username ?? '', password: password ?? '', serveraddress: auth.serveraddress };
    }
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.call(() => this.docker.pull(image, authconfig ? { authconfig } : {}) as Promise<NodeJS.ReadableStream>);
    } catch (err) {
      if (err instanceof RuntimeUnavailableError) throw err;
      throw new ImagePullError(image, engineMessage(asDockerError(err)));
    }
    // Pull failures after the headers arrive come as {error} lines in the progress stream.
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(new ImagePullError(image, err.message)) : resolve()),
        (ev: { status?: string; id?: string; progress?: string; error?: string }) => {
          if (!onProgress) return;
          const line = [ev.id, ev.status, ev.progress].filter(Boolean).join(' ');
          if (line) onProgress(line);
        },
      );
    });
    const info = await this.imageStatus(image);
    if (!info) throw new ImagePullError(image, `image ${image} not present after pull`);
    return info;
  }

  async buildImage(contextDir: string, tag: string): Promise<void> {
    const stream = await this.call(() =>
      this.docker.buildImage({ context: contextDir, src: listFiles(contextDir) }, { t: tag, rm: true, forcerm: true }),
    );
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(new Error(`building ${tag}: ${err.message}`)) : resolve()));
    });
    this.imageRefs.clear();
  }

  // ---- sandboxes ------------------------------------------------------------------------------

  async runSandbox(cfg: SandboxConfig): Promise<SandboxStatus> {
    const labels: Record<string, string> = {
      ...cfg.labels,
      ...this.ownLabels(),
      [LABEL_POD_UID]: cfg.podUid,
      [LABEL_POD_NAME]: cfg.podName,
      [LABEL_POD_NAMESPACE]: cfg.namespace,
      [LABEL_CONTAINER_NAME]: SANDBOX_CONTAINER_NAME,
      [LABEL_CONTAINER_TYPE]: TYPE_SANDBOX,
      [LABEL_RESTART_COUNT]: String(cfg.attempt),
    };
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of cfg.portMappings) {
      if (!p.hostPort) continue;
      const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: p.hostIP || '127.0.0.1', HostPort: String(p.hostPort) });
    }
    const hostConfig: Docker.HostConfig = {
      NetworkMode: cfg.hostNetwork ? 'host' : cfg.network,
      // App containers join this IPC namespace, which needs it to be shareable.
      IpcMode: 'shareable',
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: {} },
      ExtraHosts: (cfg.hostAliases ?? []).flatMap((a) => a.hostnames.map((h) => `${h}:${a.ip}`)),
      ...this.resourceConfig(cfg.resources ?? {}),
    };
    if (!cfg.hostNetwork) {
      hostConfig.PortBindings = bindings;
      // The engine refuses DNS settings with the host network (the host's resolv.conf applies).
      if (cfg.dns) {
        hostConfig.Dns = cfg.dns.servers;
        hostConfig.DnsSearch = cfg.dns.searches;
        hostConfig.DnsOptions = cfg.dns.options;
      }
    }
    const create: Docker.ContainerCreateOptions = {
      name: containerName(SANDBOX_CONTAINER_NAME, cfg.podName, cfg.namespace, cfg.podUid, cfg.attempt),
      Image: this.sandboxImage,
      Labels: labels,
      ExposedPorts: cfg.hostNetwork ? undefined : exposed,
      HostConfig: hostConfig,
    };
    if (!cfg.hostNetwork) create.Hostname = cfg.hostname;
    const container = await this.createNamed(create);
    let info: Docker.ContainerInspectInfo | undefined;
    try {
      await this.call(() => container.start());
      // One inspection serves both the resolv.conf path and the sandbox's status (its IP).
      info = await this.inspect(container.id);
      // On a user-defined network the engine points resolv.conf at its own resolver (127.0.0.11);
      // pods get the file they asked for instead, and the pod's containers share it with the sandbox.
      // An engine whose files this process cannot reach keeps its resolver, which forwards to the same servers.
      if (info && cfg.dns && !cfg.hostNetwork) await this.writeResolvConf(info.ResolvConfPath, cfg.dns).catch(() => undefined);
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw err;
    }
    if (!info) throw new Error(`sandbox ${container.id} vanished after start`);
    return this.sandboxFromInspect(info);
  }

  /**
   * Creates a container; a leftover with the same name (a crash between create and record) is
   * removed and the create retried once, as dockershim did.
   */
  private async createNamed(opts: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    try {
      return await this.call(() => this.docker.createContainer(opts));
    } catch (err) {
      const e = asDockerError(err);
      if (e.statusCode !== 409 || !opts.name) throw err;
      const old = await this.call(() => this.docker.getContainer(opts.name as string).inspect()).catch(() => undefined);
      if (!old || old.Config.Labels?.[LABEL_CLUSTER] !== this.clusterName || old.State.Running) throw err;
      await this.call(() => this.docker.getContainer(old.Id).remove({ force: true }));
      return await this.call(() => this.docker.createContainer(opts));
    }
  }

  private sandboxFromInspect(info: Docker.ContainerInspectInfo): SandboxStatus {
    const labels = info.Config.Labels ?? {};
    let ip: string | undefined;
    const nets = info.NetworkSettings?.Networks ?? {};
    for (const net of Object.values(nets)) {
      if (net.IPAddress) {
        ip = net.IPAddress;
        break;
      }
    }
    if (!ip && info.HostConfig.NetworkMode === 'host') ip = '127.0.0.1';
    return {
      id: toId(info.Id),
      podUid: labels[LABEL_POD_UID] ?? '',
      podName: labels[LABEL_POD_NAME] ?? '',
      namespace: labels[LABEL_POD_NAMESPACE] ?? '',
      attempt: Number(labels[LABEL_RESTART_COUNT] ?? 0),
      state: info.State.Running ? 'ready' : 'notready',
      ip: info.State.Running ? ip : undefined,
      createdAt: new Date(info.Created),
      labels,
    };
  }

  /**
   * Inspects a listed container, reusing the last inspection while the engine reports the same
   * state for it: what an inspection shows only changes with the state, and the agent lists every
   * pod's containers on each resync.
   */
  private async inspectListed(c: Docker.ContainerInfo): Promise<Docker.ContainerInspectInfo | undefined> {
    const cached = this.inspections.get(c.Id);
    // A cached inspection is trusted only while it agrees with the list; events drop entries (see events()).
    if (cached && cached.state === c.State && cached.info.State.Status === c.State && c.State !== 'created') return cached.info;
    const info = await this.inspect(c.Id);
    if (this.inspections.size > 4096) this.inspections.clear();
    if (info) this.inspections.set(c.Id, { state: c.State, info });
    else this.inspections.delete(c.Id);
    return info;
  }

  /** One engine listing by labels, each entry inspected (from the cache where it still holds); those gone meanwhile are left out. */
  private async listInspected(labels: Record<string, string>): Promise<Docker.ContainerInspectInfo[]> {
    const list = await this.call(() => this.docker.listContainers({ all: true, filters: { label: this.labelFilters(labels) } }));
    const infos = await Promise.all(list.map((c) => this.inspectListed(c)));
    return infos.filter((i): i is Docker.ContainerInspectInfo => i !== undefined);
  }

  private async inspect(id: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.call(() => this.docker.getContainer(id).inspect());
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async sandboxStatus(id: ContainerId): Promise<SandboxStatus | undefined> {
    const info = await this.inspect(rawId(id));
    return info ? this.sandboxFromInspect(info) : undefined;
  }

  private async containersOfSandbox(id: ContainerId): Promise<Docker.ContainerInfo[]> {
    return this.call(() =>
      this.docker.listContainers({ all: true, filters: { label: this.labelFilters({ [LABEL_SANDBOX_ID]: rawId(id) }) } }),
    );
  }

  /** Stops the sandbox's containers, then the sandbox itself (CRI StopPodSandbox). */
  async stopSandbox(id: ContainerId, timeoutSeconds: number): Promise<void> {
    const members = await this.containersOfSandbox(id);
    await Promise.all(members.filter((c) => c.State === 'running').map((c) => this.stopContainer(toId(c.Id), timeoutSeconds)));
    await this.stopContainer(id, timeoutSeconds);
  }

  async removeSandbox(id: ContainerId): Promise<void> {
    const members = await this.containersOfSandbox(id);
    await Promise.all(members.map((c) => this.removeContainer(toId(c.Id))));
    await this.removeContainer(id);
  }

  async listSandboxes(filter: ListFilter): Promise<SandboxStatus[]> {
    const infos = await this.listInspected({ ...filter.labels, [LABEL_CONTAINER_TYPE]: TYPE_SANDBOX });
    return infos.map((i) => this.sandboxFromInspect(i));
  }

  // ---- containers -----------------------------------------------------------------------------

  private resourceConfig(r: { memoryLimitBytes?: number; nanoCpus?: number; cpuShares?: number }): Docker.HostConfig {
    const hc: Docker.HostConfig = {};
    if (r.memoryLimitBytes) {
      hc.Memory = r.memoryLimitBytes;
      // Without this the container may swap past its limit instead of being OOM-killed.
      hc.MemorySwap = r.memoryLimitBytes;
    }
    if (r.nanoCpus) hc.NanoCpus = r.nanoCpus;
    if (r.cpuShares) hc.CpuShares = r.cpuShares;
    return hc;
  }

  async createContainer(sandboxId: ContainerId, cfg: ContainerConfig): Promise<ContainerId> {
    const sandbox = rawId(sandboxId);
    const labels: Record<string, string> = {
      ...cfg.labels,
      ...this.ownLabels(),
      [LABEL_POD_UID]: cfg.podUid,
      [LABEL_POD_NAME]: cfg.podName,
      [LABEL_POD_NAMESPACE]: cfg.namespace,
      [LABEL_CONTAINER_NAME]: cfg.name,
      [LABEL_CONTAINER_TYPE]: TYPE_CONTAINER,
      [LABEL_RESTART_COUNT]: String(cfg.attempt),
      [LABEL_SANDBOX_ID]: sandbox,
    };
    const binds: string[] = [];
    const mounts: Docker.MountSettings[] = [];
    for (const m of cfg.mounts) {
      const ro = m.readOnly ? ':ro' : '';
      if (m.tmpfs) {
        mounts.push({
          Type: 'tmpfs',
          Target: m.containerPath,
          ReadOnly: m.readOnly,
          TmpfsOptions: m.tmpfs.sizeBytes ? { SizeBytes: m.tmpfs.sizeBytes } : undefined,
        } as Docker.MountSettings);
      } else if (m.hostPath !== undefined) {
        const source = m.subPath ? join(m.hostPath, m.subPath) : m.hostPath;
        // The kubelet creates a missing subPath directory; the engine would too, but as root only.
        // An existing entry (a configMap key's file link) is mounted as it is.
        if (m.subPath && !existsSync(source)) mkdirSync(source, { recursive: true });
        binds.push(`${source}:${m.containerPath}${ro}`);
      } else if (m.volumeName) {
        if (m.subPath) {
          // API 1.41 cannot mount part of a volume: bind the sub directory of its mountpoint.
          const vol = await this.call(() => this.docker.getVolume(m.volumeName as string).inspect());
          const source = join(vol.Mountpoint, m.subPath);
          if (!existsSync(source)) mkdirSync(source, { recursive: true });
          binds.push(`${source}:${m.containerPath}${ro}`);
        } else {
          binds.push(`${m.volumeName}:${m.containerPath}${ro}`);
        }
      }
    }
    const sec = cfg.security;
    let user: string | undefined;
    if (sec.runAsUser !== undefined) {
      user = sec.runAsGroup !== undefined ? `${sec.runAsUser}:${sec.runAsGroup}` : String(sec.runAsUser);
    } else if (sec.runAsGroup !== undefined) {
      const img = await this.imageStatus(cfg.image);
      user = `${(img?.user ?? '').split(':')[0] || '0'}:${sec.runAsGroup}`;
    }
    const hostConfig: Docker.HostConfig = {
      NetworkMode: `container:${sandbox}`,
      IpcMode: `container:${sandbox}`,
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: {} },
      Binds: binds,
      Mounts: mounts,
      ReadonlyRootfs: sec.readOnlyRootFilesystem ?? false,
      Privileged: sec.privileged ?? false,
      CapAdd: sec.capAdd,
      CapDrop: sec.capDrop,
      GroupAdd: sec.supplementalGroups?.map(String),
      SecurityOpt: sec.noNewPrivileges ? ['no-new-privileges'] : undefined,
      ...this.resourceConfig(cfg.resources),
    };
    const create: Docker.ContainerCreateOptions = {
      name: containerName(cfg.name, cfg.podName, cfg.namespace, cfg.podUid, cfg.attempt),
      Image: cfg.image,
      Labels: labels,
      Env: cfg.env.map((e) => `${e.name}=${e.value}`),
      WorkingDir: cfg.workingDir,
      User: user,
      OpenStdin: cfg.stdin,
      StdinOnce: cfg.stdinOnce,
      Tty: cfg.tty,
      HostConfig: hostConfig,
    };
    // Kubernetes semantics: `command` replaces the entrypoint and (the engine does this when an
    // entrypoint is given) drops the image's CMD; `args` alone replace only the CMD.
    if (cfg.command && cfg.command.length > 0) {
      create.Entrypoint = cfg.command;
      create.Cmd = cfg.args ?? [];
    } else if (cfg.args && cfg.args.length > 0) {
      create.Cmd = cfg.args;
    }
    const container = await this.createNamed(create);
    return toId(container.id);
  }

  async startContainer(id: ContainerId): Promise<void> {
    await this.call(() => this.docker.getContainer(rawId(id)).start());
  }

  async stopContainer(id: ContainerId, timeoutSeconds: number, signal?: string): Promise<void> {
    const c = this.docker.getContainer(rawId(id));
    const info = await this.inspect(rawId(id));
    if (!info || !info.State.Running) return;
    // Config.StopSignal already holds the image's STOPSIGNAL unless the container overrode it.
    const sig = signal || (info.Config as { StopSignal?: string }).StopSignal || 'SIGTERM';
    // API 1.41's stop takes no signal, so: kill with the signal, wait, then SIGKILL.
    try {
      await this.call(() => c.kill({ signal: sig }));
    } catch (err) {
      if (!this.notRunning(err)) throw err;
      return;
    }
    if (await this.waitStopped(rawId(id), timeoutSeconds * 1000)) return;
    try {
      await this.call(() => c.kill({ signal: 'SIGKILL' }));
    } catch (err) {
      if (!this.notRunning(err)) throw err;
    }
    await this.waitStopped(rawId(id), 10_000);
  }

  private notRunning(err: unknown): boolean {
    const e = asDockerError(err);
    return e.statusCode === 404 || e.statusCode === 409;
  }

  /** Polls until the container is not running; false on timeout. */
  private async waitStopped(id: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await this.inspect(id);
      if (!info || !info.State.Running) return true;
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(100, Math.max(10, deadline - Date.now())));
    }
  }

  async removeContainer(id: ContainerId): Promise<void> {
    try {
      await this.call(() => this.docker.getContainer(rawId(id)).remove({ force: true, v: true }));
    } catch (err) {
      // Already gone, or a removal already in progress: either way it is going away.
      const e = asDockerError(err);
      if (e.statusCode === 404 || (e.statusCode === 409 && /already in progress/.test(engineMessage(e)))) return;
      throw err;
    }
  }

  async listContainers(filter: ListFilter): Promise<ContainerStatus[]> {
    const infos = await this.listInspected({ ...filter.labels, [LABEL_CONTAINER_TYPE]: TYPE_CONTAINER });
    return Promise.all(infos.map((i) => this.statusFromInspect(i)));
  }

  async listAll(filter: ListFilter): Promise<{ sandboxes: SandboxStatus[]; containers: ContainerStatus[] }> {
    const infos = await this.listInspected(filter.labels);
    const typeOf = (i: Docker.ContainerInspectInfo): string | undefined => i.Config.Labels?.[LABEL_CONTAINER_TYPE];
    return {
      sandboxes: infos.filter((i) => typeOf(i) === TYPE_SANDBOX).map((i) => this.sandboxFromInspect(i)),
      containers: await Promise.all(infos.filter((i) => typeOf(i) === TYPE_CONTAINER).map((i) => this.statusFromInspect(i))),
    };
  }

  private async imageRef(imageId: string): Promise<string> {
    const cached = this.imageRefs.get(imageId);
    if (cached) return cached;
    let ref = `docker://${imageId}`;
    try {
      const img = await this.call(() => this.docker.getImage(imageId).inspect());
      if (img.RepoDigests && img.RepoDigests.length > 0) ref = `docker-pullable://${img.RepoDigests[0]}`;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.imageRefs.set(imageId, ref);
    return ref;
  }

  async containerStatus(id: ContainerId): Promise<ContainerStatus | undefined> {
    const info = await this.inspect(rawId(id));
    return info ? this.statusFromInspect(info) : undefined;
  }

  private async statusFromInspect(info: Docker.ContainerInspectInfo): Promise<ContainerStatus> {
    const labels = info.Config.Labels ?? {};
    // A start the engine refused (bad command) leaves the container "created" with State.Error set:
    // it ran and failed as far as the pod is concerned, so it is reported exited (ContainerCannotRun).
    const state = info.State.Status === 'created' && info.State.Error ? 'exited' : mapState(info.State.Status);
    const status: ContainerStatus = {
      id: toId(info.Id),
      podUid: labels[LABEL_POD_UID] ?? '',
      name: labels[LABEL_CONTAINER_NAME] ?? info.Name.replace(/^\//, ''),
      attempt: Number(labels[LABEL_RESTART_COUNT] ?? 0),
      state,
      createdAt: new Date(info.Created),
      startedAt: parseTime(info.State.StartedAt),
      image: info.Config.Image,
      imageRef: await this.imageRef(info.Image),
      labels,
    };
    if (state === 'exited') {
      status.exitCode = info.State.ExitCode;
      status.finishedAt = parseTime(info.State.FinishedAt);
      if (info.State.OOMKilled) status.reason = 'OOMKilled';
      else if (info.State.Error && !status.startedAt) status.reason = 'ContainerCannotRun';
      else status.reason = info.State.ExitCode === 0 ? 'Completed' : 'Error';
      if (info.State.Error) status.message = info.State.Error;
    }
    return status;
  }

  async readFile(id: ContainerId, path: string, maxBytes: number): Promise<string | undefined> {
    let tar: Buffer;
    try {
      const stream = await this.call(() => this.docker.getContainer(rawId(id)).getArchive({ path }));
      tar = await collect(stream as unknown as Readable);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return firstFileFromTar(tar, maxBytes)?.toString('utf8');
  }

  // ---- streams --------------------------------------------------------------------------------

  async logs(id: ContainerId, opts: LogOptions): Promise<Readable> {
    const info = await this.inspect(rawId(id));
    if (!info) throw new Error(`container ${id} not found`);
    const c = this.docker.getContainer(rawId(id));
    const base = {
      stdout: true,
      stderr: true,
      timestamps: opts.timestamps,
      tail: opts.tailLines !== undefined ? opts.tailLines : ('all' as unknown as number),
      since: opts.sinceTime ? (opts.sinceTime.getTime() / 1000).toFixed(3) : undefined,
    };
    // tail=0 means "everything" to some engine versions: answer it here.
    if (opts.tailLines === 0 && !opts.follow) return Readable.from([]);
    let out: Readable;
    let close: () => void = () => undefined;
    if (opts.follow) {
      const raw = (await this.call(() =>
        c.logs({ ...base, follow: true } as Docker.ContainerLogsOptions & { follow: true }),
      )) as unknown as Readable;
      close = () => raw.destroy();
      out = info.Config.Tty ? raw : raw.pipe(mergeFrames());
      if (out !== raw) raw.once('error', (e) => out.destroy(e));
    } else {
      const buf = (await this.call(() =>
        c.logs({ ...base, follow: false } as Docker.ContainerLogsOptions & { follow?: false }),
      )) as unknown as Buffer;
      out = Readable.from(info.Config.Tty ? [buf] : demuxBuffer(buf));
    }
    if (opts.limitBytes !== undefined) {
      const limited = out.pipe(limitBytes(opts.limitBytes, close));
      limited.once('close', close);
      return limited;
    }
    out.once('close', close);
    return out;
  }

  async exec(id: ContainerId, opts: ExecOptions): Promise<ExecSession> {
    const c = this.docker.getContainer(rawId(id));
    const ex = await this.call(() =>
      c.exec({ Cmd: opts.cmd, AttachStdin: opts.stdin, AttachStdout: opts.stdout, AttachStderr: opts.stderr, Tty: opts.tty }),
    );
    const socket = (await this.call(() => ex.start({ hijack: true, stdin: opts.stdin, Tty: opts.tty }))) as unknown as Duplex;
    const session = this.sessionFromSocket(socket, opts);
    const exitCode = this.streamDone(socket).then(async () => {
      // The stream can end a moment before the engine records the exit code.
      for (let i = 0; i < 50; i++) {
        const r = await this.call(() => ex.inspect());
        if (!r.Running) return r.ExitCode ?? -1;
        await sleep(20);
      }
      return -1;
    });
    // kubectl sends the terminal size as soon as the stream opens, which can be before the engine
    // reports the exec process running; the engine refuses a resize until then, so try again briefly.
    const resize = async (w: number, h: number): Promise<void> => {
      for (let i = 0; ; i++) {
        try {
          await this.call(() => ex.resize({ w, h }));
          return;
        } catch (err) {
          if (i >= 20) throw err;
          await sleep(25);
        }
      }
    };
    return { ...session, resize, exitCode };
  }

  async attach(id: ContainerId, opts: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): Promise<ExecSession> {
    const c = this.docker.getContainer(rawId(id));
    const socket = (await this.call(() =>
      c.attach({ stream: true, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, hijack: true }),
    )) as unknown as Duplex;
    const session = this.sessionFromSocket(socket, opts);
    // A created container has not exited yet: "not-running" would answer at once with 0.
    const info = await this.inspect(rawId(id));
    const condition = info?.State.Status === 'created' ? 'next-exit' : 'not-running';
    const exitCode = this.call(() => c.wait({ condition }) as Promise<{ StatusCode: number }>).then((r) => r.StatusCode);
    return { ...session, resize: async (w, h) => void (await this.call(() => c.resize({ w, h }))), exitCode };
  }

  private sessionFromSocket(socket: Duplex, opts: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): Omit<ExecSession, 'resize' | 'exitCode'> {
    const session: Omit<ExecSession, 'resize' | 'exitCode'> = {};
    if (opts.stdin) session.stdin = socket;
    if (opts.tty) {
      const stdout = new PassThrough();
      socket.pipe(stdout);
      socket.once('error', () => stdout.end());
      session.stdout = stdout;
    } else {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      demux(socket as unknown as Readable, stdout, stderr);
      if (opts.stdout) session.stdout = stdout;
      else stdout.resume();
      if (opts.stderr) session.stderr = stderr;
      else stderr.resume();
    }
    return session;
  }

  private streamDone(stream: Duplex): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (!done) {
          done = true;
          resolve();
        }
      };
      stream.once('end', finish);
      stream.once('close', finish);
      stream.once('error', finish);
    });
  }

  async execSync(id: ContainerId, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const c = this.docker.getContainer(rawId(id));
    const ex = await this.call(() => c.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false }));
    const socket = (await this.call(() => ex.start({ hijack: true, stdin: false }))) as unknown as Duplex;
    const out = new PassThrough();
    const err = new PassThrough();
    const parts: Buffer[] = [];
    out.on('data', (b: Buffer) => parts.push(b));
    err.on('data', (b: Buffer) => parts.push(b));
    demux(socket as unknown as Readable, out, err);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const r = await Promise.race([this.streamDone(socket).then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (r === 'timeout') {
      socket.destroy();
      // The engine cannot kill an exec; its process has a host PID, and this agent runs on that host.
      const info = await this.call(() => ex.inspect()).catch(() => undefined);
      const pid = (info as { Pid?: number } | undefined)?.Pid;
      if (info?.Running && pid && pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone, or not visible from here: nothing more can be done.
        }
      }
      throw new ExecTimeoutError(`command ${JSON.stringify(cmd)} timed out after ${timeoutMs}ms`);
    }
    let exitCode = -1;
    for (let i = 0; i < 50; i++) {
      const info = await this.call(() => ex.inspect());
      if (!info.Running) {
        exitCode = info.ExitCode ?? -1;
        break;
      }
      await sleep(20);
    }
    return { exitCode, output: Buffer.concat(parts).toString('utf8') };
  }

  async portForward(sandboxId: ContainerId, port: number): Promise<Duplex> {
    const status = await this.sandboxStatus(sandboxId);
    if (!status) throw new Error(`sandbox ${sandboxId} not found`);
    if (!status.ip) throw new Error(`sandbox ${sandboxId} has no IP (not running)`);
    const ip = status.ip;
    return new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: ip, port });
      s.once('connect', () => {
        s.removeListener('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
  }

  async stats(id: ContainerId, opts: { network?: boolean } = {}): Promise<ContainerStats | undefined> {
    // The inspection a listing cached is enough to know it runs and which sandbox it joins; engine events drop stale ones.
    const info = this.inspections.get(rawId(id))?.info ?? await this.inspect(rawId(id));
    if (!info || !info.State.Running) return undefined;
    const direct = readCgroupV1Stats({ id: info.Id, cgroupParent: info.HostConfig.CgroupParent ?? '', pid: info.State.Pid, network: opts.network !== false });
    if (direct) return direct;
    // one-shot: answer at once from one cgroup reading instead of waiting a second for a CPU delta
    // (callers keep their own previous sample for rates).
    const oneShot = { stream: false, 'one-shot': true } as { stream: false };
    const s = (await this.call(() => this.docker.getContainer(rawId(id)).stats(oneShot))) as Docker.ContainerStats;
    const usage = s.memory_stats?.usage ?? 0;
    const mstats = (s.memory_stats?.stats ?? {}) as Record<string, number | undefined>;
    // cgroup v1 names it total_inactive_file (with hierarchy) or inactive_file; v2 inactive_file.
    const inactive = mstats.total_inactive_file ?? mstats.inactive_file ?? 0;
    let rx = 0;
    let tx = 0;
    let networks: Record<string, { rx_bytes: number; tx_bytes: number }> | undefined = s.networks;
    const sandbox = info.Config.Labels?.[LABEL_SANDBOX_ID];
    if (!networks && sandbox && opts.network !== false) {
      // App containers share the sandbox's network namespace; the engine reports it there.
      const ss = (await this.call(() => this.docker.getContainer(sandbox).stats(oneShot)).catch(() => undefined)) as
        | Docker.ContainerStats
        | undefined;
      networks = ss?.networks;
    }
    for (const n of Object.values(networks ?? {})) {
      rx += n.rx_bytes;
      tx += n.tx_bytes;
    }
    return {
      timestamp: new Date(s.read),
      cpuUsageNanoSeconds: s.cpu_stats?.cpu_usage?.total_usage ?? 0,
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: Math.max(0, usage - inactive),
      rxBytes: rx,
      txBytes: tx,
    };
  }

  // ---- events ---------------------------------------------------------------------------------

  events(onEvent: (e: RuntimeEvent) => void, onError?: (err: Error) => void): { stop(): void } {
    let stopped = false;
    let current: Readable | undefined;
    let backoff = 200;
    // Resume from the last event seen so a reconnect loses nothing.
    let since = Math.floor(Date.now() / 1000);
    const connectOnce = async (): Promise<void> => {
      const stream = (await this.call(() =>
        this.docker.getEvents({ since, filters: { type: ['container'], label: this.labelFilters({}) } }),
      )) as unknown as Readable;
      if (stopped) {
        stream.destroy();
        return;
      }
      current = stream;
      backoff = 200;
      let pending = '';
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => {
          pending += chunk.toString('utf8');
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            if (!line) continue;
            try {
              const ev = JSON.parse(line) as { Action?: string; time?: number; Actor?: { ID?: string; Attributes?: Record<string, string> } };
              if (ev.time) since = ev.time;
              const attrs = { ...(ev.Actor?.Attributes ?? {}) };
              for (const k of ['name', 'image', 'exitCode', 'signal', 'execID']) delete attrs[k];
              // The engine's list can lag its events: whatever happened, the next look inspects afresh.
              this.inspections.delete(ev.Actor?.ID ?? '');
              onEvent({ action: (ev.Action ?? '').split(':')[0], id: toId(ev.Actor?.ID ?? ''), labels: attrs });
            } catch {
              // A malformed line is skipped; the stream itself stays usable.
            }
          }
        });
        stream.once('end', () => resolve());
        stream.once('close', () => resolve());
        stream.once('error', reject);
      });
    };
    const loop = async (): Promise<void> => {
      while (!stopped) {
        try {
          await connectOnce();
          if (!stopped) onError?.(new Error('engine event stream ended; reconnecting'));
        } catch (err) {
          if (!stopped) onError?.(err instanceof Error ? err : new Error(String(err)));
        }
        if (stopped) break;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    };
    void loop();
    return {
      stop: () => {
        stopped = true;
        current?.destroy();
      },
    };
  }

  private async writeResolvConf(path: string | undefined, dns: { servers: string[]; searches: string[]; options: string[] }): Promise<void> {
    if (!path) return;
    const lines = [...dns.servers.map((s) => `nameserver ${s}`)];
    if (dns.searches.length) lines.push(`search ${dns.searches.join(' ')}`);
    if (dns.options.length) lines.push(`options ${dns.options.join(' ')}`);
    await writeFile(path, lines.join('\n') + '\n');
  }

  // ---- networks and volumes -------------------------------------------------------------------

  async ensureNetwork(name: string, labels: Record<string, string>, ipam?: NetworkIPAM): Promise<NetworkInfo> {
    const existing = await this.networkInfo(name);
    if (existing) return existing;
    try {
      await this.call(() =>
        this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: { ...labels, [LABEL_CLUSTER]: this.clusterName },
          Options: { 'com.docker.network.bridge.name': bridgeName(name) },
          ...(ipam ? { IPAM: { Driver: 'default', Config: [{ Subnet: ipam.subnet, IPRange: ipam.ipRange, Gateway: ipam.gateway }] } } : {}),
        }),
      );
    } catch (err) {
      // A concurrent ensureNetwork created it first.
      if (asDockerError(err).statusCode !== 409) throw err;
    }
    const info = await this.networkInfo(name);
    if (!info) throw new Error(`network ${name} missing after create`);
    return info;
  }

  private async networkInfo(name: string): Promise<NetworkInfo | undefined> {
    let net: Docker.NetworkInspectInfo;
    try {
      net = (await this.call(() => this.docker.getNetwork(name).inspect())) as Docker.NetworkInspectInfo;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    // Inspect also matches ID prefixes; only an exact name counts.
    if (net.Name !== name) return undefined;
    const ipam = net.IPAM?.Config?.[0] ?? {};
    return {
      name: net.Name,
      subnet: ipam.Subnet ?? '',
      gateway: ipam.Gateway ?? '',
      bridge: net.Options?.['com.docker.network.bridge.name'] ?? `br-${net.Id.slice(0, 12)}`,
      ipRange: ipam.IPRange || undefined,
      attached: Object.keys(net.Containers ?? {}).length,
    };
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.call(() => this.docker.getNetwork(name).remove());
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    // Creating an existing local volume is a no-op in the engine.
    await this.call(() => this.docker.createVolume({ Name: name, Labels: { ...labels, [LABEL_CLUSTER]: this.clusterName } }));
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.call(() => this.docker.getVolume(name).remove());
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
