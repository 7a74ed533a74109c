/** Liveness, readiness and startup probes, and lifecycle hooks: exactly one handler and sane thresholds. */
import { child, type Causes, forbidden, invalid, MSG_POSITIVE, notSupported, required, validateNonnegative } from './causes.js';
import { validatePortNumOrName } from './ports.js';
import { intOf, readArray, readInt, readObject, readString, type JsonObject } from './read.js';

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const;

function validateHandler(errs: Causes, h: JsonObject, path: string, kinds: readonly string[]): void {
  const present = kinds.filter((k) => h[k] !== undefined && h[k] !== null);
  if (present.length === 0) {
    errs.push(required(path, 'must specify a handler type'));
    return;
  }
  if (present.length > 1) {
    errs.push(forbidden(child(path, present[1]!), 'may not specify more than 1 handler type'));
    return;
  }
  const kind = present[0]!;
  const body = readObject(errs, h, path, kind);
  if (!body) return;
  const p = child(path, kind);
  switch (kind) {
    case 'exec':
      if (readArray(errs, body, p, 'command').length === 0) errs.push(required(child(p, 'command')));
      break;
    case 'httpGet': {
      validatePortNumOrName(errs, body['port'], child(p, 'port'));
      const scheme = readString(errs, body, p, 'scheme');
      if (scheme && scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(notSupported(child(p, 'scheme'), scheme, ['HTTP', 'HTTPS']));
      break;
    }
    case 'tcpSocket':
      validatePortNumOrName(errs, body['port'], child(p, 'port'));
      break;
    case 'grpc': {
      const port = readInt(errs, body, p, 'port');
      if (port === undefined) errs.push(required(child(p, 'port')));
      else if (port < 1 || port > 65535) errs.push(invalid(child(p, 'port'), port, 'must be between 1 and 65535, inclusive'));
      break;
    }
    case 'sleep': {
      const s = readInt(errs, body, p, 'seconds');
      validateNonnegative(errs, s, child(p, 'seconds'));
      break;
    }
  }
}

export type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';

export function validateProbe(errs: Causes, probe: JsonObject, path: string, kind: ProbeKind): void {
  validateHandler(errs, probe, path, PROBE_HANDLERS);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    validateNonnegative(errs, readInt(errs, probe, path, f), child(path, f));
  }
  const success = intOf(probe['successThreshold']);
  // Liveness and startup probes act on a single success; any other threshold would be meaningless.
  if (kind !== 'readinessProbe' && success !== undefined && success !== 1) {
    errs.push(invalid(child(path, 'successThreshold'), success, 'must be 1'));
  }
  const grace = readInt(errs, probe, path, 'terminationGracePeriodSeconds');
  if (grace !== undefined) {
    if (kind === 'readinessProbe') errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), grace, 'must not be set for readinessProbes'));
    else if (grace <= 0) errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), grace, MSG_POSITIVE));
  }
}

export function validateLifecycle(errs: Causes, lifecycle: JsonObject, path: string): void {
  for (const hook of ['postStart', 'preStop']) {
    const h = readObject(errs, lifecycle, path, hook);
    if (h) validateHandler(errs, h, child(path, hook), LIFECYCLE_HANDLERS);
  }
}
