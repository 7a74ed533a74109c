/** The httpGet probe: a GET to the container; 200–399 is success, as the kubelet's HTTP prober decides. */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Probe } from 'kubernetes-types/core/v1.js';
import type { ProbeTarget, RunnerOutcome } from './types.js';
import { PROBE_USER_AGENT, dialErrorText, joinHostPort, resolvePort } from './net-util.js';

/** The kubelet reads at most 10 KiB of a probe response body. */
export const MAX_BODY = 10 * 1024;
/** Go's http.Client gives up after 10 redirects. */
const MAX_REDIRECTS = 10;

type Headers = Record<string, string[]>;

interface Response {
  status: number;
  location?: string;
  body: string;
}

class ProbeTimeout extends Error {}

/** Headers with the kubelet's defaults (User-Agent, Accept) unless the probe sets its own. */
function buildHeaders(probe: Probe): Headers {
  const out: Headers = {};
  for (const h of probe.httpGet?.httpHeaders ?? []) {
    const key = h.name.toLowerCase();
    (out[key] ??= []).push(h.value);
  }
  out['user-agent'] ??= [PROBE_USER_AGENT];
  out['accept'] ??= ['*/*'];
  // Go's transport with keep-alives off; a probe never reuses a connection.
  out['connection'] = ['close'];
  return out;
}

/** The URL as Go prints it: no slash is added for an empty path. */
function probeUrl(scheme: string, hostPort: string, path: string): string {
  if (!path) return `${scheme}://${hostPort}`;
  return `${scheme}://${hostPort}${path.startsWith('/') ? '' : '/'}${path}`;
}

function get(url: URL, headers: Headers, signal: AbortSignal): Promise<Response> {
  const mod = url.protocol === 'https:' ? https : http;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const single: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) single[k] = k === 'host' ? v[0]! : v.length === 1 ? v[0]! : v;
  return new Promise<Response>((resolve, reject) => {
    const req = mod.request({
      host,
      port: url.port || (url.protocol === 'https:' ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: single,
      agent: false,
      // Go's client reads lines ending in a bare LF (CGI scripts behind busybox httpd send them); Node's strict parser does not.
      insecureHTTPParser: true,
      // Kubernetes probes skip certificate verification: containers serve self-signed certs.
      rejectUnauthorized: false,
      // No SNI for an IP literal, as Go's client does.
      ...(url.protocol === 'https:' ? { servername: /^[\d.]+$|:/.test(host) ? '' : host } : {}),
    });
    const onAbort = (): void => {
      req.destroy(new ProbeTimeout('timeout'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const done = (): void => signal.removeEventListener('abort', onAbort);
    req.on('error', (err) => {
      done();
      reject(err);
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      let size = 0;
      let settled = false;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        done();
        res.destroy();
        req.destroy();
        const loc = res.headers.location;
        resolve({ status: res.statusCode ?? 0, ...(loc ? { location: loc } : {}), body: Buffer.concat(parts).toString('utf8').slice(0, MAX_BODY) });
      };
      res.on('data', (b: Buffer) => {
        if (settled) return;
        const room = MAX_BODY - size;
        parts.push(b.length > room ? b.subarray(0, room) : b);
        size += Math.min(b.length, room);
        // A body past the cap is not an error: the probe judges by status, the body is only shown.
        if (size >= MAX_BODY) finish();
      });
      res.on('end', finish);
      res.on('error', (err) => {
        if (settled) return;
        settled = true;
        done();
        reject(err);
      });
    });
    req.end();
    if (signal.aborted) onAbort();
  });
}

export async function httpRunner(probe: Probe, target: ProbeTarget, signal: AbortSignal): Promise<RunnerOutcome> {
  const action = probe.httpGet;
  if (!action) return { result: 'unknown', output: 'probe has no httpGet action' };
  const p = resolvePort(action.port, target.container);
  if ('error' in p) return { result: 'unknown', output: p.error };
  const host = action.host || target.podIP;
  if (!host) return { result: 'unknown', output: 'pod has no IP yet' };
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return { result: 'unknown', output: `unsupported scheme: ${action.scheme}` };
  const hostPort = joinHostPort(host, p.port);
  const first = probeUrl(scheme, hostPort, action.path ?? '');
  const headers = buildHeaders(probe);

  let url: URL;
  try {
    url = new URL(first);
  } catch (err) {
    return { result: 'failure', output: err instanceof Error ? err.message : String(err) };
  }
  let shown = first;
  for (let hops = 0; ; hops++) {
    let res: Response;
    try {
      res = await get(url, headers, signal);
    } catch (err) {
      const why = err instanceof ProbeTimeout || signal.aborted
        ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
        : dialErrorText(err, joinHostPort(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port) || (url.protocol === 'https:' ? 443 : 80)));
      return { result: 'failure', output: `Get ${JSON.stringify(shown)}: ${why}` };
    }
    if (res.status >= 300 && res.status < 400 && res.location) {
      let next: URL;
      try {
        next = new URL(res.location, url);
      } catch {
        return { result: 'success', warning: true, output: `Probe terminated redirects, Response body: ${res.body}` };
      }
      // Redirects are followed only within the same host, so a probe cannot be bounced elsewhere.
      if (next.hostname === url.hostname && (next.protocol === 'http:' || next.protocol === 'https:')) {
        if (hops + 1 >= MAX_REDIRECTS) return { result: 'failure', output: `Get ${JSON.stringify(next.toString())}: stopped after ${MAX_REDIRECTS} redirects` };
        url = next;
        shown = next.toString();
        continue;
      }
    }
    if (res.status >= 200 && res.status < 400) {
      // A 3xx that was not followed still counts as success, with a ProbeWarning event.
      if (res.status >= 300) return { result: 'success', warning: true, output: `Probe terminated redirects, Response body: ${res.body}` };
      return { result: 'success', output: res.body };
    }
    return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.status}` };
  }
}
