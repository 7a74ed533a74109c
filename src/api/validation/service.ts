/** Services and Endpoints: ports, types, cluster IPs, external names and selectors. */
import type { KObject } from '../machinery/object.js';
import { child, type Causes, duplicate, forbidden, index, invalid, required, validateEnum } from './causes.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidIP, isValidPortNum } from './formats.js';
import { validateLabels } from './labels.js';
import { PROTOCOLS, validatePortNumOrName } from './ports.js';
import { asObject, objectsOf, readArray, readInt, readString, readStringMap, stringsOf, type JsonObject } from './read.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
/** The default --service-node-port-range of kube-apiserver. */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

function validateServicePorts(errs: Causes, spec: JsonObject, type: string | undefined, headless: boolean): void {
  const path = 'spec.ports';
  const list = readArray(errs, spec, 'spec', 'ports');
  if (list.length === 0 && !headless && type !== 'ExternalName') errs.push(required(path));
  // With several ports each needs a name: SRV records and named target ports refer to it.
  const requireName = list.length > 1;
  const names = new Set<string>();
  const portKeys = new Set<string>();
  for (const { item, i } of objectsOf(errs, list, path)) {
    const p = index(path, i);
    const name = readString(errs, item, p, 'name');
    if (!name) {
      if (requireName) errs.push(required(child(p, 'name')));
    } else {
      for (const msg of isDNS1123Label(name)) errs.push(invalid(child(p, 'name'), name, msg));
      if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      names.add(name);
    }
    const port = readInt(errs, item, p, 'port');
    if (port === undefined) errs.push(required(child(p, 'port')));
    else for (const msg of isValidPortNum(port)) errs.push(invalid(child(p, 'port'), port, msg));
    const protocol = readString(errs, item, p, 'protocol');
    validateEnum(errs, protocol, child(p, 'protocol'), PROTOCOLS);
    const portKey = `${port ?? ''}/${protocol ?? ''}`;
    if (port !== undefined && portKeys.has(portKey)) errs.push(duplicate(p, { port, protocol }));
    portKeys.add(portKey);
    const target = item['targetPort'];
    if (target !== undefined && target !== null && target !== 0 && type !== 'ExternalName') validatePortNumOrName(errs, target, child(p, 'targetPort'));
    const nodePort = readInt(errs, item, p, 'nodePort');
    if (nodePort) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') {
        errs.push(forbidden(child(p, 'nodePort'), `may not be used when \`type\` is '${type ?? 'ClusterIP'}'`));
      } else if (nodePort < NODE_PORT_RANGE.min || nodePort > NODE_PORT_RANGE.max) {
        errs.push(invalid(child(p, 'nodePort'), nodePort,
          `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`));
      }
    }
  }
}

/** The primary cluster IP as Kubernetes reports it: through clusterIPs[0] when that list is given. */
function clusterIPsOf(errs: Causes, spec: JsonObject): { ips: string[]; field: (i: number) => string } {
  const list = stringsOf(errs, readArray(errs, spec, 'spec', 'clusterIPs'), 'spec.clusterIPs');
  if (list.length) return { ips: list, field: (i) => index('spec.clusterIPs', i) };
  const ip = readString(errs, spec, 'spec', 'clusterIP');
  return { ips: ip ? [ip] : [], field: () => 'spec.clusterIP' };
}

export function validateService(errs: Causes, obj: KObject): void {
  const spec = asObject(obj['spec']) ?? {};
  const type = readString(errs, spec, 'spec', 'type');
  validateEnum(errs, type, 'spec.type', SERVICE_TYPES);
  const { ips, field } = clusterIPsOf(errs, spec);
  const headless = ips[0] === 'None';
  if (type === 'ExternalName') {
    const ext = readString(errs, spec, 'spec', 'externalName');
    if (!ext) errs.push(required('spec.externalName'));
    else for (const msg of isDNS1123Subdomain(ext.replace(/\.$/, ''))) errs.push(invalid('spec.externalName', ext, msg));
    if (ips.length) errs.push(forbidden('spec.clusterIPs', 'may not be set for `type` ExternalName'));
  } else {
    ips.forEach((ip, i) => {
      if (i === 0 && ip === 'None') return;
      for (const msg of isValidIP(ip)) errs.push(invalid(field(i), ip, msg));
    });
    if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
      errs.push(invalid(field(0), 'None', `may not be set to 'None' for ${type} services`));
    }
  }
  validateServicePorts(errs, spec, type, headless);
  validateLabels(errs, readStringMap(errs, spec, 'spec', 'selector'), 'spec.selector');
  validateEnum(errs, readString(errs, spec, 'spec', 'sessionAffinity'), 'spec.sessionAffinity', ['ClientIP', 'None'], false);
  const etp = readString(errs, spec, 'spec', 'externalTrafficPolicy');
  validateEnum(errs, etp, 'spec.externalTrafficPolicy', ['Cluster', 'Local'], false);
  validateEnum(errs, readString(errs, spec, 'spec', 'internalTrafficPolicy'), 'spec.internalTrafficPolicy', ['Cluster', 'Local'], false);
  stringsOf(errs, readArray(errs, spec, 'spec', 'externalIPs'), 'spec.externalIPs').forEach((ip, i) => {
    for (const msg of isValidIP(ip)) errs.push(invalid(index('spec.externalIPs', i), ip, msg));
  });
}

/** A cluster IP, once allocated, stays for the life of the Service (other objects cache it). */
export function validateServiceUpdate(errs: Causes, obj: KObject, old: KObject): void {
  const next = asObject(obj['spec']) ?? {};
  const was = asObject(old['spec']) ?? {};
  if (next['type'] === 'ExternalName' || was['type'] === 'ExternalName') return;
  const oldIP = typeof was['clusterIP'] === 'string' ? was['clusterIP'] : '';
  const newIP = typeof next['clusterIP'] === 'string' ? next['clusterIP'] : '';
  if (oldIP && newIP && oldIP !== newIP) {
    const ips = Array.isArray(next['clusterIPs']) ? next['clusterIPs'] : [newIP];
    errs.push(invalid('spec.clusterIPs[0]', ips, 'may not change once set'));
  }
}

export function validateEndpoints(errs: Causes, obj: KObject): void {
  for (const { item: subset, i } of objectsOf(errs, readArray(errs, obj, '', 'subsets'), 'subsets')) {
    const sp = index('subsets', i);
    for (const f of ['addresses', 'notReadyAddresses']) {
      for (const { item, i: j } of objectsOf(errs, readArray(errs, subset, sp, f), child(sp, f))) {
        const p = index(child(sp, f), j);
        const ip = readString(errs, item, p, 'ip') ?? '';
        for (const msg of isValidIP(ip)) errs.push(invalid(child(p, 'ip'), ip, msg));
      }
    }
    const ports = readArray(errs, subset, sp, 'ports');
    for (const { item, i: j } of objectsOf(errs, ports, child(sp, 'ports'))) {
      const p = index(child(sp, 'ports'), j);
      const name = readString(errs, item, p, 'name');
      if (!name) {
        if (ports.length > 1) errs.push(required(child(p, 'name')));
      } else for (const msg of isDNS1123Label(name)) errs.push(invalid(child(p, 'name'), name, msg));
      const port = readInt(errs, item, p, 'port') ?? 0;
      for (const msg of isValidPortNum(port)) errs.push(invalid(child(p, 'port'), port, msg));
      validateEnum(errs, readString(errs, item, p, 'protocol'), child(p, 'protocol'), PROTOCOLS);
    }
  }
}
