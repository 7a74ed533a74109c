/**
 * The API server's HTTP surface on express: authentication, health, version, discovery,
 * OpenAPI, the generic resource routes and a few special resources, with every error
 * rendered as a Kubernetes Status.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  isStatusError, newBadRequest, newInternalError, newMethodNotSupported, newNotFound, newPathNotFound, newUnauthorized, StatusError,
} from '../machinery/errors.js';
import type { KObject } from '../machinery/object.js';
import { openAPIV2Document, openAPIV2Protobuf, openAPIV3Document, openAPIV3Index, V2_PROTOBUF_CONTENT_TYPE, type OpenAPIResource } from '../openapi/index.js';
import type { ResourceRegistry } from '../registry/resources.js';
import type { ObjectStore } from '../registry/store.js';
import { authenticate } from './authn.js';
import { logger } from '../../log/logger.js';
import type { PodProxy } from './pod-proxy.js';
import { METRICS_SCRAPER, type TokenAuthenticator, type TokenUser } from '../auth/tokens.js';
import { MetricsEndpoints } from '../../metrics/endpoints.js';
import { METRICS_GROUP, METRICS_VERSION } from '../../metrics/resource-metrics.js';
import { ResourceMetricsApi } from './metrics-api.js';
import { decodeBody, readBody, requireObject } from './body.js';
import { Discovery, type ExtraResource } from './discovery.js';
import { AGGREGATED_V2, AGGREGATED_V2BETA1, discoveryFormat } from './negotiation.js';
import { parseRequestPath, type RequestInfo } from './request-info.js';
import type { ServiceAllocations } from '../servicenet/service-allocations.js';
import { RestHandlers, type Query, type Reply } from './rest.js';
import type { VersionInfo } from '../version.js';

export interface ApiAppOptions {
  registry: ResourceRegistry;
  store: ObjectStore;
  tokens: TokenAuthenticator;
  version: VersionInfo;
  metrics: Registry;
  /** The scrape endpoints (`/metrics`, `/metrics/...`) served to authenticated callers; default: `metrics` at /metrics. */
  metricsEndpoints?: MetricsEndpoints;
  now?: () => Date;
  serverAddress: () => string;
  /** Whether the server is ready (storage open, caches warm, bootstrap objects created). */
  ready: () => boolean;
  podProxy: PodProxy;
  /** tolerationSeconds of the default not-ready/unreachable tolerations (default 300). */
  defaultTolerationSeconds?: number;
  /** Cluster IP and node port allocation for Services. */
  services?: ServiceAllocations;
  /** The web dashboard, served at /ui; it authenticates its own data requests. */
  dashboard?: express.Router;
}

export interface AuthenticatedRequest extends Request {
  user?: TokenUser;
}

const EXTRAS: ExtraResource[] = [
  { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', namespaced: false, verbs: ['create'] },
  { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false, verbs: ['create'] },
  { group: METRICS_GROUP, version: METRICS_VERSION, resource: 'nodes', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'], singular: '' },
  { group: METRICS_GROUP, version: METRICS_VERSION, resource: 'pods', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'], singular: '' },
];

/** Kubernetes' request verbs, as apiserver_request_total labels them. */
export function requestVerb(method: string, info: RequestInfo, query: Query, contentType: string | undefined): string {
  const sub = info.subresource;
  if (sub === 'exec' || sub === 'attach' || sub === 'portforward' || sub === 'proxy') return 'CONNECT';
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (info.name) return 'GET';
      return info.watchPrefix || query.watch === 'true' || query.watch === '1' ? 'WATCH' : 'LIST';
    case 'POST': return 'CREATE';
    case 'PUT': return 'UPDATE';
    case 'PATCH': return contentType?.startsWith('application/apply-patch') ? 'APPLY' : 'PATCH';
    case 'DELETE': return info.name ? 'DELETE' : 'DELETECOLLECTION';
    default: return method;
  }
}

/**
 * What the metrics scraper's token may reach: the scrape endpoints, pod discovery and node agents'
 * metrics through the API server (as a ClusterRole granting `get` on /metrics and nodes/metrics).
 */
export function scraperMayAccess(method: string, path: string): boolean {
  if (method !== 'GET') return false;
  if (path === '/metrics' || path.startsWith('/metrics/') || path.startsWith('/prometheus/')) return true;
  return /^\/api\/v1\/nodes\/[^/]+\/proxy\/metrics(\/[a-z]+)?$/.test(path);
}

function sendStatus(res: ServerResponse, err: StatusError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, err.code, err.status);
}

function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  res.statusCode = code;
  res.setHeader('Content-Type', contentType);
  res.end(JSON.stringify(body));
}

/** Query parameters as Kubernetes reads them: repeated keys become arrays. */
function parseQuery(search: URLSearchParams): Query {
  const q: Query = {};
  for (const key of new Set(search.keys())) {
    const all = search.getAll(key);
    q[key] = all.length > 1 ? all : all[0];
  }
  return q;
}

/** The express app plus the path that serves resource requests without express, for speed. */
export type ApiApp = express.Express & {
  /** Serves the request when it addresses a registered resource; false leaves it to the app. */
  fastPath(req: IncomingMessage, res: ServerResponse): boolean;
};

/** Warning headers in the RFC 7234 form kubectl prints as `Warning: ...`. */
function setWarnings(res: ServerResponse, warnings: string[] | undefined): void {
  if (!warnings?.length) return;
  const unique = [...new Set(warnings)];
  res.setHeader('Warning', unique.map((w) => `299 - ${JSON.stringify(w.replace(/[\r\n]/g, ' '))}`));
}

export function createApiApp(opts: ApiAppOptions): ApiApp {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'extended');
  const now = opts.now ?? (() => new Date());
  const namespaces = opts.registry.find('', 'v1', 'namespaces');
  if (!namespaces) throw new Error('namespaces must be registered');
  const rest = new RestHandlers({
    store: opts.store, now, namespaces, services: opts.services,
    defaultTolerationSeconds: opts.defaultTolerationSeconds, pdbs: opts.registry.find('policy', 'v1', 'poddisruptionbudgets'),
  });
  const nodesDef = opts.registry.find('', 'v1', 'nodes');
  const podsDef = opts.registry.find('', 'v1', 'pods');
  if (!nodesDef || !podsDef) throw new Error('pods and nodes must be registered');
  const resourceMetrics = new ResourceMetricsApi({ store: opts.store, pods: podsDef, nodes: nodesDef, agentToken: () => opts.podProxy.agentToken(), now });
  const discovery = new Discovery(opts.registry, EXTRAS, opts.serverAddress);
  const openapiResources: OpenAPIResource[] = opts.registry.all.map((d) => ({
    group: d.group, version: d.version, kind: d.kind, resource: d.resource, namespaced: d.namespaced, subresources: d.subresources,
  }));

  const requests = new Counter({ name: 'apiserver_request_total', help: 'Counter of apiserver requests broken out by verb, resource and HTTP response code.', labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'code'], registers: [opts.metrics] });
  const duration = new Histogram({ name: 'apiserver_request_duration_seconds', help: 'Response latency distribution in seconds for each verb, resource and subresource.', labelNames: ['verb', 'group', 'version', 'resource', 'subresource'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60], registers: [opts.metrics] });
  const inflight = new Gauge({ name: 'apiserver_current_inflight_requests', help: 'Number of requests being served.', labelNames: ['request_kind'], registers: [opts.metrics] });
  const watchers = new Gauge({ name: 'apiserver_longrunning_requests', help: 'Number of long-running requests (watches and streams) being served.', labelNames: ['verb', 'resource'], registers: [opts.metrics] });
  const noResource = { group: '', version: '', resource: '', subresource: '' };
  const countNonResource = (req: Request, res: Response): void => {
    const started = process.hrtime.bigint();
    const verb = req.method === 'HEAD' ? 'GET' : req.method;
    res.on('finish', () => {
      requests.inc({ verb, ...noResource, code: String(res.statusCode) });
      duration.observe({ verb, ...noResource }, Number(process.hrtime.bigint() - started) / 1e9);
    });
  };

  if (opts.dashboard) app.use('/ui', opts.dashboard);

  // Authentication: a client certificate signed by the cluster CA, or a bearer token.
  const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version']);
  app.use((req: AuthenticatedRequest, res, next) => {
    const user = authenticate(req, opts.tokens);
    if (user) {
      if (user.name === METRICS_SCRAPER && !scraperMayAccess(req.method, req.path)) return sendStatus(res, forbidden(req.method, req.path));
      req.user = user;
      // Requests outside the resource routes are counted here; resource requests in handleResource.
      if ((!req.path.startsWith('/api/') && !req.path.startsWith('/apis/')) || req.path.startsWith(`/apis/${METRICS_GROUP}/`)) countNonResource(req, res);
      return next();
    }
    if (publicPaths.has(req.path) || req.path.startsWith('/healthz/') || req.path.startsWith('/livez/') || req.path.startsWith('/readyz/')) return next();
    sendStatus(res, newUnauthorized());
  });

  const health = (check: () => boolean) => (req: Request, res: Response): void => {
    const ok = check();
    res.status(ok ? 200 : 500).type('text/plain').send(ok ? 'ok' : `[-]storage failed: not ready\n${req.path} check failed`);
  };
  app.get(['/healthz', '/livez', '/healthz/*', '/livez/*'], health(() => true));
  app.get(['/readyz', '/readyz/*'], health(opts.ready));
  app.get('/version', (_req, res) => sendJson(res, 200, opts.version));
  const endpoints = opts.metricsEndpoints ?? new MetricsEndpoints();
  if (!endpoints.has('/metrics')) endpoints.mount('/metrics', opts.metrics);
  app.get(['/metrics', '/metrics/*', '/prometheus/*'], (req, res, next) => {
    if (!endpoints.serve(req.path, res)) next();
  });

  // Discovery.
  const discoveryReply = (req: Request, res: Response, core: boolean): void => {
    const format = discoveryFormat(req.headers.accept);
    res.setHeader('Vary', 'Accept');
    if (format === 'v2') return sendJson(res, 200, discovery.aggregated(core, 'v2'), AGGREGATED_V2);
    if (format === 'v2beta1') return sendJson(res, 200, discovery.aggregated(core, 'v2beta1'), AGGREGATED_V2BETA1);
    sendJson(res, 200, core ? discovery.legacyApiVersions() : discovery.legacyGroupList());
  };
  app.get('/api', (req, res) => discoveryReply(req, res, true));
  app.get('/apis', (req, res) => discoveryReply(req, res, false));
  app.get('/api/:version', (req, res) => {
    const list = discovery.resourceList('', req.params.version);
    if (!list) return sendStatus(res, newPathNotFound());
    sendJson(res, 200, list);
  });
  app.get('/apis/:group', (req, res) => {
    const g = discovery.legacyGroup(req.params.group);
    if (!g) return sendStatus(res, newPathNotFound());
    sendJson(res, 200, g);
  });
  app.get('/apis/:group/:version', (req, res) => {
    const list = discovery.resourceList(req.params.group, req.params.version);
    if (!list) return sendStatus(res, newPathNotFound());
    sendJson(res, 200, list);
  });

  // OpenAPI: the v3 index and per-group-version documents, and v2 for JSON clients.
  app.get('/openapi/v3', (_req, res) => sendJson(res, 200, openAPIV3Index(discovery.allGroupVersions(), openapiResources)));
  app.get(/^\/openapi\/v3\/(.+)$/, (req, res) => {
    const gv = (req.params as Record<string, string>)[0];
    const doc = openAPIV3Document(gv, openapiResources);
    if (!doc) return sendStatus(res, newPathNotFound());
    res.setHeader('Cache-Control', 'public, immutable');
    sendJson(res, 200, doc);
  });
  app.get('/openapi/v2', (req, res) => {
    const accept = req.headers.accept ?? '';
    if (accept.includes('protobuf')) {
      // kubectl 1.27 explain reads only the protobuf form of v2 before it turns to v3.
      res.status(200).setHeader('Content-Type', V2_PROTOBUF_CONTENT_TYPE);
      res.end(Buffer.from(openAPIV2Protobuf(openapiResources)));
      return;
    }
    sendJson(res, 200, openAPIV2Document(openapiResources));
  });

  // Reviews that answer for the caller: everyone authenticated here is a cluster admin.
  const review = (kind: string, group: string) => async (req: AuthenticatedRequest, res: Response, next: NextFunction): Promise<void> => {
    try {
      const raw = await readBody(req);
      const body = raw.length ? requireObject(decodeBody(raw, req.headers['content-type']).value) : {};
      const user = req.user ?? { name: 'system:anonymous', groups: [] };
      const status = kind === 'SelfSubjectReview'
        ? { userInfo: { username: user.name, groups: [...user.groups, 'system:authenticated'] } }
        : kind === 'SelfSubjectRulesReview'
          ? { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false }
          : { allowed: true, reason: 'skiff grants every authenticated user full access' };
      sendJson(res, 201, { ...body, kind, apiVersion: `${group}/v1`, metadata: { creationTimestamp: null, ...(body.metadata as object | undefined) }, status });
    } catch (err) {
      next(err);
    }
  };
  app.post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', review('SelfSubjectAccessReview', 'authorization.k8s.io'));
  app.post('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', review('SelfSubjectRulesReview', 'authorization.k8s.io'));
  app.post('/apis/authentication.k8s.io/v1/selfsubjectreviews', review('SelfSubjectReview', 'authentication.k8s.io'));

  // No custom resources are served; kubectl's schema check for unknown kinds asks for this list,
  // and an empty one lets it report the unknown kind clearly instead of a lookup failure.
  app.get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', (_req, res) => {
    sendJson(res, 200, { kind: 'CustomResourceDefinitionList', apiVersion: 'apiextensions.k8s.io/v1', metadata: { resourceVersion: String(opts.store.revision) }, items: [] });
  });

  // metrics.k8s.io for `kubectl top`: computed from the node agents' summaries, never stored.
  app.get(`/apis/${METRICS_GROUP}/${METRICS_VERSION}/*`, (req: Request, res: Response, next: NextFunction) => {
    const url = new URL(req.url, 'http://api');
    resourceMetrics.serve(url.pathname, url.searchParams, res, sendJson).then((served) => {
      if (!served) next();
    }, (err: unknown) => handleError(res, err));
  });

  // The generic resource routes.
  const handleResource = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://api');
    const method = req.method ?? 'GET';
    const started = process.hrtime.bigint();
    let info: RequestInfo | undefined;
    let verb = method;
    let long = false;
    inflight.inc({ request_kind: method === 'GET' ? 'readOnly' : 'mutating' });
    res.on('finish', () => {
      inflight.dec({ request_kind: method === 'GET' ? 'readOnly' : 'mutating' });
      const labels = { verb, group: info?.group ?? '', version: info?.version ?? '', resource: info?.resource ?? '', subresource: info?.subresource ?? '' };
      requests.inc({ ...labels, code: String(res.statusCode) });
      if (!long) duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    try {
      info = parseRequestPath(url.pathname);
      if (!info) throw newPathNotFound();
      const def = opts.registry.find(info.group, info.version, info.resource);
      if (!def) {
        if (!discovery.hasGroupVersion(info.group, info.version) || !info.name) throw newPathNotFound();
        throw newNotFound({ group: info.group, resource: info.resource }, info.name ?? '');
      }
      if (def.namespaced && !info.namespace && info.name) throw newNotFound(def, info.name);
      if (!def.namespaced && info.namespace) throw newNotFound(def, info.name ?? '');
      const query = parseQuery(url.searchParams);
      verb = requestVerb(method, info, query, req.headers['content-type']);
      let reply: Reply | undefined;
      const sub = info.subresource;
      if (!info.name) {
        // Across all namespaces a namespaced kind can only be listed and watched, as in Kubernetes.
        if (def.namespaced && !info.namespace && method !== 'GET') throw newMethodNotSupported(def, method.toLowerCase());
        if (method === 'GET') {
          if (verb === 'WATCH') {
            long = true;
            watchers.inc({ verb: 'WATCH', resource: def.resource });
            res.on('close', () => watchers.dec({ verb: 'WATCH', resource: def.resource }));
          }
          reply = rest.list(def, info, query, req, res);
        } else if (method === 'POST') {
          reply = await rest.create(def, info, query, req);
        } else if (method === 'DELETE') {
          reply = await rest.deleteCollection(def, info, query, req);
        } else throw newMethodNotSupported(def, method.toLowerCase());
      } else if (!sub) {
        if (method === 'GET') reply = rest.get(def, info, query, req);
        else if (method === 'PUT') reply = await rest.update(def, info, query, req);
        else if (method === 'PATCH') reply = await rest.patch(def, info, query, req);
        else if (method === 'DELETE') reply = await rest.delete(def, info, query, req);
        else throw newMethodNotSupported(def, method.toLowerCase());
      } else {
        if (!def.subresources.includes(sub as never)) throw newNotFound(def, info.name);
        if (sub === 'status') {
          if (method === 'GET') reply = rest.get(def, info, query, req);
          else if (method === 'PUT') reply = await rest.update(def, info, query, req, 'status');
          else if (method === 'PATCH') reply = await rest.patch(def, info, query, req, 'status');
          else throw newMethodNotSupported(def, method.toLowerCase());
        } else if (sub === 'scale') {
          if (method === 'GET') reply = rest.getScale(def, info);
          else if (method === 'PUT' || method === 'PATCH') reply = await rest.updateScale(def, info, query, req, method === 'PATCH');
          else throw newMethodNotSupported(def, method.toLowerCase());
        } else if (sub === 'binding' && method === 'POST') {
          reply = await rest.bind(def, info, query, req);
        } else if (sub === 'eviction' && method === 'POST') {
          reply = await rest.evict(def, info, query, req);
        } else if (sub === 'finalize' && method === 'PUT') {
          reply = await rest.finalizeNamespace(def, info, query, req);
        } else if (sub === 'log' && def.kind === 'Pod' && method === 'GET') {
          long = true;
          opts.podProxy.proxyLogs(info.namespace ?? '', info.name, req, res);
          return;
        } else if (sub === 'proxy' && def.kind === 'Node' && method === 'GET') {
          long = true;
          const path = url.pathname.split('/').slice(6).join('/');
          opts.podProxy.proxyNode(info.name, path, url.searchParams, res);
          return;
        } else if (['exec', 'attach', 'portforward'].includes(sub) && def.kind === 'Pod') {
          // These arrive as upgrades (see apiserver.ts); a plain request cannot carry a stream.
          opts.store.get(def, info.namespace, info.name);
          throw newBadRequest('Upgrade request required');
        } else {
          throw newMethodNotSupported({ group: def.group, resource: `${def.resource}/${sub}` }, method.toLowerCase());
        }
      }
      if (!reply) return; // streamed (watch)
      setWarnings(res, reply.warnings);
      sendJson(res, reply.code, reply.body);
    } catch (err) {
      handleError(res, err);
    }
  };
  app.all(['/api/*', '/apis/*'], (req: Request, res: Response) => void handleResource(req, res));


  app.use((req: Request, res: Response) => {
    sendStatus(res, newPathNotFound());
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => handleError(res, err));

  const fastPath = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '';
    if (!url.startsWith('/api/') && !url.startsWith('/apis/')) return false;
    let info: RequestInfo | undefined;
    try {
      info = parseRequestPath(url.split('?')[0]);
    } catch {
      return false;
    }
    if (!info || !opts.registry.find(info.group, info.version, info.resource)) return false;
    const user = authenticate(req, opts.tokens);
    if (!user) {
      sendStatus(res, newUnauthorized());
      return true;
    }
    if (user.name === METRICS_SCRAPER && !scraperMayAccess(req.method ?? 'GET', url.split('?')[0])) {
      sendStatus(res, forbidden(req.method ?? 'GET', url.split('?')[0]));
      return true;
    }
    void handleResource(req, res);
    return true;
  };
  return Object.assign(app, { fastPath });
}

function forbidden(method: string, path: string): StatusError {
  const message = `forbidden: User "${METRICS_SCRAPER}" cannot ${method.toLowerCase()} path "${path}": its token only reads metrics`;
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', code: 403 });
}

/** Every error leaves as a Status; anything unexpected is a 500 with its message, never a crash. */
function handleError(res: ServerResponse, err: unknown): void {
  if (isStatusError(err)) return sendStatus(res, err);
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.parse.failed') return sendStatus(res, newBadRequest(String((err as Error).message)));
  logger('apiserver').error({ err }, 'internal error');
  sendStatus(res, newInternalError(err));
}
