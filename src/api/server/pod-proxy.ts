/**
 * Pod subresources served by the node agent: logs are proxied as plain HTTP, exec, attach and
 * port-forward as upgraded connections piped byte for byte, so every streaming protocol
 * kubectl speaks passes through unchanged.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { isStatusError, newBadRequest, newNotFound, newServiceUnavailable, type StatusError } from '../machinery/errors.js';
import type { KObject } from '../machinery/object.js';
import type { ResourceDefinition } from '../registry/resources.js';
import type { ObjectStore } from '../registry/store.js';

export const AGENT_URL_ANNOTATION = 'skiff.io/agent-url';

const AGENT_PATHS: Record<string, string> = { log: 'containerLogs', exec: 'exec', attach: 'attach', portforward: 'portForward' };

export interface PodProxyOptions {
  store: ObjectStore;
  pods: ResourceDefinition;
  nodes: ResourceDefinition;
  /** The token agents accept from the API server. */
  agentToken: () => string;
}

export class PodProxy {
  constructor(private readonly opts: PodProxyOptions) {}

  /** The agent URL and path for a pod subresource, or a Status error explaining why there is none. */
  target(namespace: string, podName: string, subresource: string, query: URLSearchParams): URL {
    const pod = this.opts.store.get(this.opts.pods, namespace, podName);
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!nodeName) throw newBadRequest(`pod ${podName} does not have a host assigned`);
    const node: KObject | undefined = this.opts.store.tryGet(this.opts.nodes, undefined, nodeName);
    const base = node?.metadata.annotations?.[AGENT_URL_ANNOTATION];
    if (!base) throw newServiceUnavailable(`the node agent of node "${nodeName}" is not reachable`);
    const kind = AGENT_PATHS[subresource];
    if (!kind) throw newNotFound(this.opts.pods, podName);
    let path = `/${kind}/${encodeURIComponent(namespace)}/${encodeURIComponent(podName)}`;
    const container = query.get('container');
    if (container && subresource !== 'portforward') {
      path += `/${encodeURIComponent(container)}`;
      query.delete('container');
    }
    const url = new URL(path, base);
    url.search = query.toString();
    return url;
  }

  /** The token the node agents accept from the API server. */
  agentToken(): string {
    return this.opts.agentToken();
  }

  /** GET nodes/NAME/proxy/PATH: the node agent's own endpoints (metrics, cAdvisor, summary), as the kubelet's are reached. */
  proxyNode(nodeName: string, path: string, query: URLSearchParams, res: ServerResponse): void {
    const node: KObject | undefined = this.opts.store.tryGet(this.opts.nodes, undefined, nodeName);
    if (!node) throw newNotFound(this.opts.nodes, nodeName);
    const base = node.metadata.annotations?.[AGENT_URL_ANNOTATION];
    if (!base) throw newServiceUnavailable(`the node agent of node "${nodeName}" is not reachable`);
    const url = new URL(`/${path}`, base);
    url.search = query.toString();
    this.streamFromAgent(url, res, {});
  }

  /** GET .../log: streams the agent's answer back, status and body as they come. */
  proxyLogs(namespace: string, podName: string, req: IncomingMessage, res: ServerResponse): void {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    this.streamFromAgent(this.target(namespace, podName, 'log', query), res, { 'Cache-Control': 'no-cache, private' });
  }

  /** GETs a node agent URL and streams its status and body back as they come. */
  private streamFromAgent(url: URL, res: ServerResponse, headers: Record<string, string>): void {
    const upstream = httpRequest(url, { method: 'GET', headers: { Authorization: `Bearer ${this.opts.agentToken()}` } }, (up) => {
      res.writeHead(up.statusCode ?? 502, { 'Content-Type': up.headers['content-type'] ?? 'text/plain', ...headers });
      // A followed log may stay quiet for long; the client should see the status at once.
      res.flushHeaders();
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) this.sendStatus(res, newServiceUnavailable(`error talking to the node agent: ${err.message}`));
      else res.end();
    });
    res.on('close', () => upstream.destroy());
    upstream.end();
  }

  private sendStatus(res: ServerResponse, err: StatusError): void {
    res.writeHead(err.code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(err.status));
  }

  /** An upgrade (WebSocket or SPDY) for exec, attach or portforward: piped to the agent. */
  proxyUpgrade(namespace: string, podName: string, subresource: string, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let url: URL;
    try {
      url = this.target(namespace, podName, subresource, new URL(req.url ?? '/', 'http://x').searchParams);
    } catch (err) {
      rejectUpgrade(socket, isStatusError(err) ? err : newBadRequest((err as Error).message));
      return;
    }
    const upstream: Socket = connect(Number(url.port || 80), url.hostname);
    const lines = [`${req.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, `Authorization: Bearer ${this.opts.agentToken()}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i];
      if (/^(host|authorization)$/i.test(name)) continue;
      lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
    }
    upstream.on('connect', () => {
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const close = (): void => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', (err) => {
      if (!upstream.bytesRead) rejectUpgrade(socket, newServiceUnavailable(`error talking to the node agent: ${err.message}`));
      else close();
    });
    socket.on('error', close);
    upstream.on('close', () => socket.end());
    socket.on('close', () => upstream.destroy());
  }
}

export function rejectUpgrade(socket: Duplex, err: StatusError): void {
  const body = JSON.stringify(err.status);
  socket.end(`HTTP/1.1 ${err.code} ${err.status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
