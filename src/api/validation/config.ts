/** ConfigMaps and Secrets: data keys, total size, type-specific keys and immutability. */
import type { KObject } from '../machinery/object.js';
import { deepEqual } from '../machinery/object.js';
import { type Causes, forbidden, invalid, key, MSG_IMMUTABLE, required, tooLong } from './causes.js';
import { isConfigMapKey } from './formats.js';
import { asObject, readBool, readObject, readString, type JsonObject } from './read.js';

/** Both kinds are capped at 1 MiB so that they fit in an etcd value with room to spare. */
export const MAX_CONFIG_SIZE = 1024 * 1024;

function validateKeys(errs: Causes, data: JsonObject | undefined, field: string, seen: Set<string>, otherField?: string): void {
  for (const k of Object.keys(data ?? {})) {
    for (const msg of isConfigMapKey(k)) errs.push(invalid(key(field, k), k, msg));
    if (seen.has(k) && otherField) errs.push(invalid(key(field, k), k, `duplicate of key present in ${otherField}`));
    seen.add(k);
  }
}

/** Secret data arrives base64-encoded; its size limit applies to the decoded bytes. */
function decodedSize(v: unknown): number {
  return typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
}

function textSize(v: unknown): number {
  return typeof v === 'string' ? Buffer.byteLength(v) : 0;
}

export function validateConfigMap(errs: Causes, obj: KObject): void {
  const data = readObject(errs, obj, '', 'data');
  const binary = readObject(errs, obj, '', 'binaryData');
  const seen = new Set<string>();
  validateKeys(errs, data, 'data', seen);
  validateKeys(errs, binary, 'binaryData', seen, 'data');
  let total = 0;
  for (const [k, v] of Object.entries(data ?? {})) total += k.length + textSize(v);
  for (const [k, v] of Object.entries(binary ?? {})) total += k.length + decodedSize(v);
  if (total > MAX_CONFIG_SIZE) errs.push(tooLong('', MAX_CONFIG_SIZE));
}

const TLS_CERT = 'tls.crt';
const TLS_KEY = 'tls.key';
const DOCKER_CONFIG_JSON = '.dockerconfigjson';
const DOCKER_CONFIG = '.dockercfg';

function validateSecretType(errs: Causes, type: string, data: JsonObject, obj: KObject): void {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(data, k);
  switch (type) {
    case 'kubernetes.io/tls':
      if (!has(TLS_CERT)) errs.push(required(key('data', TLS_CERT)));
      if (!has(TLS_KEY)) errs.push(required(key('data', TLS_KEY)));
      break;
    case 'kubernetes.io/dockerconfigjson':
    case 'kubernetes.io/dockercfg': {
      const k = type === 'kubernetes.io/dockercfg' ? DOCKER_CONFIG : DOCKER_CONFIG_JSON;
      if (!has(k)) errs.push(required(key('data', k)));
      else {
        try {
          JSON.parse(Buffer.from(String(data[k]), 'base64').toString('utf8'));
        } catch (e) {
          errs.push(invalid(key('data', k), '<secret contents redacted>', e instanceof Error ? e.message : String(e)));
        }
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(required(key('data', 'username')));
        errs.push(required(key('data', 'password')));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!has('ssh-privatekey')) errs.push(required(key('data', 'ssh-privatekey')));
      break;
    case 'kubernetes.io/service-account-token':
      if (!asObject(asObject(obj.metadata)?.['annotations'])?.['kubernetes.io/service-account.name']) {
        errs.push(required(key('metadata.annotations', 'kubernetes.io/service-account.name')));
      }
      break;
    default:
      break;
  }
}

export function validateSecret(errs: Causes, obj: KObject): void {
  const data = readObject(errs, obj, '', 'data') ?? {};
  const stringData = readObject(errs, obj, '', 'stringData') ?? {};
  validateKeys(errs, data, 'data', new Set());
  validateKeys(errs, stringData, 'stringData', new Set());
  let total = 0;
  for (const [k, v] of Object.entries(data)) total += k.length + decodedSize(v);
  for (const [k, v] of Object.entries(stringData)) total += k.length + textSize(v);
  if (total > MAX_CONFIG_SIZE) errs.push(tooLong('data', MAX_CONFIG_SIZE));
  // stringData is merged into data on write; type checks look at the union.
  const merged: JsonObject = { ...data };
  for (const [k, v] of Object.entries(stringData)) merged[k] = typeof v === 'string' ? Buffer.from(v).toString('base64') : v;
  validateSecretType(errs, readString(errs, obj, '', 'type') ?? 'Opaque', merged, obj);
}

/** `immutable: true` freezes the payload and cannot itself be undone. */
export function validateConfigUpdate(errs: Causes, kind: 'ConfigMap' | 'Secret', obj: KObject, old: KObject): void {
  if (kind === 'Secret' && (old['type'] ?? 'Opaque') !== (obj['type'] ?? 'Opaque')) {
    errs.push(invalid('type', obj['type'] ?? 'Opaque', MSG_IMMUTABLE));
  }
  if (readBool([], old, '', 'immutable') !== true) return;
  if (obj['immutable'] !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  const fields = kind === 'ConfigMap' ? ['data', 'binaryData'] : ['data'];
  for (const f of fields) {
    if (!deepEqual(obj[f] ?? {}, old[f] ?? {})) errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
  }
}
