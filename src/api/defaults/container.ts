/** Defaults for one container of a pod spec: pull policy, termination message, ports, probes, env. */
import { child, ensureChild, items, setIfNil, setIfZero, type JsonObject } from './fields.js';

export const TERMINATION_MESSAGE_PATH = '/dev/termination-log';

/**
 * The tag Kubernetes reads from an image reference: the text after the last ':' of the final path
 * segment. An image with neither tag nor digest means `latest`; a digest alone means no tag.
 */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  // A ':' before the last '/' belongs to a registry host:port, not to a tag.
  if (colon > name.lastIndexOf('/')) return name.slice(colon + 1);
  if (at >= 0 || name === '') return '';
  return 'latest';
}

/** `latest` images can change under the same name, so only they are pulled on every start. */
export function defaultPullPolicy(image: unknown): 'Always' | 'IfNotPresent' {
  return typeof image === 'string' && imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Fills an HTTP GET action of a probe or lifecycle hook. */
export function defaultHttpGet(action: JsonObject): void {
  setIfZero(action, 'path', '/');
  setIfZero(action, 'scheme', 'HTTP');
}

/** Fills a liveness, readiness or startup probe. */
export function defaultProbe(probe: JsonObject): void {
  setIfZero(probe, 'timeoutSeconds', 1);
  setIfZero(probe, 'periodSeconds', 10);
  setIfZero(probe, 'successThreshold', 1);
  setIfZero(probe, 'failureThreshold', 3);
  const httpGet = child(probe, 'httpGet');
  if (httpGet) defaultHttpGet(httpGet);
  // The gRPC service name is a pointer with a declared default of "", so it shows up once defaulted.
  const grpc = child(probe, 'grpc');
  if (grpc) setIfNil(grpc, 'service', '');
}

/** Fills the `fieldRef` of a downward API reference; v1 is the only version pods expose. */
export function defaultFieldRef(holder: JsonObject): void {
  const fieldRef = child(holder, 'fieldRef');
  if (fieldRef) setIfZero(fieldRef, 'apiVersion', 'v1');
}

/** Fills a regular, init or ephemeral container. */
export function defaultContainer(container: JsonObject): void {
  setIfZero(container, 'imagePullPolicy', defaultPullPolicy(container['image']));
  setIfZero(container, 'terminationMessagePath', TERMINATION_MESSAGE_PATH);
  setIfZero(container, 'terminationMessagePolicy', 'File');
  // resources is a plain struct in Go, so it is always serialized, as an empty object at least.
  ensureChild(container, 'resources');
  for (const port of items(container, 'ports')) setIfZero(port, 'protocol', 'TCP');
  for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = child(container, key);
    if (probe) defaultProbe(probe);
  }
  const lifecycle = child(container, 'lifecycle');
  if (lifecycle) {
    for (const key of ['postStart', 'preStop']) {
      const httpGet = child(child(lifecycle, key) ?? {}, 'httpGet');
      if (httpGet) defaultHttpGet(httpGet);
    }
  }
  for (const env of items(container, 'env')) {
    const valueFrom = child(env, 'valueFrom');
    if (valueFrom) defaultFieldRef(valueFrom);
  }
}
