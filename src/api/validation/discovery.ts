/** discovery.k8s.io/v1 EndpointSlice: address type, endpoint addresses and ports. */
import type { KObject } from '../machinery/object.js';
import { child, type Causes, index, invalid, MSG_IMMUTABLE, required, validateEnum } from './causes.js';
import { ipFamilyOf, isDNS1123Label, isDNS1123Subdomain, isValidPortNum } from './formats.js';
import { PROTOCOLS } from './ports.js';
import { objectsOf, readArray, readInt, readString, stringsOf } from './read.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'] as const;
const MAX_ADDRESSES = 100;

export function validateEndpointSlice(errs: Causes, obj: KObject): void {
  const addressType = readString(errs, obj, '', 'addressType');
  validateEnum(errs, addressType, 'addressType', ADDRESS_TYPES);
  for (const { item, i } of objectsOf(errs, readArray(errs, obj, '', 'endpoints'), 'endpoints')) {
    const p = index('endpoints', i);
    const addresses = stringsOf(errs, readArray(errs, item, p, 'addresses'), child(p, 'addresses'));
    if (addresses.length === 0) errs.push(required(child(p, 'addresses'), 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(invalid(child(p, 'addresses'), addresses.length, `must contain at most ${MAX_ADDRESSES} addresses`));
    addresses.forEach((a, j) => {
      const ap = index(child(p, 'addresses'), j);
      if (addressType === 'FQDN') for (const msg of isDNS1123Subdomain(a)) errs.push(invalid(ap, a, msg));
      else if ((addressType === 'IPv4' || addressType === 'IPv6') && ipFamilyOf(a) !== addressType) errs.push(invalid(ap, a, `must be a valid ${addressType} address`));
    });
    const hostname = readString(errs, item, p, 'hostname');
    if (hostname) for (const msg of isDNS1123Label(hostname)) errs.push(invalid(child(p, 'hostname'), hostname, msg));
  }
  for (const { item, i } of objectsOf(errs, readArray(errs, obj, '', 'ports'), 'ports')) {
    const p = index('ports', i);
    const name = readString(errs, item, p, 'name');
    if (name) for (const msg of isDNS1123Label(name)) errs.push(invalid(child(p, 'name'), name, msg));
    const port = readInt(errs, item, p, 'port');
    if (port !== undefined) for (const msg of isValidPortNum(port)) errs.push(invalid(child(p, 'port'), port, msg));
    validateEnum(errs, readString(errs, item, p, 'protocol'), child(p, 'protocol'), PROTOCOLS, false);
  }
}

export function validateEndpointSliceUpdate(errs: Causes, obj: KObject, old: KObject): void {
  if (old['addressType'] !== obj['addressType']) errs.push(invalid('addressType', obj['addressType'], MSG_IMMUTABLE));
}
