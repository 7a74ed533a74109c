/** Wiring for `skiff up`: the ingress server and its controller, started together and stopped together. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { KubeClient } from '../../client/rest-client.js';
import { selfSignedDefault } from './certificates.js';
import { IngressController } from './ingress-controller.js';
import { IngressServer } from './ingress-server.js';

export interface IngressOptions {
  client: KubeClient;
  dataDir: string;
  /** Listen address; default 127.0.0.1. */
  address?: string;
  /** A chosen port is the only one tried; unset means 80, else 8080 (and 443, else 8443). */
  httpPort?: number;
  httpsPort?: number;
  retryMs?: number;
  /** One line per listener problem, for the process's output. */
  log?: (line: string) => void;
}

export interface RunningIngress {
  ports: () => { http?: number; https?: number };
  accessLogPath: string;
  /** The ingress metrics, for a /metrics endpoint to serve. */
  registry: Registry;
  stop(): Promise<void>;
}

export const DEFAULT_HTTP_PORTS = [80, 8080];
export const DEFAULT_HTTPS_PORTS = [443, 8443];

/**
 * The default certificate is made once per data dir. Its RSA key takes up to seconds on a busy
 * machine, so a first start serves a quick ECDSA stand-in and swaps the RSA one in when ready.
 */
async function defaultCertificate(dir: string): Promise<{ now: { certPem: string; keyPem: string }; later?: Promise<{ certPem: string; keyPem: string } | undefined> }> {
  const crt = join(dir, 'ingress-default.crt');
  const key = join(dir, 'ingress-default.key');
  if (existsSync(crt) && existsSync(key)) return { now: { certPem: readFileSync(crt, 'utf8'), keyPem: readFileSync(key, 'utf8') } };
  const later = selfSignedDefault('skiff-ingress-default', 'rsa').then((made) => {
    writeFileSync(key, made.keyPem, { mode: 0o600 });
    writeFileSync(crt, made.certPem, { mode: 0o644 });
    return made;
  }).catch(() => undefined);
  return { now: await selfSignedDefault('skiff-ingress-default', 'ecdsa'), later };
}

function statusAddressFor(address: string): string {
  return address === '0.0.0.0' || address === '::' || address === '' ? '127.0.0.1' : address;
}

export async function startIngress(opts: IngressOptions): Promise<RunningIngress> {
  const address = opts.address ?? '127.0.0.1';
  mkdirSync(join(opts.dataDir, 'pki'), { recursive: true, mode: 0o700 });
  const accessLogPath = join(opts.dataDir, 'ingress-access.log');
  let controller: IngressController | undefined;
  const certs = await defaultCertificate(join(opts.dataDir, 'pki'));
  const pending: string[] = [];
  const server = new IngressServer({
    address, accessLogPath, retryMs: opts.retryMs,
    httpPorts: opts.httpPort !== undefined ? [opts.httpPort] : DEFAULT_HTTP_PORTS,
    httpsPorts: opts.httpsPort !== undefined ? [opts.httpsPort] : DEFAULT_HTTPS_PORTS,
    defaultCertificate: certs.now,
    onProblem: (scheme, p) => {
      const line = `ingress ${scheme.toUpperCase()}: ${p.message}`;
      opts.log?.(line);
      if (controller) controller.reportListenProblem(line);
      else pending.push(line);
    },
    onListening: (scheme, port) => {
      if (pending.length === 0 && !controller) return;
      opts.log?.(`ingress ${scheme.toUpperCase()}: listening on ${address}:${port}`);
    },
  });
  await server.start();
  let stopped = false;
  // A failed generation (a data dir removed meanwhile) only leaves the stand-in in place.
  void certs.later?.then((c) => {
    if (c && !stopped) server.setDefaultCertificate(c);
  });
  controller = new IngressController({ client: opts.client, server, statusAddress: statusAddressFor(address) });
  controller.start();
  for (const line of pending.splice(0)) controller.reportListenProblem(line);
  return {
    ports: () => server.ports,
    accessLogPath,
    registry: server.metrics.registry,
    async stop() {
      stopped = true;
      controller?.stop();
      await server.stop();
    },
  };
}
