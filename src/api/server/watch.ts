/**
 * Watch responses: newline-delimited JSON events over a chunked response whose headers are
 * flushed at once (Go clients wait for them), bookmarks, timeouts, and a cut-off for
 * watchers that stop reading rather than an unbounded buffer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isStatusError, newBadRequest } from '../machinery/errors.js';
import { apiVersionOf, type KObject } from '../machinery/object.js';
import type { FieldRequirement, LabelSelector } from '../machinery/selectors.js';
import type { ResourceDefinition } from '../registry/resources.js';
import type { ObjectStore, ObjectWatchEvent } from '../registry/store.js';

/** A watcher more than this far behind is disconnected; it relists and watches again. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const BOOKMARK_INTERVAL_MS = 30_000;

/** Watches without timeoutSeconds end after 30–60 minutes, like a real apiserver's. */
function defaultTimeoutSeconds(): number {
  return 1800 + Math.floor(Math.random() * 1800);
}

export interface WatchRequest {
  def: ResourceDefinition;
  store: ObjectStore;
  namespace?: string;
  labelSelector: LabelSelector;
  fieldSelector: FieldRequirement[];
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  /** Set when the client asked for Table rows: turns objects into a one-row Table. */
  table?: (items: KObject[]) => object;
}

export function serveWatch(req: IncomingMessage, res: ServerResponse, w: WatchRequest): void {
  const rv = w.resourceVersion;
  if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv)) throw newBadRequest(`invalid resource version: "${rv}"`);
  // "" and "0" start with the current state as ADDED events; a later version replays from there.
  const fromRevision = rv === undefined || rv === '' ? 0 : Number(rv);
  let closed = false;
  let bookmark: NodeJS.Timeout | undefined;
  let timeout: NodeJS.Timeout | undefined;

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();

  const finish = (): void => {
    if (closed) return;
    closed = true;
    if (bookmark) clearInterval(bookmark);
    if (timeout) clearTimeout(timeout);
    watch?.cancel();
    res.end();
  };

  const write = (line: object): void => {
    if (closed) return;
    res.write(JSON.stringify(line) + '\n');
    if (res.writableLength > MAX_BUFFERED_BYTES) finish();
  };

  const send = (events: ObjectWatchEvent[]): void => {
    for (const e of events) write({ type: e.type, object: w.table ? w.table([e.object]) : e.object });
  };

  let watch: { cancel(): void } | undefined;
  try {
    watch = w.store.watch(w.def, w.namespace, { fromRevision, labelSelector: w.labelSelector, fieldSelector: w.fieldSelector }, send);
    if (closed) watch.cancel();
  } catch (err) {
    if (isStatusError(err)) {
      // An expired resourceVersion is reported in the stream so reflectors relist.
      write({ type: 'ERROR', object: err.status });
      finish();
      return;
    }
    throw err;
  }

  const sendBookmark = (): void => {
    write({ type: 'BOOKMARK', object: { kind: w.def.kind, apiVersion: apiVersionOf(w.def), metadata: { resourceVersion: String(w.store.revision) } } });
  };
  if (w.allowBookmarks) {
    if (w.sendInitialEvents) {
      write({ type: 'BOOKMARK', object: { kind: w.def.kind, apiVersion: apiVersionOf(w.def), metadata: { resourceVersion: String(w.store.revision), annotations: { 'k8s.io/initial-events-end': 'true' } } } });
    }
    bookmark = setInterval(sendBookmark, BOOKMARK_INTERVAL_MS);
    bookmark.unref();
  }
  const seconds = w.timeoutSeconds && w.timeoutSeconds > 0 ? w.timeoutSeconds : defaultTimeoutSeconds();
  timeout = setTimeout(finish, seconds * 1000);
  timeout.unref();
  // The request stream closes when its (empty) body is read; only the response tells of a gone client.
  res.on('close', finish);
  req.on('aborted', finish);
}
