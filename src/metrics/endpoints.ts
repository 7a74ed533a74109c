/**
 * The scrape endpoints the API server serves, one per component: each path exposes exactly one
 * Registry or hand-written exposition (no global registry). Components running in the `skiff up`
 * process mount theirs here, so one address, one CA and one bearer token reach all of them.
 */
import type { ServerResponse } from 'node:http';
import type { Exposition } from './exposition-text.js';

/** The Prometheus text exposition format every endpoint answers with. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class MetricsEndpoints {
  private readonly registries = new Map<string, () => Exposition | undefined>();
  private readonly documents = new Map<string, () => unknown>();

  /**
   * Serves a component's registry at `path` (for example `/metrics/proxy`). A function is asked on each
   * scrape: components that run only while they hold their leader Lease have no registry in between.
   */
  mount(path: string, registry: Exposition | (() => Exposition | undefined)): void {
    if (this.registries.has(path) || this.documents.has(path)) throw new Error(`metrics path ${path} is already mounted`);
    this.registries.set(path, typeof registry === 'function' ? registry : () => registry);
  }

  /** Serves a JSON document computed per request (Prometheus http_sd target lists). */
  mountJson(path: string, document: () => unknown): void {
    if (this.registries.has(path) || this.documents.has(path)) throw new Error(`metrics path ${path} is already mounted`);
    this.documents.set(path, document);
  }

  /** The mounted registry paths, in mount order. */
  get paths(): string[] {
    return [...this.registries.keys()];
  }

  has(path: string): boolean {
    return this.registries.has(path) || this.documents.has(path);
  }

  /** Answers a request for a mounted path; false when nothing is mounted there. */
  serve(path: string, res: ServerResponse): boolean {
    const doc = this.documents.get(path);
    if (doc) {
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(doc()));
      return true;
    }
    const current = this.registries.get(path);
    if (!current) return false;
    const registry = current();
    if (!registry) {
      // Not leading right now: an empty, valid exposition keeps the target up.
      res.statusCode = 200;
      res.setHeader('Content-Type', EXPOSITION_CONTENT_TYPE);
      res.end('');
      return true;
    }
    registry.metrics().then((text) => {
      res.statusCode = 200;
      res.setHeader('Content-Type', EXPOSITION_CONTENT_TYPE);
      res.end(text);
    }, (err: unknown) => {
      res.statusCode = 500;
      res.setHeader('Content-Type', 'text/plain');
      res.end(`error gathering metrics: ${(err as Error).message}\n`);
    });
    return true;
  }
}
