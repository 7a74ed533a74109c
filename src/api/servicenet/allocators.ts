/**
 * Pure allocation of cluster IPs from the service range and of node ports from the node-port range:
 * given what is in use, hand out a free value or honour a requested one, as Kubernetes' ipallocator
 * and portallocator do. Random picks spread reuse of released values over the whole range.
 */
import { addressAt, contains, formatCidr, offsetOf, sizeOf, type Cidr } from './cidr.js';

/** The reason a requested value could not be given out; the message is Kubernetes' own. */
export class AllocationError extends Error {}

/** Offsets with a fixed owner: 1 is the `kubernetes` Service, 10 is cluster DNS (kube-dns). */
export const KUBERNETES_SERVICE_OFFSET = 1;
export const DNS_SERVICE_OFFSET = 10;

export function kubernetesServiceIP(range: Cidr): string {
  return addressAt(range, KUBERNETES_SERVICE_OFFSET);
}

export function dnsServiceIP(range: Cidr): string {
  return addressAt(range, DNS_SERVICE_OFFSET);
}

/**
 * The lower band users pick fixed IPs from; dynamic allocation prefers the rest so that requested
 * addresses rarely collide with allocated ones (KEP-3070, the same size formula).
 */
export function staticBandSize(range: Cidr): number {
  return Math.min(Math.max(16, Math.floor(sizeOf(range) / 16)), 256);
}

/** Picks a free value in [lo, hi] starting at a random point, or undefined when all are taken. */
function pickFree(lo: number, hi: number, taken: (n: number) => boolean, random: () => number): number | undefined {
  const span = hi - lo + 1;
  if (span <= 0) return undefined;
  const start = Math.floor(random() * span);
  for (let i = 0; i < span; i++) {
    const n = lo + ((start + i) % span);
    if (!taken(n)) return n;
  }
  return undefined;
}

/** A cluster IP: the requested one if free and inside the range, else any free one. */
export function allocateClusterIP(range: Cidr, used: ReadonlySet<string>, requested?: string, random: () => number = Math.random): string {
  const last = sizeOf(range) - 2; // the network and broadcast addresses are never handed out
  if (requested) {
    const off = offsetOf(range, requested);
    if (!contains(range, requested) || off < 1 || off > last) {
      throw new AllocationError(`failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${formatCidr(range)}`);
    }
    if (used.has(requested)) throw new AllocationError(`failed to allocate IP ${requested}: provided IP is already allocated`);
    return requested;
  }
  const taken = (off: number): boolean => used.has(addressAt(range, off));
  const band = Math.min(staticBandSize(range), last);
  const off = pickFree(band + 1, last, taken, random) ?? pickFree(1, band, (o) => taken(o) || o === KUBERNETES_SERVICE_OFFSET || o === DNS_SERVICE_OFFSET, random);
  if (off === undefined) throw new AllocationError(`failed to allocate a serviceIP: range is full`);
  return addressAt(range, off);
}

export interface PortRange {
  min: number;
  max: number;
}

/** A node port: the requested one if free and inside the range, else any free one. */
export function allocateNodePort(range: PortRange, used: ReadonlySet<number>, requested?: number, random: () => number = Math.random): number {
  if (requested) {
    if (requested < range.min || requested > range.max) {
      throw new AllocationError(`provided port is not in the valid range. The range of valid ports is ${range.min}-${range.max}`);
    }
    if (used.has(requested)) throw new AllocationError('provided port is already allocated');
    return requested;
  }
  const port = pickFree(range.min, range.max, (p) => used.has(p), random);
  if (port === undefined) throw new AllocationError('range is full');
  return port;
}
