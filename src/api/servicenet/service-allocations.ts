/**
 * The API server's allocation state for Services. What is allocated is what stored Services hold
 * (so it survives restarts with the store and is released with the Service), plus values handed out
 * to writes still in flight, so two concurrent creates never get the same address or port.
 */
import type { KObject } from '../machinery/object.js';
import { newInvalid } from '../machinery/errors.js';
import type { ResourceDefinition } from '../registry/resources.js';
import type { ObjectStore } from '../registry/store.js';
import type { PortRange } from './allocators.js';
import { parseCidr, type Cidr } from './cidr.js';
import { AllocationFailed, allocateService, heldBy, prepareServiceUpdate } from './service-allocation.js';

export interface ServiceNetworkConfig {
  /** The range cluster IPs come from, e.g. "172.18.128.0/17". */
  serviceCIDR: string;
  nodePortRange?: PortRange;
}

export const DEFAULT_NODE_PORT_RANGE: PortRange = { min: 30000, max: 32767 };

export class ServiceAllocations {
  readonly range: Cidr;
  readonly nodePorts: PortRange;
  private readonly pendingIPs = new Set<string>();
  private readonly pendingPorts = new Set<number>();

  constructor(private readonly store: ObjectStore, private readonly services: ResourceDefinition, cfg: ServiceNetworkConfig) {
    this.range = parseCidr(cfg.serviceCIDR);
    this.nodePorts = cfg.nodePortRange ?? DEFAULT_NODE_PORT_RANGE;
  }

  prepareUpdate(obj: KObject, old: KObject): KObject {
    return prepareServiceUpdate(obj, old);
  }

  /**
   * Allocates for a Service about to be written; call the returned release once the write has
   * landed (or failed): from then on the store holds the values, or they are free again.
   */
  allocate(obj: KObject, old: KObject | undefined, dryRun: boolean): { object: KObject; release: () => void } {
    const ips = new Set(this.pendingIPs);
    const ports = new Set(this.pendingPorts);
    const self = `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
    for (const svc of this.store.list(this.services, undefined).items) {
      if (old && `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}` === self) continue;
      const held = heldBy(svc);
      held.ips.forEach((ip) => ips.add(ip));
      held.nodePorts.forEach((p) => ports.add(p));
    }
    let done;
    try {
      done = allocateService(obj, old, this.range, this.nodePorts, { ips, nodePorts: ports });
    } catch (err) {
      if (err instanceof AllocationFailed) throw newInvalid(this.services, obj.metadata.name ?? '', err.causes);
      throw err;
    }
    if (dryRun) return { object: done.object, release: () => undefined };
    done.ips.forEach((ip) => this.pendingIPs.add(ip));
    done.nodePorts.forEach((p) => this.pendingPorts.add(p));
    return {
      object: done.object,
      release: () => {
        done.ips.forEach((ip) => this.pendingIPs.delete(ip));
        done.nodePorts.forEach((p) => this.pendingPorts.delete(p));
      },
    };
  }
}
