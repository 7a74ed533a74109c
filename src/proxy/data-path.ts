/**
 * What a listener needs from the proxier at request time: the current route of a Service port, its
 * endpoint picker and its metrics. The data path only reads; the sync swaps what these return.
 */
import type { RouteMetrics } from './metrics.js';
import type { EndpointPicker } from './picker.js';
import type { ServicePortRoute } from './types.js';

export interface DataPath {
  route(key: string): ServicePortRoute | undefined;
  picker(key: string): EndpointPicker;
  routeMetrics(route: ServicePortRoute): RouteMetrics;
  now(): number;
}

/** The body of the 503 a Service port without endpoints answers. */
export function noEndpointsMessage(route: Pick<ServicePortRoute, 'namespace' | 'service' | 'portLabel'>): string {
  return `no endpoints available for service "${route.namespace}/${route.service}" (port ${route.portLabel})\n`;
}
