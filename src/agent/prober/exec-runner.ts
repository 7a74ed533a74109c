/** The exec probe: a command run in the container through the runtime; exit status 0 is success. */
import type { Probe } from 'kubernetes-types/core/v1.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { ProbeRunner, ProbeTarget, RunnerOutcome } from './types.js';

/** The kubelet keeps at most 10 KiB of a probe command's combined output. */
export const MAX_EXEC_OUTPUT = 10 * 1024;

export type ExecSync = Runtime['execSync'];

function timedOut(cmd: string[]): RunnerOutcome {
  // The kubelet's wording for a probe command killed at its timeout (ExecProbeTimeout on).
  return { result: 'failure', output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
}

export function execRunner(execSync: ExecSync): ProbeRunner {
  return async (probe: Probe, target: ProbeTarget, signal: AbortSignal): Promise<RunnerOutcome> => {
    const cmd = probe.exec?.command ?? [];
    if (!cmd.length) return { result: 'unknown', output: 'exec probe has no command' };
    if (signal.aborted) return timedOut(cmd);
    const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const r = await Promise.race([execSync(target.containerId, cmd, timeoutMs), aborted]);
      if (r === 'aborted') return timedOut(cmd);
      const output = r.output.length > MAX_EXEC_OUTPUT ? r.output.slice(0, MAX_EXEC_OUTPUT) : r.output;
      return { result: r.exitCode === 0 ? 'success' : 'failure', output };
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') return timedOut(cmd);
      // The runtime could not run the command at all (container gone, engine down): no verdict.
      return { result: 'unknown', output: err instanceof Error ? err.message : String(err) };
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  };
}
