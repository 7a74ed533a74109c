/** Shared by the network runners: port resolution as the kubelet does it, and Go-style dial error text. */
import { isIPv6 } from 'node:net';
import type { Container } from 'kubernetes-types/core/v1.js';

/** The User-Agent the kubelet's HTTP and gRPC probes send (its major.minor version). */
export const PROBE_USER_AGENT = 'kube-probe/1.32';

/**
 * A probe port: a number, or a named port of the container; a name that matches no port is
 * tried as a number in a string ("8080"), as the kubelet's extractPort does.
 */
export function resolvePort(port: number | string, container: Container): { port: number } | { error: string } {
  let n: number;
  if (typeof port === 'number') n = port;
  else {
    const named = container.ports?.find((p) => p.name === port);
    if (named) n = named.containerPort;
    else if (/^\d+$/.test(port)) n = Number(port);
    else return { error: `port ${JSON.stringify(port)} not found in container ${JSON.stringify(container.name)}` };
  }
  if (!Number.isInteger(n) || n <= 0 || n >= 65536) return { error: `invalid port number: ${n}` };
  return { port: n };
}

/** host:port with IPv6 literals bracketed (Go's net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's duration text for whole seconds ("1s"), as probe messages print timeouts. */
export function goSeconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

interface SysError extends Error {
  code?: string;
}

const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
};

/**
 * The text Go's dialer gives for a failed connection (`dial tcp 10.0.0.5:8080: connect:
 * connection refused`): users compare probe events with what a real cluster prints.
 */
export function dialErrorText(err: unknown, hostPort: string): string {
  const e = err as SysError;
  const known = e.code ? CONNECT_ERRORS[e.code] : undefined;
  if (known) return `dial tcp ${hostPort}: ${known}`;
  if (e.code === 'ECONNRESET') return `read tcp ${hostPort}: read: connection reset by peer`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `dial tcp: lookup ${hostPort.replace(/:\d+$/, '')}: no such host`;
  return e.message ?? String(err);
}
