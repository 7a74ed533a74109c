/**
 * A typed REST client for the skiff API: the only way controllers, the scheduler, node agents
 * and the proxy reach cluster state. It speaks HTTPS with a client certificate or bearer token
 * and turns error replies back into StatusErrors.
 */
import { Agent, request as httpsRequest } from 'node:https';
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { StatusError, newInternalError, type Status } from '../api/machinery/errors.js';
import type { KObject } from '../api/machinery/object.js';

export interface ClientConfig {
  server: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
  userAgent?: string;
}

/** Where a resource lives in the URL space. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface ObjectList<T extends KObject = KObject> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
}

export type PatchType = 'strategic' | 'merge' | 'json' | 'apply';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export function resourcePath(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let p = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  if (ref.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${ref.resource}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class KubeClient {
  private readonly url: URL;
  private readonly agent: Agent | HttpAgent;

  constructor(readonly config: ClientConfig) {
    this.url = new URL(config.server);
    // No socket cap: every informer holds one socket open for its watch, and the controllers run
    // more than 32 of them, so a cap would leave plain requests queued behind watches forever.
    this.agent = this.url.protocol === 'https:'
      ? new Agent({ keepAlive: true, ca: config.caPem, cert: config.certPem, key: config.keyPem })
      : new HttpAgent({ keepAlive: true });
  }

  /** Opens a request and resolves with the response once headers arrive. */
  raw(method: string, path: string, body?: string | Buffer, contentType?: string): Promise<IncomingMessage> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.config.userAgent ?? 'skiff' };
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    if (body !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send({
        protocol: this.url.protocol, hostname: this.url.hostname, port: this.url.port, path, method, headers, agent: this.agent,
      }, resolve);
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await this.raw(method, path, payload, contentType);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const code = res.statusCode ?? 0;
    if (code >= 200 && code < 300) return (text ? JSON.parse(text) : undefined) as T;
    let status: Status | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<Status>;
      if (parsed.kind === 'Status') status = parsed as Status;
    } catch {
      // Not a Status body: reported below with the raw text.
    }
    if (status) throw new StatusError({ ...status, code: status.code || code });
    const err = newInternalError(`${method} ${path}: ${code} ${text.slice(0, 200)}`);
    throw new StatusError({ ...err.status, code });
  }

  get<T extends KObject = KObject>(ref: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    return this.request('GET', resourcePath(ref, namespace, name));
  }

  list<T extends KObject = KObject>(ref: ResourceRef, namespace?: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    return this.request('GET', resourcePath(ref, namespace) + queryString({ ...opts }));
  }

  create<T extends KObject = KObject>(ref: ResourceRef, obj: KObject, opts: WriteOptions = {}): Promise<T> {
    return this.request('POST', resourcePath(ref, obj.metadata.namespace) + queryString({ fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined }), obj);
  }

  update<T extends KObject = KObject>(ref: ResourceRef, obj: KObject, opts: WriteOptions & { subresource?: string } = {}): Promise<T> {
    return this.request('PUT', resourcePath(ref, obj.metadata.namespace, obj.metadata.name, opts.subresource) + queryString({ fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined }), obj);
  }

  updateStatus<T extends KObject = KObject>(ref: ResourceRef, obj: KObject, opts: WriteOptions = {}): Promise<T> {
    return this.update(ref, obj, { ...opts, subresource: 'status' });
  }

  patch<T extends KObject = KObject>(
    ref: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown,
    opts: WriteOptions & { subresource?: string; force?: boolean } = {},
  ): Promise<T> {
    const qs = queryString({ fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined, force: opts.force });
    return this.request('PATCH', resourcePath(ref, namespace, name, opts.subresource) + qs, patch, PATCH_CONTENT_TYPES[type]);
  }

  delete(ref: ResourceRef, namespace: string | undefined, name: string, opts: { propagationPolicy?: string; gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string } } = {}): Promise<KObject> {
    return this.request('DELETE', resourcePath(ref, namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...opts });
  }

  /** POST to a subresource (binding, eviction) of an object. */
  createSubresource<T = unknown>(ref: ResourceRef, namespace: string | undefined, name: string, subresource: string, body: unknown): Promise<T> {
    return this.request('POST', resourcePath(ref, namespace, name, subresource), body);
  }

  close(): void {
    this.agent.destroy();
  }
}
