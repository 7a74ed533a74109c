/** The tcpSocket probe: success when a TCP connection to the port opens before the timeout. */
import { connect } from 'node:net';
import type { Probe } from 'kubernetes-types/core/v1.js';
import type { ProbeTarget, RunnerOutcome } from './types.js';
import { dialErrorText, joinHostPort, resolvePort } from './net-util.js';

export async function tcpRunner(probe: Probe, target: ProbeTarget, signal: AbortSignal): Promise<RunnerOutcome> {
  const action = probe.tcpSocket;
  if (!action) return { result: 'unknown', output: 'probe has no tcpSocket action' };
  const p = resolvePort(action.port, target.container);
  if ('error' in p) return { result: 'unknown', output: p.error };
  const host = action.host || target.podIP;
  if (!host) return { result: 'unknown', output: 'pod has no IP yet' };
  const hostPort = joinHostPort(host, p.port);
  if (signal.aborted) return { result: 'failure', output: `dial tcp ${hostPort}: i/o timeout` };

  return new Promise<RunnerOutcome>((resolve) => {
    const socket = connect({ host, port: p.port });
    const finish = (out: RunnerOutcome): void => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(out);
    };
    const onAbort = (): void => finish({ result: 'failure', output: `dial tcp ${hostPort}: i/o timeout` });
    signal.addEventListener('abort', onAbort, { once: true });
    // Opening the connection is the whole check; the kubelet closes it at once too.
    socket.once('connect', () => finish({ result: 'success', output: '' }));
    socket.once('error', (err) => finish({ result: 'failure', output: dialErrorText(err, hostPort) }));
  });
}
