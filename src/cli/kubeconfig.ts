/**
 * Admin kubeconfig files: the cluster's own (DIR/kubeconfig) and a context merged into the
 * user's ~/.kube/config the way kind does, replacing only entries of the same name.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';

export interface KubeconfigEntry {
  /** Context, cluster and user are all named after it. */
  contextName: string;
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

interface Named {
  name: string;
  [k: string]: unknown;
}

interface Kubeconfig {
  apiVersion: string;
  kind: string;
  preferences: Record<string, unknown>;
  clusters: Named[];
  users: Named[];
  contexts: Named[];
  'current-context': string;
  [k: string]: unknown;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

export function kubeconfigFor(e: KubeconfigEntry): Kubeconfig {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: e.contextName, cluster: { server: e.server, 'certificate-authority-data': b64(e.caPem) } }],
    users: [{ name: e.contextName, user: { 'client-certificate-data': b64(e.clientCertPem), 'client-key-data': b64(e.clientKeyPem) } }],
    contexts: [{ name: e.contextName, context: { cluster: e.contextName, user: e.contextName } }],
    'current-context': e.contextName,
  };
}

function upsert(list: Named[] | undefined, entry: Named): Named[] {
  const out = (list ?? []).filter((x) => x?.name !== entry.name);
  out.push(entry);
  return out;
}

/** Merges `entry` into an existing kubeconfig document (or an empty one) and makes it current. */
export function mergeKubeconfig(existing: string | undefined, e: KubeconfigEntry): string {
  const fresh = kubeconfigFor(e);
  let doc: Partial<Kubeconfig> = {};
  if (existing?.trim()) {
    const parsed: unknown = parse(existing);
    if (parsed && typeof parsed === 'object') doc = parsed as Partial<Kubeconfig>;
  }
  const merged: Kubeconfig = {
    ...fresh,
    ...doc,
    apiVersion: 'v1',
    kind: 'Config',
    preferences: doc.preferences ?? {},
    clusters: upsert(doc.clusters, fresh.clusters[0]),
    users: upsert(doc.users, fresh.users[0]),
    contexts: upsert(doc.contexts, fresh.contexts[0]),
    'current-context': e.contextName,
  };
  return stringify(merged);
}

/** Writes atomically (temp file + rename) with owner-only permissions, as it holds a key. */
export function writeKubeconfigFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, path);
}

export function mergeIntoFile(path: string, e: KubeconfigEntry): void {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  writeKubeconfigFile(path, mergeKubeconfig(existing, e));
}

export function writeStandalone(path: string, e: KubeconfigEntry): void {
  writeKubeconfigFile(path, stringify(kubeconfigFor(e)));
}
