// An in-memory Runtime for unit tests of the node agent: records every call and lets tests script
// what real containers would do (exit with a code, get OOM-killed, fail a pull, write logs, emit events).
import { createHash, randomBytes } from 'node:crypto';
import { Duplex, PassThrough, Readable } from 'node:stream';
import { constants } from 'node:os';
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

export const LABEL_FAKE_SANDBOX_ID = 'io.kubernetes.sandbox.id';

export interface FakeCall {
  method: string;
  args: unknown[];
}

interface FakeLogLine {
  time: Date;
  text: string;
}

interface FakeContainer {
  status: ContainerStatus;
  sandboxId: ContainerId;
  config: ContainerConfig;
  logs: FakeLogLine[];
  files: Map<string, string>;
  stats?: Omit<ContainerStats, 'timestamp'>;
  /** Followers of the log, woken on new lines and on exit. */
  followers: Set<() => void>;
  /** What the fake process does with a stop signal: exit by it, or ignore it (then SIGKILL). */
  onStop: 'exit' | 'ignore';
  waiters: Set<(code: number) => void>;
}

interface FakeSandbox {
  status: SandboxStatus;
  config: SandboxConfig;
}

/** Everything a FakeRuntime knows; share it between instances to model an agent restart. */
export interface FakeState {
  images: Map<string, ImageInfo>;
  sandboxes: Map<ContainerId, FakeSandbox>;
  containers: Map<ContainerId, FakeContainer>;
  networks: Map<string, NetworkInfo & { labels: Record<string, string> }>;
  volumes: Map<string, Record<string, string>>;
  nextIp: number;
}

export function newFakeState(): FakeState {
  return { images: new Map(), sandboxes: new Map(), containers: new Map(), networks: new Map(), volumes: new Map(), nextIp: 2 };
}

export type ExecHandler = (
  id: ContainerId,
  cmd: string[],
  stdin: string,
) => { exitCode: number; output: string; stderr?: string; delayMs?: number } | Promise<{ exitCode: number; output: string; stderr?: string; delayMs?: number }>;

export interface FakeRuntimeOptions {
  clusterName?: string;
  nodeName?: string;
  /** Images present from the start. */
  images?: string[];
  /** Shared state (a second instance over the same state sees the same objects). */
  state?: FakeState;
}

function imageInfo(name: string): ImageInfo {
  const ref = name.includes(':') || name.includes('@') ? name : `${name}:latest`;
  return {
    id: `sha256:${createHash('sha256').update(ref).digest('hex')}`,
    repoTags: [ref],
    repoDigests: [],
    sizeBytes: 1024,
  };
}

function signalNumber(sig: string): number {
  const name = (sig.startsWith('SIG') ? sig : `SIG${sig}`) as keyof typeof constants.signals;
  return constants.signals[name] ?? Number(sig) ?? 15;
}

/**
 * In-memory Runtime. Containers run no process: they are created, started, and stay running until
 * a test calls exitContainer/oomKill or the agent stops them. Calls are recorded in `calls` in
 * order. Safe for concurrent calls (everything is synchronous under the hood).
 */
export class FakeRuntime implements Runtime {
  readonly calls: FakeCall[] = [];
  readonly state: FakeState;
  /** When true every call fails with RuntimeUnavailableError (engine down). */
  unavailable = false;
  private readonly clusterName: string;
  private readonly nodeName: string;
  private readonly pullFailures = new Map<string, string>();
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();
  private execHandler: ExecHandler = () => ({ exitCode: 0, output: '' });
  private portHandler: (sandboxId: ContainerId, port: number) => Duplex = (_id, port) => {
    throw new Error(`connect ECONNREFUSED port ${port}`);
  };

  constructor(opts: FakeRuntimeOptions = {}) {
    this.clusterName = opts.clusterName ?? 'fake';
    this.nodeName = opts.nodeName ?? 'fake-node';
    this.state = opts.state ?? newFakeState();
    for (const image of opts.images ?? []) this.addImage(image);
  }

  // ---- scripting helpers ----------------------------------------------------------------------

  addImage(name: string, info: Partial<ImageInfo> = {}): ImageInfo {
    const img = { ...imageInfo(name), ...info };
    this.state.images.set(name, img);
    return img;
  }

  /** The next pulls of `image` fail with this registry message. */
  failPull(image: string, message: string): void {
    this.pullFailures.set(image, message);
  }

  clearPullFailure(image: string): void {
    this.pullFailures.delete(image);
  }

  /** Makes a running container exit with `code` (OOM: code 137 and reason OOMKilled). */
  exitContainer(id: ContainerId, code: number, opts: { oom?: boolean; message?: string } = {}): void {
    const c = this.mustContainer(id);
    if (c.status.state !== 'running') throw new Error(`fake container ${id} is not running`);
    if (opts.oom) this.emit({ action: 'oom', id, labels: c.status.labels });
    this.finish(c, code, opts.oom ? 'OOMKilled' : undefined, opts.message);
  }

  oomKill(id: ContainerId): void {
    this.exitContainer(id, 137, { oom: true });
  }

  /** Appends log lines (as the container's stdout/stderr would). */
  writeLog(id: ContainerId, ...lines: string[]): void {
    const c = this.mustContainer(id);
    for (const line of lines) c.logs.push({ time: new Date(), text: line.endsWith('\n') ? line : `${line}\n` });
    for (const wake of c.followers) wake();
  }

  setFile(id: ContainerId, path: string, content: string): void {
    this.mustContainer(id).files.set(path, content);
  }

  setStats(id: ContainerId, stats: Omit<ContainerStats, 'timestamp'>): void {
    this.mustContainer(id).stats = stats;
  }

  /** 'ignore': the container's process ignores stop signals, so only the SIGKILL after the timeout ends it. */
  setStopBehaviour(id: ContainerId, behaviour: 'exit' | 'ignore'): void {
    this.mustContainer(id).onStop = behaviour;
  }

  setExecHandler(handler: ExecHandler): void {
    this.execHandler = handler;
  }

  setPortForwardHandler(handler: (sandboxId: ContainerId, port: number) => Duplex): void {
    this.portHandler = handler;
  }

  /** Delivers an event to every events() subscriber. */
  emit(e: RuntimeEvent): void {
    for (const l of this.listeners) l(e);
  }

  callsTo(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  // ---- internals ------------------------------------------------------------------------------

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.unavailable) throw new RuntimeUnavailableError('fake runtime is unavailable');
  }

  private mustContainer(id: ContainerId): FakeContainer {
    const c = this.state.containers.get(id);
    if (!c) throw new Error(`No such container: ${id}`);
    return c;
  }

  private newId(): ContainerId {
    return `fake://${randomBytes(16).toString('hex')}`;
  }

  private ownLabels(): Record<string, string> {
    return { [LABEL_CLUSTER]: this.clusterName, [LABEL_NODE]: this.nodeName };
  }

  private matches(labels: Record<string, string>, filter: ListFilter): boolean {
    const want = { ...filter.labels, ...this.ownLabels() };
    return Object.entries(want).every(([k, v]) => labels[k] === v);
  }

  private finish(c: FakeContainer, code: number, reason?: string, message?: string): void {
    c.status.state = 'exited';
    c.status.exitCode = code;
    c.status.finishedAt = new Date();
    c.status.reason = reason ?? (code === 0 ? 'Completed' : 'Error');
    if (message) c.status.message = message;
    this.emit({ action: 'die', id: c.status.id, labels: c.status.labels });
    for (const wake of c.followers) wake();
    for (const w of c.waiters) w(code);
    c.waiters.clear();
  }

  // ---- Runtime --------------------------------------------------------------------------------

  async version(): Promise<RuntimeVersion> {
    this.record('version');
    return { runtimeName: 'fake', runtimeVersion: '0.1.0', runtimeApiVersion: '0.1.0' };
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    this.record('imageStatus', image);
    return this.state.images.get(image);
  }

  async pullImage(image: string, auth?: RegistryAuth, onProgress?: (line: string) => void): Promise<ImageInfo> {
    this.record('pullImage', image, auth);
    const failure = this.pullFailures.get(image);
    if (failure !== undefined) throw new ImagePullError(image, failure);
    onProgress?.(`Pulling from ${image}`);
    const info = this.state.images.get(image) ?? this.addImage(image);
    onProgress?.(`Status: Downloaded newer image for ${image}`);
    return info;
  }

  async buildImage(contextDir: string, tag: string): Promise<void> {
    this.record('buildImage', contextDir, tag);
    this.addImage(tag);
  }

  async runSandbox(cfg: SandboxConfig): Promise<SandboxStatus> {
    this.record('runSandbox', cfg);
    const id = this.newId();
    const n = this.state.nextIp++;
    const status: SandboxStatus = {
      id,
      podUid: cfg.podUid,
      podName: cfg.podName,
      namespace: cfg.namespace,
      attempt: cfg.attempt,
      state: 'ready',
      ip: cfg.hostNetwork ? '127.0.0.1' : `10.88.${Math.floor(n / 250)}.${n % 250}`,
      createdAt: new Date(),
      labels: {
        ...cfg.labels,
        ...this.ownLabels(),
        [LABEL_POD_UID]: cfg.podUid,
        [LABEL_POD_NAME]: cfg.podName,
        [LABEL_POD_NAMESPACE]: cfg.namespace,
        [LABEL_CONTAINER_NAME]: SANDBOX_CONTAINER_NAME,
        [LABEL_CONTAINER_TYPE]: 'podsandbox',
        [LABEL_RESTART_COUNT]: String(cfg.attempt),
      },
    };
    this.state.sandboxes.set(id, { status, config: cfg });
    this.emit({ action: 'start', id, labels: status.labels });
    return { ...status };
  }

  async stopSandbox(id: ContainerId, timeoutSeconds: number): Promise<void> {
    this.record('stopSandbox', id, timeoutSeconds);
    const sb = this.state.sandboxes.get(id);
    if (!sb) return;
    for (const c of this.state.containers.values()) {
      if (c.sandboxId === id && c.status.state === 'running') this.finish(c, 137);
    }
    if (sb.status.state === 'ready') {
      sb.status.state = 'notready';
      sb.status.ip = undefined;
      this.emit({ action: 'die', id, labels: sb.status.labels });
    }
  }

  async removeSandbox(id: ContainerId): Promise<void> {
    this.record('removeSandbox', id);
    for (const [cid, c] of this.state.containers) {
      if (c.sandboxId === id) this.state.containers.delete(cid);
    }
    const sb = this.state.sandboxes.get(id);
    if (sb) {
      this.state.sandboxes.delete(id);
      this.emit({ action: 'destroy', id, labels: sb.status.labels });
    }
  }

  async listSandboxes(filter: ListFilter): Promise<SandboxStatus[]> {
    this.record('listSandboxes', filter);
    return this.sandboxesMatching(filter);
  }

  async createContainer(sandboxId: ContainerId, cfg: ContainerConfig): Promise<ContainerId> {
    this.record('createContainer', sandboxId, cfg);
    const sb = this.state.sandboxes.get(sandboxId);
    if (!sb) throw new Error(`No such container: ${sandboxId}`);
    const img = this.state.images.get(cfg.image);
    if (!img) throw new Error(`No such image: ${cfg.image}`);
    const id = this.newId();
    const labels = {
      ...cfg.labels,
      ...this.ownLabels(),
      [LABEL_POD_UID]: cfg.podUid,
      [LABEL_POD_NAME]: cfg.podName,
      [LABEL_POD_NAMESPACE]: cfg.namespace,
      [LABEL_CONTAINER_NAME]: cfg.name,
      [LABEL_CONTAINER_TYPE]: 'container',
      [LABEL_RESTART_COUNT]: String(cfg.attempt),
      [LABEL_FAKE_SANDBOX_ID]: sandboxId,
    };
    this.state.containers.set(id, {
      status: {
        id,
        podUid: cfg.podUid,
        name: cfg.name,
        attempt: cfg.attempt,
        state: 'created',
        createdAt: new Date(),
        image: cfg.image,
        imageRef: img.repoDigests[0] ? `docker-pullable://${img.repoDigests[0]}` : `docker://${img.id}`,
        labels,
      },
      sandboxId,
      config: cfg,
      logs: [],
      files: new Map(),
      followers: new Set(),
      onStop: 'exit',
      waiters: new Set(),
    });
    this.emit({ action: 'create', id, labels });
    return id;
  }

  async startContainer(id: ContainerId): Promise<void> {
    this.record('startContainer', id);
    const c = this.mustContainer(id);
    if (c.status.state !== 'created') throw new Error(`container ${id} is ${c.status.state}, not created`);
    c.status.state = 'running';
    c.status.startedAt = new Date();
    this.emit({ action: 'start', id, labels: c.status.labels });
  }

  async stopContainer(id: ContainerId, timeoutSeconds: number, signal?: string): Promise<void> {
    this.record('stopContainer', id, timeoutSeconds, signal);
    const c = this.state.containers.get(id);
    if (c) {
      if (c.status.state !== 'running') return;
      const sig = signal || this.state.images.get(c.config.image)?.stopSignal || 'SIGTERM';
      // An ignored signal means the grace period runs out; the fake does not wait it out.
      this.finish(c, c.onStop === 'ignore' ? 137 : 128 + signalNumber(sig));
      return;
    }
    const sb = this.state.sandboxes.get(id);
    if (sb && sb.status.state === 'ready') {
      sb.status.state = 'notready';
      sb.status.ip = undefined;
      this.emit({ action: 'die', id, labels: sb.status.labels });
    }
  }

  async removeContainer(id: ContainerId): Promise<void> {
    this.record('removeContainer', id);
    const c = this.state.containers.get(id);
    if (c) {
      this.state.containers.delete(id);
      for (const wake of c.followers) wake();
      this.emit({ action: 'destroy', id, labels: c.status.labels });
    }
  }

  async listContainers(filter: ListFilter): Promise<ContainerStatus[]> {
    this.record('listContainers', filter);
    return this.containersMatching(filter);
  }

  async listAll(filter: ListFilter): Promise<{ sandboxes: SandboxStatus[]; containers: ContainerStatus[] }> {
    this.record('listAll', filter);
    return { sandboxes: this.sandboxesMatching(filter), containers: this.containersMatching(filter) };
  }

  private sandboxesMatching(filter: ListFilter): SandboxStatus[] {
    return [...this.state.sandboxes.values()].filter((s) => this.matches(s.status.labels, filter)).map((s) => ({ ...s.status }));
  }

  private containersMatching(filter: ListFilter): ContainerStatus[] {
    return [...this.state.containers.values()].filter((c) => this.matches(c.status.labels, filter)).map((c) => ({ ...c.status }));
  }

  async containerStatus(id: ContainerId): Promise<ContainerStatus | undefined> {
    this.record('containerStatus', id);
    const c = this.state.containers.get(id);
    return c ? { ...c.status } : undefined;
  }

  async readFile(id: ContainerId, path: string, maxBytes: number): Promise<string | undefined> {
    this.record('readFile', id, path, maxBytes);
    const content = this.state.containers.get(id)?.files.get(path);
    return content === undefined ? undefined : Buffer.from(content).subarray(0, maxBytes).toString('utf8');
  }

  async logs(id: ContainerId, opts: LogOptions): Promise<Readable> {
    this.record('logs', id, opts);
    const c = this.mustContainer(id);
    const format = (l: FakeLogLine): string => (opts.timestamps ? `${l.time.toISOString().replace('Z', '000000Z')} ${l.text}` : l.text);
    let lines = c.logs.filter((l) => !opts.sinceTime || l.time >= opts.sinceTime);
    if (opts.tailLines !== undefined) lines = opts.tailLines === 0 ? [] : lines.slice(-opts.tailLines);
    let left = opts.limitBytes ?? Infinity;
    const out = new PassThrough();
    const push = (text: string): boolean => {
      if (left <= 0) return false;
      const buf = Buffer.from(text);
      const part = buf.length > left ? buf.subarray(0, left) : buf;
      left -= part.length;
      out.write(part);
      return left > 0;
    };
    let sent = c.logs.length;
    for (const l of lines) if (!push(format(l))) break;
    if (!opts.follow || left <= 0 || c.status.state === 'exited') {
      out.end();
      return out;
    }
    const wake = (): void => {
      const current = this.state.containers.get(id);
      while (current && sent < current.logs.length) {
        if (!push(format(current.logs[sent++]))) break;
      }
      if (!current || current.status.state === 'exited' || left <= 0) {
        c.followers.delete(wake);
        out.end();
      }
    };
    c.followers.add(wake);
    out.once('close', () => c.followers.delete(wake));
    return out;
  }

  async exec(id: ContainerId, opts: ExecOptions): Promise<ExecSession> {
    this.record('exec', id, opts);
    const c = this.mustContainer(id);
    if (c.status.state !== 'running') throw new Error(`container ${id} is not running`);
    const stdin = opts.stdin ? new PassThrough() : undefined;
    const stdout = new PassThrough();
    const stderr = opts.tty ? undefined : new PassThrough();
    const input: Buffer[] = [];
    const ready = stdin
      ? new Promise<void>((resolve) => {
          stdin.on('data', (b: Buffer) => input.push(b));
          stdin.once('finish', () => resolve());
        })
      : Promise.resolve();
    const exitCode = ready.then(async () => {
      const r = await this.execHandler(id, opts.cmd, Buffer.concat(input).toString('utf8'));
      if (opts.stdout) stdout.write(r.output);
      if (r.stderr) (stderr ?? stdout).write(r.stderr);
      stdout.end();
      stderr?.end();
      return r.exitCode;
    });
    return { stdin, stdout: opts.stdout || opts.tty ? stdout : undefined, stderr: opts.stderr ? stderr : undefined, resize: async () => undefined, exitCode };
  }

  async execSync(id: ContainerId, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    this.record('execSync', id, cmd, timeoutMs);
    const c = this.mustContainer(id);
    if (c.status.state !== 'running') throw new Error(`container ${id} is not running`);
    const r = await this.execHandler(id, cmd, '');
    if (r.delayMs !== undefined && r.delayMs > timeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, timeoutMs));
      const err = new Error(`command ${JSON.stringify(cmd)} timed out after ${timeoutMs}ms`);
      err.name = 'TimeoutError';
      throw err;
    }
    if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs));
    return { exitCode: r.exitCode, output: r.output + (r.stderr ?? '') };
  }

  async attach(id: ContainerId, opts: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): Promise<ExecSession> {
    this.record('attach', id, opts);
    const c = this.mustContainer(id);
    const stdout = new PassThrough();
    const exitCode =
      c.status.state === 'exited'
        ? Promise.resolve(c.status.exitCode ?? 0)
        : new Promise<number>((resolve) => c.waiters.add(resolve));
    void exitCode.then(() => stdout.end());
    return {
      stdin: opts.stdin ? new PassThrough() : undefined,
      stdout: opts.stdout ? stdout : undefined,
      stderr: opts.stderr && !opts.tty ? Readable.from([]) : undefined,
      resize: async () => undefined,
      exitCode,
    };
  }

  async portForward(sandboxId: ContainerId, port: number): Promise<Duplex> {
    this.record('portForward', sandboxId, port);
    const sb = this.state.sandboxes.get(sandboxId);
    if (!sb || sb.status.state !== 'ready') throw new Error(`sandbox ${sandboxId} is not running`);
    return this.portHandler(sandboxId, port);
  }

  async stats(id: ContainerId): Promise<ContainerStats | undefined> {
    this.record('stats', id);
    const c = this.state.containers.get(id);
    if (!c || c.status.state !== 'running') return undefined;
    const s = c.stats ?? { cpuUsageNanoSeconds: 1_000_000, memoryUsageBytes: 1 << 20, memoryWorkingSetBytes: 1 << 19, rxBytes: 0, txBytes: 0 };
    return { timestamp: new Date(), ...s };
  }

  events(onEvent: (e: RuntimeEvent) => void, _onError?: (err: Error) => void): { stop(): void } {
    this.record('events');
    // Only this cluster's and node's objects, as the Docker runtime filters by label.
    const listener = (e: RuntimeEvent): void => {
      if (e.labels[LABEL_CLUSTER] === this.clusterName && e.labels[LABEL_NODE] === this.nodeName) onEvent(e);
    };
    this.listeners.add(listener);
    return { stop: () => void this.listeners.delete(listener) };
  }

  async ensureNetwork(name: string, labels: Record<string, string>, _ipam?: NetworkIPAM): Promise<NetworkInfo> {
    this.record('ensureNetwork', name, labels);
    let net = this.state.networks.get(name);
    if (!net) {
      net = { name, subnet: '10.88.0.0/16', gateway: '10.88.0.1', bridge: 'fake0', labels: { ...labels, [LABEL_CLUSTER]: this.clusterName } };
      this.state.networks.set(name, net);
    }
    return { name: net.name, subnet: net.subnet, gateway: net.gateway, bridge: net.bridge };
  }

  async removeNetwork(name: string): Promise<void> {
    this.record('removeNetwork', name);
    this.state.networks.delete(name);
  }

  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    this.record('ensureVolume', name, labels);
    if (!this.state.volumes.has(name)) this.state.volumes.set(name, { ...labels, [LABEL_CLUSTER]: this.clusterName });
  }

  async removeVolume(name: string): Promise<void> {
    this.record('removeVolume', name);
    this.state.volumes.delete(name);
  }
}
