/** Picks the runner for a probe's handler and retries runs that could not be carried out. */
import type { Probe } from 'kubernetes-types/core/v1.js';
import type { ProbeRunner, ProbeTarget, RunnerOutcome } from './types.js';
import { execRunner, type ExecSync } from './exec-runner.js';
import { grpcRunner } from './grpc-runner.js';
import { httpRunner } from './http-runner.js';
import { tcpRunner } from './tcp-runner.js';

/** As the kubelet: a run that errors (no verdict) is tried up to this many times in one period. */
export const MAX_PROBE_RETRIES = 3;

export interface Runners {
  exec: ProbeRunner;
  httpGet: ProbeRunner;
  tcpSocket: ProbeRunner;
  grpc: ProbeRunner;
}

export function defaultRunners(execSync: ExecSync): Runners {
  return { exec: execRunner(execSync), httpGet: httpRunner, tcpSocket: tcpRunner, grpc: grpcRunner };
}

/** One probe run: the handler the probe sets, retried while it yields no verdict. */
export function createProber(runners: Runners): ProbeRunner {
  return async (probe: Probe, target: ProbeTarget, signal: AbortSignal): Promise<RunnerOutcome> => {
    const run = probe.exec ? runners.exec : probe.httpGet ? runners.httpGet : probe.tcpSocket ? runners.tcpSocket : probe.grpc ? runners.grpc : undefined;
    if (!run) return { result: 'unknown', output: `missing probe handler for container ${target.container.name}` };
    let out: RunnerOutcome = { result: 'unknown', output: '' };
    for (let i = 0; i < MAX_PROBE_RETRIES && !signal.aborted; i++) {
      try {
        out = await run(probe, target, signal);
      } catch (err) {
        out = { result: 'unknown', output: err instanceof Error ? err.message : String(err) };
      }
      if (out.result !== 'unknown') return out;
    }
    return out;
  };
}
