/**
 * The container runtime interface the node agent uses, modelled on the kubelet's CRI: pod
 * sandboxes (one per pod, holding its network namespace), containers in them, images, logs,
 * exec, stats and events. Docker is one implementation (runtime/docker); a fake one backs
 * unit tests (runtime/fake). No Docker type crosses this interface.
 *
 * Implementations are safe for concurrent calls; the agent serializes work per pod.
 */
import type { Duplex, Readable, Writable } from 'node:stream';

/** `docker://<id>` for Docker, `fake://<id>` for the fake runtime. */
export type ContainerId = string;

/** Labels every sandbox and container carries (dockershim's keys, which cAdvisor and others read). */
export const LABEL_CLUSTER = 'io.skiff.cluster';
export const LABEL_NODE = 'io.skiff.node';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** `podsandbox` or `container`. */
export const LABEL_CONTAINER_TYPE = 'io.kubernetes.docker.type';
export const LABEL_RESTART_COUNT = 'io.kubernetes.container.restartCount';
/** The name containers of the sandbox carry, as dockershim named it. */
export const SANDBOX_CONTAINER_NAME = 'POD';

export interface RuntimeVersion {
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** base64(username:password), as in a dockerconfigjson `auth` field. */
  auth?: string;
  serveraddress: string;
}

export interface ImageInfo {
  /** `sha256:...` */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  sizeBytes: number;
  /** The image's STOPSIGNAL, if it sets one. */
  stopSignal?: string;
  /** Default user of the image (for runAsNonRoot checks). */
  user?: string;
}

/** Thrown by pullImage with the registry's own message, surfaced as ErrImagePull. */
export class ImagePullError extends Error {
  constructor(readonly image: string, message: string) {
    super(message);
    this.name = 'ImagePullError';
  }
}

/** Thrown when the engine cannot be reached at all (the node goes NotReady). */
export class RuntimeUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeUnavailableError';
  }
}

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  hostIP?: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

export interface SandboxConfig {
  podUid: string;
  podName: string;
  namespace: string;
  /** Incremented each time the sandbox is recreated. */
  attempt: number;
  hostname: string;
  /** The Docker network of the cluster (ignored with hostNetwork). */
  network: string;
  hostNetwork: boolean;
  dns?: { servers: string[]; searches: string[]; options: string[] };
  hostAliases?: { ip: string; hostnames: string[] }[];
  portMappings: PortMapping[];
  /** Extra labels (cluster, node). */
  labels: Record<string, string>;
  /** Pod-level cgroup limits, when the pod has them. */
  resources?: ContainerResources;
}

export interface SandboxStatus {
  id: ContainerId;
  podUid: string;
  podName: string;
  namespace: string;
  attempt: number;
  state: 'ready' | 'notready';
  /** The pod IP on the cluster network. */
  ip?: string;
  createdAt: Date;
  labels: Record<string, string>;
}

export interface Mount {
  containerPath: string;
  /** A host directory or file bind-mounted in. */
  hostPath?: string;
  /** A named engine volume (persistentVolumeClaim). */
  volumeName?: string;
  /** A tmpfs (emptyDir medium Memory). */
  tmpfs?: { sizeBytes?: number };
  readOnly: boolean;
  /** Mount only this path inside the source (subPath). */
  subPath?: string;
}

export interface ContainerResources {
  memoryLimitBytes?: number;
  /** CPU limit in nanoCPUs (1e9 = one CPU): becomes CFS quota/period. */
  nanoCpus?: number;
  /** cpu.shares from the CPU request (1024 per CPU, at least 2). */
  cpuShares?: number;
}

export interface SecurityConfig {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  noNewPrivileges?: boolean;
}

export interface ContainerConfig {
  podUid: string;
  podName: string;
  namespace: string;
  /** The Kubernetes container name. */
  name: string;
  /** The restart count this container instance starts with. */
  attempt: number;
  image: string;
  /** Overrides the image entrypoint (Kubernetes `command`). */
  command?: string[];
  /** Overrides the image cmd (Kubernetes `args`). */
  args?: string[];
  workingDir?: string;
  env: { name: string; value: string }[];
  mounts: Mount[];
  resources: ContainerResources;
  security: SecurityConfig;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  labels: Record<string, string>;
  /** Where the container's termination message is read from after exit (terminationMessagePath). */
  terminationMessagePath?: string;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: ContainerId;
  podUid: string;
  /** The Kubernetes container name (`POD` for a sandbox). */
  name: string;
  attempt: number;
  state: ContainerState;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  /** 'OOMKilled', 'Error', 'Completed', 'ContainerCannotRun' ... */
  reason?: string;
  message?: string;
  image: string;
  /** The image ID the container runs (`docker-pullable://repo@sha256:...` or `docker://sha256:...`). */
  imageRef: string;
  labels: Record<string, string>;
}

export interface LogOptions {
  follow: boolean;
  tailLines?: number;
  sinceTime?: Date;
  timestamps: boolean;
  limitBytes?: number;
}

export interface ExecOptions {
  cmd: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A running exec or attach: streams plus the exit code when it ends. */
export interface ExecSession {
  stdin?: Writable;
  stdout?: Readable;
  /** Absent with a TTY (stderr is merged into stdout). */
  stderr?: Readable;
  resize(width: number, height: number): Promise<void>;
  /** Resolves with the exit code (attach: the container's, when it exits). */
  exitCode: Promise<number>;
}

export interface ContainerStats {
  timestamp: Date;
  cpuUsageNanoSeconds: number;
  memoryUsageBytes: number;
  memoryWorkingSetBytes: number;
  rxBytes: number;
  txBytes: number;
}

export interface RuntimeEvent {
  /** 'start' | 'die' | 'oom' | 'destroy' | ... */
  action: string;
  id: ContainerId;
  labels: Record<string, string>;
}

export interface NetworkInfo {
  name: string;
  subnet: string;
  gateway: string;
  /** The host-side bridge interface, where extra addresses (Service IPs) can be added. */
  bridge?: string;
  /** The part of the subnet the engine hands container addresses out of, when narrower than the subnet. */
  ipRange?: string;
  /** How many containers are attached. */
  attached?: number;
}

/** Addressing for a network being created: container addresses come only from ipRange. */
export interface NetworkIPAM {
  subnet: string;
  ipRange: string;
  gateway: string;
}

export interface ListFilter {
  /** Only objects carrying all these labels. */
  labels: Record<string, string>;
}

export interface Runtime {
  version(): Promise<RuntimeVersion>;

  imageStatus(image: string): Promise<ImageInfo | undefined>;
  /** Pulls an image; progress lines go to onProgress. Throws ImagePullError. */
  pullImage(image: string, auth?: RegistryAuth, onProgress?: (line: string) => void): Promise<ImageInfo>;
  /** Builds an image from a directory holding a Dockerfile (for locally built images). */
  buildImage(contextDir: string, tag: string): Promise<void>;

  runSandbox(cfg: SandboxConfig): Promise<SandboxStatus>;
  stopSandbox(id: ContainerId, timeoutSeconds: number): Promise<void>;
  removeSandbox(id: ContainerId): Promise<void>;
  listSandboxes(filter: ListFilter): Promise<SandboxStatus[]>;

  createContainer(sandboxId: ContainerId, cfg: ContainerConfig): Promise<ContainerId>;
  startContainer(id: ContainerId): Promise<void>;
  /** Sends `signal` (default: the image's STOPSIGNAL or SIGTERM), then SIGKILL after the timeout. */
  stopContainer(id: ContainerId, timeoutSeconds: number, signal?: string): Promise<void>;
  removeContainer(id: ContainerId): Promise<void>;
  listContainers(filter: ListFilter): Promise<ContainerStatus[]>;
  /** Sandboxes and containers together from one engine listing, for callers that need both at once. */
  listAll(filter: ListFilter): Promise<{ sandboxes: SandboxStatus[]; containers: ContainerStatus[] }>;
  containerStatus(id: ContainerId): Promise<ContainerStatus | undefined>;
  /** Reads a file from a container (the termination message), at most maxBytes. */
  readFile(id: ContainerId, path: string, maxBytes: number): Promise<string | undefined>;

  /** Combined stdout and stderr, line by line, as the kubelet serves logs. */
  logs(id: ContainerId, opts: LogOptions): Promise<Readable>;
  exec(id: ContainerId, opts: ExecOptions): Promise<ExecSession>;
  /** Runs a command to completion (exec probes, hooks); kills it after timeoutMs. */
  execSync(id: ContainerId, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  attach(id: ContainerId, opts: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): Promise<ExecSession>;
  /** A TCP connection to a port inside the sandbox's network namespace. */
  portForward(sandboxId: ContainerId, port: number): Promise<Duplex>;
  /** One reading; `network: false` skips the sandbox's network counters for an app container (they are the pod's). */
  stats(id: ContainerId, opts?: { network?: boolean }): Promise<ContainerStats | undefined>;

  /** Streams engine events for this runtime's objects; reconnects until stopped. */
  events(onEvent: (e: RuntimeEvent) => void, onError?: (err: Error) => void): { stop(): void };

  ensureNetwork(name: string, labels: Record<string, string>, ipam?: NetworkIPAM): Promise<NetworkInfo>;
  removeNetwork(name: string): Promise<void>;
  ensureVolume(name: string, labels: Record<string, string>): Promise<void>;
  removeVolume(name: string): Promise<void>;
}
