/**
 * Binds a server to the first free port of its candidates (80, else 8080), and keeps retrying
 * when none is free instead of failing: the cluster runs either way and the ingress joins late.
 */
import type { Server } from 'node:net';

export interface ListenProblem {
  address: string;
  ports: number[];
  message: string;
}

export interface PortListenerOptions {
  server: Server;
  address: string;
  /** Tried in order; one entry when the user chose the port. */
  candidates: number[];
  retryMs?: number;
  /** Told once per streak of failures, and again after a success. */
  onProblem?: (p: ListenProblem) => void;
  onListening?: (port: number) => void;
}

function tryListen(server: Server, port: number, address: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      resolve(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve(undefined);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, address);
  });
}

function describe(err: NodeJS.ErrnoException): string {
  if (err.code === 'EADDRINUSE') return 'in use';
  if (err.code === 'EACCES') return 'not permitted';
  if (err.code === 'EADDRNOTAVAIL') return 'address not available';
  return err.message;
}

export class PortListener {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private boundPort?: number;
  private reported = false;

  constructor(private readonly opts: PortListenerOptions) {}

  /** The port bound, if any. */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** Resolves after the first round of attempts, bound or not; retries continue in the background. */
  async start(): Promise<number | undefined> {
    await this.attempt();
    return this.boundPort;
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    const reasons: string[] = [];
    for (const port of this.opts.candidates) {
      const err = await tryListen(this.opts.server, port, this.opts.address);
      if (this.stopped) return;
      if (!err) {
        const addr = this.opts.server.address();
        this.boundPort = typeof addr === 'object' && addr ? addr.port : port;
        this.reported = false;
        this.opts.onListening?.(this.boundPort);
        return;
      }
      reasons.push(`${port} (${describe(err)})`);
    }
    if (!this.reported) {
      this.reported = true;
      this.opts.onProblem?.({
        address: this.opts.address, ports: this.opts.candidates,
        message: `cannot listen on ${this.opts.address} port ${reasons.join(', ')}; retrying every ${Math.round((this.opts.retryMs ?? 5000) / 1000)} s`,
      });
    }
    this.timer = setTimeout(() => void this.attempt(), this.opts.retryMs ?? 5000);
    this.timer.unref();
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.opts.server.listening) return Promise.resolve();
    return new Promise((r) => this.opts.server.close(() => r()));
  }
}
