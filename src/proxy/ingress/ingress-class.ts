/** Which Ingresses the skiff ingress controller serves: its IngressClass, the default class and the legacy annotation. */
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';

export const INGRESS_CLASS_NAME = 'skiff';
export const INGRESS_CONTROLLER_NAME = 'skiff.io/ingress-controller';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** The IngressClass created at start when absent: skiff's own, marked as the cluster default. */
export function desiredIngressClass(): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
    metadata: { name: INGRESS_CLASS_NAME, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
    spec: { controller: INGRESS_CONTROLLER_NAME },
  };
}

function isDefault(c: IngressClass): boolean {
  return c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';
}

/**
 * Whether skiff serves an Ingress. A named class must be one whose controller is skiff's; an
 * Ingress without a class falls to the default class, which is skiff's unless another
 * controller's class alone is marked default (then that controller owns it).
 */
export function servesIngress(ing: Ingress, classes: readonly IngressClass[]): boolean {
  const legacy = ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
  const named = ing.spec?.ingressClassName;
  if (named) {
    if (named === INGRESS_CLASS_NAME) return true;
    return classes.some((c) => c.metadata?.name === named && c.spec?.controller === INGRESS_CONTROLLER_NAME);
  }
  if (legacy !== undefined) return legacy === INGRESS_CLASS_NAME;
  const defaults = classes.filter(isDefault);
  if (defaults.length === 0) return true;
  return defaults.some((c) => c.spec?.controller === INGRESS_CONTROLLER_NAME);
}
