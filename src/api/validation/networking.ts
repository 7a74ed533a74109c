/** networking.k8s.io/v1 Ingress and IngressClass: rules, hosts, paths and backends. */
import type { KObject } from '../machinery/object.js';
import { child, type Causes, index, invalid, MSG_IMMUTABLE, notSupported, required } from './causes.js';
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain, ipFamilyOf } from './formats.js';
import { asObject, objectsOf, readArray, readInt, readObject, readString, stringsOf, type JsonObject } from './read.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'] as const;

function validateHost(errs: Causes, host: string, path: string): void {
  if (ipFamilyOf(host)) {
    errs.push(invalid(path, host, 'must be a DNS name, not an IP address'));
    return;
  }
  const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
  for (const msg of msgs) errs.push(invalid(path, host, msg));
}

function validateBackend(errs: Causes, backend: JsonObject, path: string): void {
  const service = readObject(errs, backend, path, 'service');
  const resource = readObject(errs, backend, path, 'resource');
  if (service && resource) {
    errs.push(invalid(path, '', 'cannot set both resource and service backends'));
    return;
  }
  if (!service && !resource) {
    errs.push(invalid(path, '', 'resource or service backend is required'));
    return;
  }
  if (resource) {
    const p = child(path, 'resource');
    if (!readString(errs, resource, p, 'kind')) errs.push(required(child(p, 'kind')));
    if (!readString(errs, resource, p, 'name')) errs.push(required(child(p, 'name')));
    return;
  }
  const p = child(path, 'service');
  const name = readString(errs, service, p, 'name');
  if (!name) errs.push(required(child(p, 'name')));
  else for (const msg of isDNS1035Label(name)) errs.push(invalid(child(p, 'name'), name, msg));
  const port = readObject(errs, service, p, 'port');
  const pp = child(p, 'port');
  const portName = readString(errs, port, pp, 'name');
  const portNumber = readInt(errs, port, pp, 'number');
  if (portName && portNumber) errs.push(invalid(pp, '', 'cannot set both port name & port number'));
  else if (portName) for (const msg of isValidPortName(portName)) errs.push(invalid(child(pp, 'name'), portName, msg));
  else if (portNumber) for (const msg of isValidPortNum(portNumber)) errs.push(invalid(child(pp, 'number'), portNumber, msg));
  else errs.push(required(pp, 'port name or number is required'));
}

function validatePath(errs: Causes, item: JsonObject, p: string): void {
  const pathType = readString(errs, item, p, 'pathType');
  const value = readString(errs, item, p, 'path') ?? '';
  if (!pathType) errs.push(required(child(p, 'pathType'), 'pathType must be specified'));
  else if (!(PATH_TYPES as readonly string[]).includes(pathType)) errs.push(notSupported(child(p, 'pathType'), pathType, PATH_TYPES));
  if (pathType === 'Exact' || pathType === 'Prefix') {
    if (!value.startsWith('/')) errs.push(invalid(child(p, 'path'), value, 'must be an absolute path'));
    for (const bad of ['//', '/./', '/../', '%2f', '%2F']) {
      if (value.includes(bad)) errs.push(invalid(child(p, 'path'), value, `must not contain '${bad}'`));
    }
  } else if (value && !value.startsWith('/')) {
    errs.push(invalid(child(p, 'path'), value, 'must be an absolute path'));
  }
  const backend = readObject(errs, item, p, 'backend');
  if (!backend) errs.push(invalid(child(p, 'backend'), '', 'resource or service backend is required'));
  else validateBackend(errs, backend, child(p, 'backend'));
}

export function validateIngress(errs: Causes, obj: KObject): void {
  const spec = asObject(obj['spec']) ?? {};
  const rules = readArray(errs, spec, 'spec', 'rules');
  const defaultBackend = readObject(errs, spec, 'spec', 'defaultBackend');
  if (rules.length === 0 && !defaultBackend) errs.push(invalid('spec', rules, 'either `defaultBackend` or `rules` must be specified'));
  if (defaultBackend) validateBackend(errs, defaultBackend, 'spec.defaultBackend');
  const className = readString(errs, spec, 'spec', 'ingressClassName');
  if (className) for (const msg of isDNS1123Subdomain(className)) errs.push(invalid('spec.ingressClassName', className, msg));
  for (const { item: rule, i } of objectsOf(errs, rules, 'spec.rules')) {
    const rp = index('spec.rules', i);
    const host = readString(errs, rule, rp, 'host');
    if (host) validateHost(errs, host, child(rp, 'host'));
    const http = readObject(errs, rule, rp, 'http');
    if (!http) continue;
    const hp = child(rp, 'http');
    const paths = readArray(errs, http, hp, 'paths');
    if (paths.length === 0) errs.push(required(child(hp, 'paths')));
    for (const { item, i: j } of objectsOf(errs, paths, child(hp, 'paths'))) validatePath(errs, item, index(child(hp, 'paths'), j));
  }
  for (const { item: tls, i } of objectsOf(errs, readArray(errs, spec, 'spec', 'tls'), 'spec.tls')) {
    const tp = index('spec.tls', i);
    stringsOf(errs, readArray(errs, tls, tp, 'hosts'), child(tp, 'hosts')).forEach((h, j) => validateHost(errs, h, index(child(tp, 'hosts'), j)));
  }
}

/** Controller names look like `example.com/ingress-nginx`: a domain-prefixed path. */
export function validateIngressClass(errs: Causes, obj: KObject): void {
  const spec = asObject(obj['spec']) ?? {};
  const controller = readString(errs, spec, 'spec', 'controller');
  if (!controller) errs.push(required('spec.controller'));
  else {
    if (controller.length > 250) errs.push(invalid('spec.controller', controller, 'must be no more than 250 characters'));
    const domain = controller.split('/')[0] ?? '';
    if (!controller.includes('/')) errs.push(invalid('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    else for (const msg of isQualifiedName(`${domain}/x`)) errs.push(invalid('spec.controller', controller, msg));
  }
}

export function validateIngressClassUpdate(errs: Causes, obj: KObject, old: KObject): void {
  const now = asObject(obj['spec'])?.['controller'];
  const was = asObject(old['spec'])?.['controller'];
  if (was !== undefined && now !== was) errs.push(invalid('spec.controller', now, MSG_IMMUTABLE));
}
