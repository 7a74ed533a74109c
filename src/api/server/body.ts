/** Reading and decoding request bodies: size limit, JSON, YAML and protobuf, each failure a Status. */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { newBadRequest, newRequestEntityTooLarge, newUnsupportedMediaType } from '../machinery/errors.js';
import { isPlainObject } from '../machinery/object.js';
import { decodeProtobufObject, isProtobufBody } from '../protobuf/index.js';
import { bodyEncoding, type BodyEncoding } from './negotiation.js';

/** Kubernetes' limit on a request body (3 MiB, the etcd value limit plus headroom). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume();
    throw newRequestEntityTooLarge(`the request body is too large: ${declared} bytes, limit is ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw newRequestEntityTooLarge(`the request body is too large: limit is ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface DecodedBody {
  encoding: BodyEncoding;
  value: unknown;
  /** The text as received, for checks that need it (duplicate fields). */
  text?: string;
}

/** Decodes a body by its Content-Type. Empty bodies decode to undefined. */
export function decodeBody(raw: Buffer, contentType: string | undefined): DecodedBody {
  const encoding = bodyEncoding(contentType);
  if (!encoding) throw newUnsupportedMediaType(contentType ?? '');
  if (raw.length === 0) return { encoding, value: undefined };
  if (encoding === 'protobuf' || isProtobufBody(raw)) {
    return { encoding: 'protobuf', value: decodeProtobufObject(raw) };
  }
  const text = raw.toString('utf8');
  if (encoding === 'yaml' || encoding === 'apply') {
    try {
      return { encoding, value: parseYaml(text, { uniqueKeys: false }), text };
    } catch (err) {
      throw newBadRequest(`error decoding YAML: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  try {
    return { encoding, value: JSON.parse(text), text };
  } catch (err) {
    const what = encoding === 'json' ? "couldn't get version/kind; json parse error" : 'error decoding patch';
    throw newBadRequest(`${what}: ${(err as Error).message}`);
  }
}

/** An object body must be a JSON object. */
export function requireObject(v: unknown): Record<string, unknown> {
  if (!isPlainObject(v)) {
    throw newBadRequest(`couldn't get version/kind; json parse error: expected an object, got ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}`);
  }
  return v;
}

/**
 * Duplicate keys in a JSON or YAML object body: JSON.parse keeps the last silently, but
 * fieldValidation Strict must reject them and Warn must report them.
 */
export function duplicateFields(text: string | undefined): string[] {
  if (!text || !/"[^"]*"\s*:[\s\S]*"[^"]*"\s*:/.test(text)) return [];
  const dups: string[] = [];
  const stack: { keys: Set<string>; path: string; isArray: boolean; index: number }[] = [];
  let i = 0;
  let pendingKey: string | undefined;
  const pathOf = (top: { path: string }, key: string): string => (top.path ? `${top.path}.${key}` : key);
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') {
          s += text[j] + text[j + 1];
          j += 2;
        } else s += text[j++];
      }
      const str = s;
      i = j + 1;
      while (i < text.length && /\s/.test(text[i])) i++;
      const top = stack[stack.length - 1];
      if (text[i] === ':' && top && !top.isArray) {
        if (top.keys.has(str)) dups.push(pathOf(top, str));
        top.keys.add(str);
        pendingKey = str;
        i++;
      }
      continue;
    }
    if (c === '{' || c === '[') {
      const top = stack[stack.length - 1];
      const path = top ? (top.isArray ? `${top.path}[${top.index}]` : pendingKey !== undefined ? pathOf(top, pendingKey) : top.path) : '';
      stack.push({ keys: new Set(), path, isArray: c === '[', index: 0 });
      pendingKey = undefined;
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.isArray) top.index++;
    }
    i++;
  }
  return dups;
}
