// A loopback API server just large enough for kubectl discovery, OpenAPI, explain and a server-side dry-run apply.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiVersionOf } from '../../../src/api/machinery/object.js';
import { hashOf, openAPIV2Document, openAPIV2Protobuf, openAPIV3Document, V2_PROTOBUF_CONTENT_TYPE, openAPIV3Index, unknownFields } from '../../../src/api/openapi/index.js';
import type { OpenAPIResource } from '../../../src/api/openapi/index.js';

export interface RecordedRequest {
  method: string;
  url: string;
  accept: string;
}

export interface FakeAPIServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const RESOURCES: OpenAPIResource[] = [
  { group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true, subresources: ['status'] },
  { group: '', version: 'v1', kind: 'Service', resource: 'services', namespaced: true, subresources: ['status'] },
  { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false, subresources: ['status'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true, subresources: ['status', 'scale'] },
];

const SHORT_NAMES: Record<string, string[]> = { pods: ['po'], services: ['svc'], namespaces: ['ns'], deployments: ['deploy'] };
const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function status(code: number, reason: string, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function resourceList(gv: string): object {
  const resources = RESOURCES.filter((r) => apiVersionOf(r) === gv).flatMap((r) => [
    { name: r.resource, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: VERBS, shortNames: SHORT_NAMES[r.resource] },
    ...r.subresources.map((s) => ({ name: `${r.resource}/${s}`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] })),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: IncomingMessage, res: ServerResponse, port: number): Promise<void> {
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  const p = url.pathname;
  if (p === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }] });
  if (p === '/apis') {
    const gv = { groupVersion: 'apps/v1', version: 'v1' };
    return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'apps', versions: [gv], preferredVersion: gv }] });
  }
  if (p === '/api/v1') return send(res, 200, resourceList('v1'));
  if (p === '/apis/apps/v1') return send(res, 200, resourceList('apps/v1'));
  if (p === '/openapi/v3') return send(res, 200, openAPIV3Index(['v1', 'apps/v1'], RESOURCES));
  if (p.startsWith('/openapi/v3/')) {
    const doc = openAPIV3Document(p.slice('/openapi/v3/'.length), RESOURCES);
    if (!doc) return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    return send(res, 200, doc, { ETag: `"${hashOf(doc)}"`, 'Cache-Control': 'public, immutable' });
  }
  if (p === '/openapi/v2') {
    if ((req.headers.accept ?? '').includes('protobuf')) {
      res.writeHead(200, { 'Content-Type': V2_PROTOBUF_CONTENT_TYPE });
      res.end(openAPIV2Protobuf(RESOURCES));
      return;
    }
    return send(res, 200, openAPIV2Document(RESOURCES));
  }
  if (p === '/apis/apps/v1/namespaces/default/deployments/web' && req.method === 'GET') {
    return send(res, 404, { ...status(404, 'NotFound', 'deployments.apps "web" not found'), details: { name: 'web', group: 'apps', kind: 'deployments' } });
  }
  if (p === '/apis/apps/v1/namespaces/default/deployments' && req.method === 'POST') {
    const obj: unknown = JSON.parse(await readBody(req));
    const unknown = unknownFields({ group: 'apps', version: 'v1', kind: 'Deployment' }, obj);
    if (unknown.length && url.searchParams.get('fieldValidation') === 'Strict') {
      const list = unknown.map((f) => `unknown field "${f.slice(1)}"`).join(', ');
      return send(res, 400, status(400, 'BadRequest', `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${list}`));
    }
    return send(res, 201, obj);
  }
  return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
}

export async function startFakeAPIServer(): Promise<FakeAPIServer> {
  const requests: RecordedRequest[] = [];
  let port = 0;
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', accept: req.headers.accept ?? '' });
    handle(req, res, port).catch((err: unknown) => send(res, 500, status(500, 'InternalError', String(err))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
