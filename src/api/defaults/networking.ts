/** Defaults for networking.k8s.io/v1: NetworkPolicy and IngressClass (Ingress itself has none in v1). */
import { child, ensureChild, isEmpty, items, setIfNil, type JsonObject } from './fields.js';

/** Fills a NetworkPolicy: a policy always governs ingress, and egress as soon as it lists egress rules. */
export function defaultNetworkPolicy(policy: JsonObject): void {
  const spec = ensureChild(policy, 'spec');
  if (!spec) return;
  if (isEmpty(spec['policyTypes'])) {
    spec['policyTypes'] = isEmpty(spec['egress']) ? ['Ingress'] : ['Ingress', 'Egress'];
  }
  for (const direction of ['ingress', 'egress']) {
    for (const rule of items(spec, direction)) {
      for (const port of items(rule, 'ports')) setIfNil(port, 'protocol', 'TCP');
    }
  }
}

/** Fills an IngressClass: controller parameters are cluster-scoped unless a namespace scope is asked for. */
export function defaultIngressClass(ingressClass: JsonObject): void {
  const parameters = child(child(ingressClass, 'spec') ?? {}, 'parameters');
  if (parameters) setIfNil(parameters, 'scope', 'Cluster');
}
