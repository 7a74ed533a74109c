/** Image pull policy and registry credentials from a pod's imagePullSecrets (dockerconfigjson). */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { RegistryAuth } from '../runtime/runtime.js';
import type { ConfigSources } from './contracts.js';

export function pullPolicyOf(c: Container): 'Always' | 'IfNotPresent' | 'Never' {
  if (c.imagePullPolicy === 'Always' || c.imagePullPolicy === 'IfNotPresent' || c.imagePullPolicy === 'Never') return c.imagePullPolicy;
  const image = c.image ?? '';
  const last = image.split('/').pop() ?? '';
  const tagged = last.includes(':') && !image.includes('@');
  return image.includes('@') || (tagged && !last.endsWith(':latest')) ? 'IfNotPresent' : 'Always';
}

/** The registry host of an image reference; Docker Hub when the first part is not a host. */
export function registryOf(image: string): string {
  const first = image.split('/')[0];
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return first;
  return 'docker.io';
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
}

/** Pure: credentials for `registry` from decoded dockerconfigjson documents, by exact or URL-stripped key. */
export function matchAuth(registry: string, configs: DockerConfig[]): RegistryAuth | undefined {
  const norm = (k: string): string => k.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  for (const cfg of configs) {
    for (const [key, entry] of Object.entries(cfg.auths ?? {})) {
      const host = norm(key);
      if (host === registry || (registry === 'docker.io' && /(^|\.)docker\.io$/.test(host))) {
        let { username, password } = entry;
        if (entry.auth && !username) {
          const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
          const i = decoded.indexOf(':');
          username = decoded.slice(0, i);
          password = decoded.slice(i + 1);
        }
        return { username, password, serveraddress: key };
      }
    }
  }
  return undefined;
}

export async function registryAuthFor(image: string, pod: Pod, sources: ConfigSources): Promise<RegistryAuth | undefined> {
  const secrets = pod.spec?.imagePullSecrets ?? [];
  if (!secrets.length) return undefined;
  const configs: DockerConfig[] = [];
  for (const ref of secrets) {
    if (!ref.name) continue;
    const s = await sources.secret(pod.metadata?.namespace ?? 'default', ref.name);
    const data = (s?.data ?? {}) as Record<string, string>;
    const raw = data['.dockerconfigjson'] ?? data['.dockercfg'];
    if (!raw) continue;
    try {
      const parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as DockerConfig & Record<string, unknown>;
      configs.push(parsed.auths ? parsed : { auths: parsed as DockerConfig['auths'] });
    } catch {
      // A malformed secret gives no credentials; the pull error tells the user.
    }
  }
  return matchAuth(registryOf(image), configs);
}
