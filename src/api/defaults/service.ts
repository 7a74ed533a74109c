/** Defaults for core/v1 Service: type, session affinity, port protocol and target, traffic policies, IP families. */
import { child, ensureChild, isEmpty, isNil, items, setIfNil, setIfZero, type JsonObject } from './fields.js';

/** Seconds a ClientIP affinity sticks when the user turns it on without a timeout (three hours). */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

/** The only IP family this cluster serves; clusterIP allocation itself happens elsewhere. */
export const CLUSTER_IP_FAMILIES: readonly string[] = ['IPv4'];

/** Fills a Service. */
export function defaultService(service: JsonObject): void {
  const spec = ensureChild(service, 'spec');
  if (!spec) return;
  defaultSessionAffinity(spec);
  setIfZero(spec, 'type', 'ClusterIP');
  const type = spec['type'];
  for (const port of items(spec, 'ports')) {
    setIfZero(port, 'protocol', 'TCP');
    // Without a target the service forwards to the same port number on the pods.
    if (typeof port['port'] === 'number') setIfZero(port, 'targetPort', port['port']);
  }
  if (isExternallyAccessible(spec)) setIfZero(spec, 'externalTrafficPolicy', 'Cluster');
  if (type === 'ClusterIP' || type === 'NodePort' || type === 'LoadBalancer') {
    setIfNil(spec, 'internalTrafficPolicy', 'Cluster');
  }
  if (type === 'LoadBalancer') {
    setIfNil(spec, 'allocateLoadBalancerNodePorts', true);
    defaultLoadBalancerIpMode(service);
  }
  defaultIpFamilies(spec);
  // ServiceStatus and its load balancer are plain Go structs, always written out even when empty.
  const status = ensureChild(service, 'status');
  if (status) ensureChild(status, 'loadBalancer');
}

function defaultSessionAffinity(spec: JsonObject): void {
  setIfZero(spec, 'sessionAffinity', 'None');
  if (spec['sessionAffinity'] === 'None') {
    delete spec['sessionAffinityConfig'];
  } else if (spec['sessionAffinity'] === 'ClientIP') {
    const timeout = child(child(spec, 'sessionAffinityConfig') ?? {}, 'clientIP')?.['timeoutSeconds'];
    if (isNil(timeout)) {
      spec['sessionAffinityConfig'] = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
    }
  }
}

/** Reachable from outside the cluster: node ports, load balancers, or explicit external IPs. */
function isExternallyAccessible(spec: JsonObject): boolean {
  const type = spec['type'];
  if (type === 'NodePort' || type === 'LoadBalancer') return true;
  return type === 'ClusterIP' && !isEmpty(spec['externalIPs']);
}

/** An ingress point given as an IP is a virtual IP unless the load balancer says otherwise. */
function defaultLoadBalancerIpMode(service: JsonObject): void {
  const loadBalancer = child(child(service, 'status') ?? {}, 'loadBalancer');
  for (const ingress of loadBalancer ? items(loadBalancer, 'ingress') : []) {
    if (typeof ingress['ip'] === 'string' && ingress['ip'] !== '') setIfNil(ingress, 'ipMode', 'VIP');
  }
}

/**
 * The API server settles IP families for every service that gets a cluster IP or is headless.
 * A headless service without a selector may carry addresses of any family, so Kubernetes asks for
 * dual stack there; on this single-stack cluster that still yields IPv4 only.
 */
function defaultIpFamilies(spec: JsonObject): void {
  if (spec['type'] === 'ExternalName') return;
  const headlessWithoutSelector = spec['clusterIP'] === 'None' && isEmpty(spec['selector']);
  setIfNil(spec, 'ipFamilyPolicy', headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack');
  if (isEmpty(spec['ipFamilies'])) spec['ipFamilies'] = [...CLUSTER_IP_FAMILIES];
}
