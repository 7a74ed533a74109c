/**
 * What every active namespace holds from the start, as Kubernetes' service account and root CA
 * publisher controllers provide: a `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap.
 */
import type { KObject } from '../../api/machinery/object.js';
import type { ResourceRef } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export interface DesiredObject {
  ref: ResourceRef;
  object: KObject;
}

/** Pure: the objects a namespace should contain; none for a namespace being deleted. */
export function desiredObjects(ns: KObject, caPem: string): DesiredObject[] {
  if (ns.metadata.deletionTimestamp) return [];
  const namespace = ns.metadata.name ?? '';
  return [
    { ref: Refs.serviceaccounts, object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } } },
    {
      ref: Refs.configmaps,
      object: {
        apiVersion: 'v1', kind: 'ConfigMap',
        metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
        data: { 'ca.crt': caPem },
      },
    },
  ];
}

/** Pure: which desired objects are missing, given a lookup of what exists. */
export function missingObjects(desired: DesiredObject[], exists: (d: DesiredObject) => boolean): DesiredObject[] {
  return desired.filter((d) => !exists(d));
}
