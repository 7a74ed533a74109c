/** Defaults for the smaller core/v1 kinds: Namespace, Secret, Endpoints, Node and ReplicationController. */
import { isPlainObject } from '../machinery/object.js';
import { child, ensureChild, isEmpty, isNil, items, setIfNil, setIfZero, type JsonObject } from './fields.js';
import { defaultPodTemplate } from './pod-spec.js';

/** The label every named namespace carries, so namespace selectors can pick namespaces by name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** The finalizer the namespace controller removes once the namespace's content is gone. */
export const NAMESPACE_FINALIZER = 'kubernetes';

/**
 * Fills a Namespace. The `kubernetes` finalizer is only added to a namespace that is not being
 * deleted: during deletion the namespace controller removes it, and it must not come back.
 */
export function defaultNamespace(namespace: JsonObject): void {
  const metadata = ensureChild(namespace, 'metadata');
  const name = metadata?.['name'];
  // A namespace created with generateName has no name yet; the label follows once it has one.
  if (metadata && typeof name === 'string' && name !== '') {
    const labels = ensureChild(metadata, 'labels');
    if (labels) labels[NAMESPACE_NAME_LABEL] = name;
  }
  const spec = ensureChild(namespace, 'spec');
  if (spec && isNil(spec['finalizers']) && isNil(metadata?.['deletionTimestamp'])) {
    spec['finalizers'] = [NAMESPACE_FINALIZER];
  }
  const status = ensureChild(namespace, 'status');
  if (status) setIfZero(status, 'phase', 'Active');
}

/** Fills a Secret: without a type it is an arbitrary key/value store. */
export function defaultSecret(secret: JsonObject): void {
  setIfZero(secret, 'type', 'Opaque');
  // stringData is write-only: Kubernetes folds it into data (base64) on every write, overriding data's keys.
  const stringData = secret['stringData'];
  if (isPlainObject(stringData)) {
    const data = isPlainObject(secret['data']) ? secret['data'] : {};
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v ?? '')).toString('base64');
    if (Object.keys(data).length) secret['data'] = data;
  }
  delete secret['stringData'];
}

/** Fills an Endpoints object. */
export function defaultEndpoints(endpoints: JsonObject): void {
  for (const subset of items(endpoints, 'subsets')) {
    for (const port of items(subset, 'ports')) setIfZero(port, 'protocol', 'TCP');
  }
}

/** Fills a Node: a node that reports capacity but no allocatable can offer all of its capacity. */
export function defaultNode(node: JsonObject): void {
  const status = child(node, 'status');
  const capacity = status ? child(status, 'capacity') : undefined;
  if (status && capacity && isNil(status['allocatable'])) status['allocatable'] = { ...capacity };
}

/** Fills a ReplicationController, which falls back to its template's labels for selector and labels. */
export function defaultReplicationController(controller: JsonObject): void {
  const spec = ensureChild(controller, 'spec');
  if (!spec) return;
  const template = child(spec, 'template');
  const labels = child(template ?? {}, 'metadata')?.['labels'];
  if (isPlainObject(labels)) {
    if (isEmpty(spec['selector'])) spec['selector'] = { ...labels };
    const metadata = ensureChild(controller, 'metadata');
    if (metadata && isEmpty(metadata['labels'])) metadata['labels'] = { ...labels };
  }
  setIfNil(spec, 'replicas', 1);
  defaultPodTemplate(template);
}
