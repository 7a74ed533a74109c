/**
 * Serves the dashboard at /ui: its static assets (no data in them, so no login needed) and one
 * authenticated endpoint that multiplexes several watches into a single stream, because a
 * browser opens at most six HTTP/1.1 connections to a host and the dashboard watches eleven kinds.
 */
import express, { type Request, type Response, type Router } from 'express';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TokenAuthenticator } from '../api/auth/tokens.js';
import { newBadRequest, newNotFound, newUnauthorized, type StatusError } from '../api/machinery/errors.js';
import { authenticate } from '../api/server/authn.js';
import { muxLine, parseMuxRequest } from './mux.js';

export interface DashboardOptions {
  tokens: TokenAuthenticator;
  /** The API server's own address, for the watches the mux opens on behalf of the browser. */
  apiUrl: () => string;
  caPem: string;
}

/** The assets live beside the sources (src/ui/assets), also when running from dist/ui. */
export const ASSETS_DIR = fileURLToPath(new URL('../../src/ui/assets/', import.meta.url));

const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', html: 'text/html; charset=utf-8', svg: 'image/svg+xml' };
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

function sendStatus(res: Response, err: StatusError): void {
  res.status(err.code).type('application/json').send(JSON.stringify(err.status));
}

export function dashboardRouter(opts: DashboardOptions): Router {
  const router = express.Router();
  const agent = new Agent({ ca: opts.caPem, keepAlive: false });
  const asset = (file: string, res: Response): void => {
    let body: Buffer;
    try {
      body = readFileSync(join(ASSETS_DIR, file));
    } catch {
      return sendStatus(res, newNotFound({ group: '', resource: 'ui assets' }, file));
    }
    res.set(SECURITY_HEADERS).type(TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream').send(body);
  };

  router.get('/', (req: Request, res: Response) => {
    // /ui without the slash: relative asset URLs need the trailing one.
    if (req.originalUrl.split('?')[0] === '/ui') return res.redirect(301, '/ui/');
    asset('index.html', res);
  });
  router.get('/assets/:file', (req: Request, res: Response) => {
    const file = req.params.file;
    if (!/^[a-z0-9-]+\.(js|css|svg)$/.test(file)) return sendStatus(res, newNotFound({ group: '', resource: 'ui assets' }, file));
    asset(file, res);
  });

  router.get('/api/watch', (req: Request, res: Response) => {
    if (!authenticate(req, opts.tokens)) return sendStatus(res, newUnauthorized());
    const parsed = parseMuxRequest(new URL(req.originalUrl, 'https://ui').searchParams);
    if (typeof parsed === 'string') return sendStatus(res, newBadRequest(parsed));
    res.status(200).set({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.flushHeaders();
    const upstreams: IncomingMessage[] = [];
    let closed = false;
    const closeAll = (): void => {
      if (closed) return;
      closed = true;
      for (const u of upstreams) u.destroy();
      res.end();
    };
    res.on('close', closeAll);
    const base = new URL(opts.apiUrl().replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:'));
    parsed.forEach((w, index) => {
      const q = new URLSearchParams({ watch: 'true', allowWatchBookmarks: 'true' });
      // A fresh start ends its initial ADDED events with a bookmark, so the page renders once, complete.
      if (w.resourceVersion) {
        q.set('resourceVersion', w.resourceVersion);
      } else {
        q.set('sendInitialEvents', 'true');
        q.set('resourceVersionMatch', 'NotOlderThan');
      }
      const up = httpsRequest({
        hostname: base.hostname.replace(/^\[|\]$/g, ''), port: base.port, path: `${w.path}?${q.toString()}`, method: 'GET', agent,
        headers: { Accept: 'application/json', Authorization: req.headers.authorization ?? '', 'User-Agent': 'skiff-dashboard' },
      }, (upRes) => {
        upstreams.push(upRes);
        if (closed) return upRes.destroy();
        let buffered = '';
        upRes.setEncoding('utf8');
        upRes.on('data', (chunk: string) => {
          buffered += chunk;
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line && !closed) res.write(muxLine(index, (upRes.statusCode ?? 0) < 300 ? line : undefined, line));
          }
        });
        upRes.on('end', () => {
          // A non-watch reply (an error Status) has no trailing newline.
          if (buffered.trim() && !closed) res.write(muxLine(index, undefined, buffered.trim()));
          closeAll();
        });
        upRes.on('error', closeAll);
      });
      up.on('error', closeAll);
      up.end();
    });
  });
  router.all('/api/*', (req: Request, res: Response) => {
    if (!authenticate(req, opts.tokens)) return sendStatus(res, newUnauthorized());
    sendStatus(res, newNotFound({ group: '', resource: 'ui api' }, req.path));
  });
  return router;
}
