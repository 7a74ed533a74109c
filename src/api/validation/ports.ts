/** Port numbers and names: container ports and int-or-name port references used by probes and Services. */
import { child, type Causes, duplicate, index, invalid, required, validateEnum } from './causes.js';
import { isValidPortName, isValidPortNum } from './formats.js';
import { objectsOf, readArray, readInt, readString, type JsonObject } from './read.js';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;

/** A target port or probe port: a number in range, or an IANA service name defined on a container. */
export function validatePortNumOrName(errs: Causes, port: unknown, path: string): void {
  if (typeof port === 'number') {
    for (const msg of isValidPortNum(port)) errs.push(invalid(path, port, msg));
  } else if (typeof port === 'string') {
    for (const msg of isValidPortName(port)) errs.push(invalid(path, port, msg));
  } else if (port === undefined || port === null) {
    errs.push(required(path));
  } else {
    errs.push(invalid(path, port, 'must be an int or string'));
  }
}

/** Port names must be unique within a container; Kubernetes does not compare across containers. */
export function validateContainerPorts(errs: Causes, ctr: JsonObject, path: string): void {
  const portsPath = child(path, 'ports');
  const names = new Set<string>();
  for (const { item, i } of objectsOf(errs, readArray(errs, ctr, path, 'ports'), portsPath)) {
    const p = index(portsPath, i);
    const name = readString(errs, item, p, 'name');
    if (name) {
      for (const msg of isValidPortName(name)) errs.push(invalid(child(p, 'name'), name, msg));
      if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      names.add(name);
    }
    const containerPort = readInt(errs, item, p, 'containerPort');
    if (!containerPort) errs.push(required(child(p, 'containerPort')));
    else for (const msg of isValidPortNum(containerPort)) errs.push(invalid(child(p, 'containerPort'), containerPort, msg));
    const hostPort = readInt(errs, item, p, 'hostPort');
    if (hostPort) for (const msg of isValidPortNum(hostPort)) errs.push(invalid(child(p, 'hostPort'), hostPort, msg));
    validateEnum(errs, readString(errs, item, p, 'protocol'), child(p, 'protocol'), PROTOCOLS);
  }
}
