/** The labels Kubernetes puts on EndpointSlices (discovery.k8s.io well-known labels), read by controllers and the proxy alike. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
