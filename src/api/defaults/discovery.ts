/** Defaults for discovery.k8s.io/v1 EndpointSlice ports. */
import { items, setIfNil, type JsonObject } from './fields.js';

/** Fills an EndpointSlice: an unnamed port is the service's single unnamed port, over TCP. */
export function defaultEndpointSlice(slice: JsonObject): void {
  for (const port of items(slice, 'ports')) {
    setIfNil(port, 'name', '');
    setIfNil(port, 'protocol', 'TCP');
  }
}
