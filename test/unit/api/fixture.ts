// An in-process API server for fast tests: MemoryBackend, WatchCache and ObjectStore behind the express app, no TLS.
import { once } from 'node:events';
import { request as httpRequest, createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { Registry } from 'prom-client';
import supertest from 'supertest';
import { updateManagedFields } from '../../../src/api/apply/index.js';
import { SYSTEM_NAMESPACES } from '../../../src/api/apiserver.js';
import { versionInfo } from '../../../src/api/version.js';
import { TokenAuthenticator } from '../../../src/api/auth/tokens.js';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import type { KObject } from '../../../src/api/machinery/object.js';
import { beforeCreate } from '../../../src/api/registry/create-hooks.js';
import { ResourceRegistry } from '../../../src/api/registry/resources.js';
import { ObjectStore } from '../../../src/api/registry/store.js';
import { prepareForCreate } from '../../../src/api/registry/strategy.js';
import { createApiApp } from '../../../src/api/server/app.js';
import { MemoryBackend } from '../../../src/api/storage/memory.js';
import { WatchCache } from '../../../src/api/storage/watch-cache.js';

export const TOKEN = 't';
export const AUTH = `Bearer ${TOKEN}`;

export interface ApiFixture {
  app: Express;
  backend: MemoryBackend;
  cache: WatchCache;
  store: ObjectStore;
  registry: ResourceRegistry;
  /** A supertest agent that sends the admin bearer token on every request. */
  get(path: string): supertest.Test;
  post(path: string, body?: object): supertest.Test;
  put(path: string, body?: object): supertest.Test;
  patch(path: string, body: unknown, contentType: string): supertest.Test;
  del(path: string, body?: object): supertest.Test;
  /** Starts a real listener on 127.0.0.1 for streaming tests; closed by close(). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** WatchCache history length; small values make old resourceVersions expire. */
  historyLimit?: number;
  now?: () => Date;
}

/** Builds the app and creates the system namespaces, as ApiServer.bootstrap does. */
export async function startApi(opts: FixtureOptions = {}): Promise<ApiFixture> {
  const backend = new MemoryBackend();
  const cache = new WatchCache(backend, { historyLimit: opts.historyLimit });
  await cache.start();
  const store = new ObjectStore(backend, cache);
  const registry = new ResourceRegistry();
  const app = createApiApp({
    registry, store,
    tokens: new TokenAuthenticator([{ token: TOKEN, name: 'admin', groups: ['system:masters'] }]),
    version: versionInfo('test'),
    metrics: new Registry(),
    now: opts.now,
    serverAddress: () => '127.0.0.1:0',
    ready: () => true,
  });
  const nsDef = registry.find('', 'v1', 'namespaces');
  if (!nsDef) throw new Error('namespaces are not registered');
  for (const name of SYSTEM_NAMESPACES) {
    let obj: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
    obj = applyDefaults(nsDef, beforeCreate(nsDef, prepareForCreate(nsDef, obj, new Date())));
    obj = updateManagedFields({ live: undefined, updated: obj, manager: 'skiff-apiserver', operation: 'Update', gvk: nsDef });
    await store.create(nsDef, obj);
  }

  let server: Server | undefined;
  const agent = supertest(app);
  return {
    app, backend, cache, store, registry,
    get: (path) => agent.get(path).set('Authorization', AUTH),
    post: (path, body) => {
      const t = agent.post(path).set('Authorization', AUTH);
      return body === undefined ? t : t.send(body);
    },
    put: (path, body) => {
      const t = agent.put(path).set('Authorization', AUTH);
      return body === undefined ? t : t.send(body);
    },
    patch: (path, body, contentType) =>
      agent.patch(path).set('Authorization', AUTH).set('Content-Type', contentType)
        .send(typeof body === 'string' ? body : JSON.stringify(body)),
    del: (path, body) => {
      const t = agent.delete(path).set('Authorization', AUTH);
      return body === undefined ? t : t.send(body);
    },
    async listen() {
      server = createServer(app);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close() {
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
      }
      cache.stop();
      await backend.close();
    },
  };
}

export interface WatchEventLine {
  type: string;
  object: KObject & { code?: number; reason?: string };
}

/**
 * A watch over a real socket: collects newline-delimited events and lets a test wait for
 * a number of them with a bounded timeout.
 */
export class WatchStream {
  readonly events: WatchEventLine[] = [];
  ended = false;
  private buffer = '';
  private waiters: (() => void)[] = [];

  private constructor(readonly res: IncomingMessage, private readonly abort: () => void) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, i).trim();
        this.buffer = this.buffer.slice(i + 1);
        if (line) this.events.push(JSON.parse(line) as WatchEventLine);
      }
      this.wake();
    });
    res.on('end', () => {
      this.ended = true;
      this.wake();
    });
    res.on('error', () => {
      this.ended = true;
      this.wake();
    });
  }

  /** Resolves once the response headers are in, before any event has been sent. */
  static open(base: string, path: string, headers: Record<string, string> = {}): Promise<WatchStream> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${base}${path}`, { headers: { Authorization: AUTH, ...headers } }, (res) => {
        resolve(new WatchStream(res, () => req.destroy()));
      });
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error(`no response headers for ${path}`)));
      req.end();
    });
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  /** Waits until at least n events arrived (or the stream ended), failing after timeoutMs. */
  async waitFor(n: number, timeoutMs = 5000): Promise<WatchEventLine[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < n && !this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} watch events; got ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  /** Waits for the server to end the stream. */
  async waitForEnd(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for the watch to end');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.abort();
  }
}

/** Small builders for the objects most tests need. */
export function configMap(name: string, extra: Partial<KObject> = {}): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' }, ...extra };
}

export function deployment(name: string, replicas = 1): KObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
    },
  };
}

export function pod(name: string, labels: Record<string, string> = {}): KObject {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
  };
}
