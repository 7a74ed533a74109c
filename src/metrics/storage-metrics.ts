/**
 * Storage latency as the API server reports etcd's: `etcd_request_duration_seconds{operation,type}`,
 * whatever the backend (SQLite, memory), so the usual dashboards read it; `type` is the resource
 * part of the key.
 */
import { Histogram, type Registry } from 'prom-client';
import type { Backend } from '../api/storage/backend.js';

const BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** `/registry/apps/deployments/ns/name` → `deployments.apps`; `/registry/core/pods/...` → `pods`. */
export function keyType(key: string): string {
  const [, registry, group, resource] = key.split('/');
  if (registry !== 'registry' || !resource) return key;
  return group === 'core' ? resource : `${resource}.${group}`;
}

/** Wraps a backend so every read and write is timed; watches and housekeeping are passed through. */
export function instrumentBackend(backend: Backend, registry: Registry): Backend {
  const h = new Histogram({ name: 'etcd_request_duration_seconds', help: 'Storage request latency in seconds for each operation and object type.', labelNames: ['operation', 'type'], buckets: BUCKETS, registers: [registry] });
  const timed = async <T>(operation: string, key: string, run: () => Promise<T>): Promise<T> => {
    const end = h.startTimer({ operation, type: keyType(key) });
    try {
      return await run();
    } finally {
      end();
    }
  };
  return {
    get: (key) => timed('get', key, () => backend.get(key)),
    list: (prefix, opts) => timed('listWithCount', prefix, () => backend.list(prefix, opts)),
    create: (key, value) => timed('create', key, () => backend.create(key, value)),
    update: (key, value, rev) => timed('update', key, () => backend.update(key, value, rev)),
    delete: (key, rev) => timed('delete', key, () => backend.delete(key, rev)),
    watch: (prefix, from, onEvents) => backend.watch(prefix, from, onEvents),
    currentRevision: () => backend.currentRevision(),
    compactRevision: () => backend.compactRevision(),
    compact: (rev) => timed('compact', '/registry/compact', () => backend.compact(rev)),
    close: () => backend.close(),
  };
}
