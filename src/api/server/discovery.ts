/**
 * API discovery in both forms kubectl reads: aggregated (apidiscovery.k8s.io v2 and v2beta1,
 * chosen by exact Accept) and the legacy APIVersions / APIGroupList / APIResourceList documents.
 */
import { ALL_VERBS, type ResourceDefinition, type ResourceRegistry, type Subresource } from '../registry/resources.js';

/** Groups served by handlers outside the resource registry (reviews, metrics). */
export interface ExtraResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  singular?: string;
}

interface SubresourceInfo {
  kind: { group: string; version: string; kind: string };
  verbs: string[];
}

function subresourceInfo(def: ResourceDefinition, sub: Subresource | string): SubresourceInfo | undefined {
  switch (sub) {
    case 'status': return { kind: { group: def.group, version: def.version, kind: def.kind }, verbs: ['get', 'patch', 'update'] };
    case 'scale': return { kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] };
    case 'binding': return { kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] };
    case 'eviction': return { kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] };
    case 'log': return { kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] };
    case 'exec': return { kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] };
    case 'attach': return { kind: { group: '', version: 'v1', kind: 'PodAttachOptions' }, verbs: ['create', 'get'] };
    case 'portforward': return { kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' }, verbs: ['create', 'get'] };
    case 'proxy': return { kind: { group: '', version: 'v1', kind: def.kind === 'Node' ? 'NodeProxyOptions' : def.kind === 'Service' ? 'ServiceProxyOptions' : 'PodProxyOptions' }, verbs: ['create', 'delete', 'get', 'patch', 'update'] };
    case 'finalize': return { kind: { group: '', version: 'v1', kind: 'Namespace' }, verbs: ['update'] };
    case 'ephemeralcontainers': return { kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get', 'patch', 'update'] };
    case 'token': return { kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] };
    default: return undefined;
  }
}

export class Discovery {
  constructor(private readonly registry: ResourceRegistry, private readonly extras: ExtraResource[], private readonly serverAddress: () => string) {}

  private groupVersions(): { group: string; version: string }[] {
    const out = this.registry.groupVersions();
    for (const e of this.extras) {
      if (!out.some((g) => g.group === e.group && g.version === e.version)) out.push({ group: e.group, version: e.version });
    }
    return out;
  }

  private resourcesOf(group: string, version: string): { defs: ResourceDefinition[]; extras: ExtraResource[] } {
    return {
      defs: this.registry.all.filter((d) => d.group === group && d.version === version),
      extras: this.extras.filter((e) => e.group === group && e.version === version),
    };
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.groupVersions().some((g) => g.group === group && g.version === version);
  }

  allGroupVersions(): string[] {
    return this.groupVersions().map((g) => (g.group ? `apis/${g.group}/${g.version}` : `api/${g.version}`));
  }

  /** `/api` or `/apis` in the aggregated form. */
  aggregated(core: boolean, version: 'v2' | 'v2beta1'): object {
    const byGroup = new Map<string, string[]>();
    for (const gv of this.groupVersions()) {
      if ((gv.group === '') !== core) continue;
      byGroup.set(gv.group, [...(byGroup.get(gv.group) ?? []), gv.version]);
    }
    const items = [...byGroup.entries()].map(([group, versions]) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: versions.map((v) => {
        const { defs, extras } = this.resourcesOf(group, v);
        return {
          version: v,
          resources: [
            ...defs.map((d) => ({
              resource: d.resource,
              responseKind: { group: d.group, version: d.version, kind: d.kind },
              scope: d.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: d.singular,
              verbs: d.verbs ?? ALL_VERBS,
              ...(d.shortNames ? { shortNames: d.shortNames } : {}),
              ...(d.categories ? { categories: d.categories } : {}),
              subresources: d.subresources.flatMap((s) => {
                const info = subresourceInfo(d, s);
                return info ? [{ subresource: s, responseKind: info.kind, verbs: info.verbs }] : [];
              }),
            })),
            ...extras.map((e) => ({
              resource: e.resource,
              responseKind: { group: e.group, version: e.version, kind: e.kind },
              scope: e.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: e.singular ?? e.kind.toLowerCase(),
              verbs: e.verbs,
            })),
          ],
          freshness: 'Current',
        };
      }),
    }));
    return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
  }

  legacyApiVersions(): object {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.serverAddress() }] };
  }

  legacyGroupList(): object {
    const groups = new Map<string, string[]>();
    for (const gv of this.groupVersions()) {
      if (!gv.group) continue;
      groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv.version]);
    }
    return {
      kind: 'APIGroupList', apiVersion: 'v1',
      groups: [...groups.entries()].map(([name, versions]) => this.groupDoc(name, versions)),
    };
  }

  private groupDoc(name: string, versions: string[]): object {
    return {
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    };
  }

  legacyGroup(group: string): object | undefined {
    const versions = this.groupVersions().filter((g) => g.group === group).map((g) => g.version);
    if (!versions.length) return undefined;
    return { kind: 'APIGroup', apiVersion: 'v1', ...this.groupDoc(group, versions) };
  }

  resourceList(group: string, version: string): object | undefined {
    if (!this.hasGroupVersion(group, version)) return undefined;
    const { defs, extras } = this.resourcesOf(group, version);
    const resources: object[] = [];
    for (const d of defs) {
      resources.push({
        name: d.resource, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: d.verbs ?? ALL_VERBS,
        ...(d.shortNames ? { shortNames: d.shortNames } : {}), ...(d.categories ? { categories: d.categories } : {}),
      });
      for (const s of d.subresources) {
        const info = subresourceInfo(d, s);
        if (!info) continue;
        resources.push({
          name: `${d.resource}/${s}`, singularName: '', namespaced: d.namespaced,
          ...(info.kind.group !== d.group || info.kind.version !== d.version ? { group: info.kind.group, version: info.kind.version } : {}),
          kind: info.kind.kind, verbs: info.verbs,
        });
      }
    }
    for (const e of extras) resources.push({ name: e.resource, singularName: e.singular ?? e.kind.toLowerCase(), namespaced: e.namespaced, kind: e.kind, verbs: e.verbs });
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }
}
