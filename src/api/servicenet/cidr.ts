/** IPv4 CIDR arithmetic for the service range: parsing, membership, offsets and halves of a subnet. */

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function ipToNumber(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(s: string): Cidr {
  const [ip, p] = s.split('/');
  const n = ipToNumber(ip ?? '');
  const prefix = Number(p);
  if (n === undefined || !/^\d+$/.test(p ?? '') || prefix > 32) throw new Error(`"${s}" is not an IPv4 CIDR`);
  return { base: (n & maskOf(prefix)) >>> 0, prefix };
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function formatCidr(c: Cidr): string {
  return `${numberToIp(c.base)}/${c.prefix}`;
}

export function sizeOf(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function contains(c: Cidr, ip: string): boolean {
  const n = ipToNumber(ip);
  return n !== undefined && n >= c.base && n < c.base + sizeOf(c);
}

/** The address `offset` places into the range (0 is the network address). */
export function addressAt(c: Cidr, offset: number): string {
  return numberToIp(c.base + offset);
}

export function offsetOf(c: Cidr, ip: string): number {
  return (ipToNumber(ip) ?? 0) - c.base;
}

/** The lower and upper halves of a subnet, each a CIDR one bit longer. */
export function halves(c: Cidr): [Cidr, Cidr] {
  if (c.prefix >= 31) throw new Error(`${formatCidr(c)} is too small to split`);
  const half = sizeOf(c) / 2;
  return [{ base: c.base, prefix: c.prefix + 1 }, { base: c.base + half, prefix: c.prefix + 1 }];
}
