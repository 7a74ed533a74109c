/** Containers and init containers of a pod spec: names, image, ports, env, mounts, resources, probes, policies. */
import { child, type Causes, duplicate, forbidden, index, invalid, notFound, required, validateEnum } from './causes.js';
import { isDNS1123Label } from './formats.js';
import { validateEnv } from './env.js';
import { validateContainerPorts } from './ports.js';
import { type ProbeKind, validateLifecycle, validateProbe } from './probes.js';
import { objectsOf, readArray, readObject, readString, type JsonObject } from './read.js';
import { validateResourceRequirements } from './resources.js';
import { validateContainerSecurityContext } from './security-context.js';

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
const TERMINATION_MESSAGE_POLICIES = ['FallbackToLogsOnError', 'File'] as const;
const PROBES: readonly ProbeKind[] = ['livenessProbe', 'readinessProbe', 'startupProbe'];

function validateVolumeMounts(errs: Causes, ctr: JsonObject, path: string, volumes: ReadonlySet<string>): void {
  const mountsPath = child(path, 'volumeMounts');
  const mountPaths = new Set<string>();
  for (const { item, i } of objectsOf(errs, readArray(errs, ctr, path, 'volumeMounts'), mountsPath)) {
    const p = index(mountsPath, i);
    const name = readString(errs, item, p, 'name');
    if (!name) errs.push(required(child(p, 'name')));
    else if (!volumes.has(name)) errs.push(notFound(child(p, 'name'), name));
    const mountPath = readString(errs, item, p, 'mountPath');
    if (!mountPath) errs.push(required(child(p, 'mountPath')));
    else {
      if (mountPaths.has(mountPath)) errs.push(invalid(child(p, 'mountPath'), mountPath, 'must be unique'));
      mountPaths.add(mountPath);
    }
    const subPath = readString(errs, item, p, 'subPath');
    if (subPath) {
      if (subPath.startsWith('/')) errs.push(invalid(child(p, 'subPath'), subPath, 'must be a relative path'));
      if (subPath.split('/').includes('..')) errs.push(invalid(child(p, 'subPath'), subPath, "must not contain '..'"));
    }
  }
}

function validateContainer(errs: Causes, ctr: JsonObject, path: string, volumes: ReadonlySet<string>, isInit: boolean): void {
  const image = readString(errs, ctr, path, 'image');
  if (!image) errs.push(required(child(path, 'image')));
  validateContainerPorts(errs, ctr, path);
  validateEnv(errs, ctr, path);
  validateVolumeMounts(errs, ctr, path, volumes);
  validateResourceRequirements(errs, ctr['resources'], child(path, 'resources'));
  const restartPolicy = readString(errs, ctr, path, 'restartPolicy');
  // Only init containers may set a restart policy, and only Always (sidecars).
  if (restartPolicy !== undefined) {
    if (!isInit) errs.push(forbidden(child(path, 'restartPolicy'), 'may not be set for non-init containers'));
    else validateEnum(errs, restartPolicy, child(path, 'restartPolicy'), ['Always']);
  }
  // Plain init containers run to completion, so probes and hooks only make sense on sidecars.
  const runsToCompletion = isInit && restartPolicy !== 'Always';
  const lifecycle = readObject(errs, ctr, path, 'lifecycle');
  if (lifecycle && runsToCompletion) errs.push(forbidden(child(path, 'lifecycle'), 'may not be set for init containers without restartPolicy=Always'));
  else if (lifecycle) validateLifecycle(errs, lifecycle, child(path, 'lifecycle'));
  for (const kind of PROBES) {
    const probe = readObject(errs, ctr, path, kind);
    if (!probe) continue;
    if (runsToCompletion) errs.push(forbidden(child(path, kind), 'may not be set for init containers without restartPolicy=Always'));
    else validateProbe(errs, probe, child(path, kind), kind);
  }
  validateEnum(errs, readString(errs, ctr, path, 'imagePullPolicy'), child(path, 'imagePullPolicy'), PULL_POLICIES);
  validateEnum(errs, readString(errs, ctr, path, 'terminationMessagePolicy'), child(path, 'terminationMessagePolicy'), TERMINATION_MESSAGE_POLICIES, false);
  const sc = readObject(errs, ctr, path, 'securityContext');
  if (sc) validateContainerSecurityContext(errs, sc, child(path, 'securityContext'));
}

/** Names are unique across containers and init containers, since both share the pod's container namespace. */
export function validateContainers(errs: Causes, spec: JsonObject, specPath: string, volumes: ReadonlySet<string>): void {
  const names = new Set<string>();
  for (const field of ['containers', 'initContainers'] as const) {
    const path = child(specPath, field);
    const list = readArray(errs, spec, specPath, field);
    if (field === 'containers' && list.length === 0) errs.push(required(path));
    for (const { item, i } of objectsOf(errs, list, path)) {
      const p = index(path, i);
      const name = readString(errs, item, p, 'name');
      if (!name) errs.push(required(child(p, 'name')));
      else {
        for (const msg of isDNS1123Label(name)) errs.push(invalid(child(p, 'name'), name, msg));
        if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
        names.add(name);
      }
      validateContainer(errs, item, p, volumes, field === 'initContainers');
    }
  }
}
