// The Swagger 2.0 document in the gnostic protobuf encoding that kubectl asks /openapi/v2 for (explain in 1.27 needs it).
import type { JSONSchema } from './schema.js';

/**
 * kubectl asks with `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, but Go's mime parser
 * rejects the `@` in a response Content-Type, so the answer uses the dotted spelling, as the Kubernetes API server does.
 */
export const V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/**
 * Protobuf fields are written as (tag, value) records; messages are length-delimited records of records, so a message
 * is built bottom-up as a byte array and nested as a field of its parent. Field numbers are those of gnostic's
 * openapiv2/OpenAPIv2.proto.
 */
type Field = [number, string | boolean | Uint8Array | undefined];

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function message(fields: Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [num, value] of fields) {
    if (value === undefined || value === false || value === '') continue;
    if (value === true) {
      parts.push(Uint8Array.from([...varint(num << 3), 1]));
      continue;
    }
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    parts.push(Uint8Array.from(varint((num << 3) | 2)), Uint8Array.from(varint(bytes.length)), bytes);
  }
  return Buffer.concat(parts);
}

const repeated = (num: number, values: Array<string | Uint8Array>): Field[] => values.map((v) => [num, v]);

/** Vendor extensions travel as YAML text; JSON is YAML, and kube-openapi parses it with a YAML decoder. */
function vendorExtensions(num: number, source: Record<string, unknown>): Field[] {
  return Object.entries(source)
    .filter(([k, v]) => k.startsWith('x-') && v !== undefined)
    .map(([k, v]) => [num, message([[1, k], [2, message([[2, JSON.stringify(v)]])]])]);
}

function schema(s: JSONSchema): Uint8Array {
  const fields: Field[] = [
    [1, s.$ref], [2, s.format], [4, s.description],
    ...repeated(19, s.required ?? []),
  ];
  if (typeof s.additionalProperties === 'object') fields.push([21, message([[1, schema(s.additionalProperties)]])]);
  else if (s.additionalProperties === true) fields.push([21, message([[2, true]])]);
  if (s.type) fields.push([22, message([[1, s.type]])]);
  if (s.items) fields.push([23, message([[1, schema(s.items)]])]);
  for (const a of s.allOf ?? []) fields.push([24, schema(a)]);
  if (s.properties) {
    fields.push([25, message(Object.entries(s.properties).map(([k, v]) => [1, message([[1, k], [2, schema(v)]])]))]);
  }
  fields.push(...vendorExtensions(31, s as Record<string, unknown>));
  return message(fields);
}

interface V2Parameter { name: string; in: string; required?: boolean; description?: string; type?: string; uniqueItems?: boolean; schema?: JSONSchema }
interface V2Response { description: string; schema?: JSONSchema }
export interface V2Operation {
  tags: string[]; description: string; operationId: string; consumes: string[]; produces: string[]; schemes: string[];
  parameters: V2Parameter[]; responses: Record<string, V2Response>; [extension: `x-${string}`]: unknown;
}

function parameter(p: V2Parameter): Uint8Array {
  if (p.in === 'body') {
    const body = message([[1, p.description], [2, p.name], [3, p.in], [4, p.required ?? false], [5, p.schema && schema(p.schema)]]);
    return message([[1, message([[1, body]])]]);
  }
  // Path parameters use PathParameterSubSchema (4) and query ones QueryParameterSubSchema (3); their field numbers differ.
  const sub = p.in === 'path'
    ? message([[1, p.required ?? false], [2, p.in], [3, p.description], [4, p.name], [5, p.type], [19, p.uniqueItems ?? false]])
    : message([[1, p.required ?? false], [2, p.in], [3, p.description], [4, p.name], [6, p.type], [20, p.uniqueItems ?? false]]);
  return message([[1, message([[2, message([[p.in === 'path' ? 4 : 3, sub]])]])]]);
}

function operation(op: V2Operation): Uint8Array {
  const responses = Object.entries(op.responses).map(([code, r]): Field => {
    const response = message([[1, r.description], [2, r.schema && message([[1, schema(r.schema)]])]]);
    return [1, message([[1, code], [2, message([[1, response]])]])];
  });
  return message([
    ...repeated(1, op.tags), [3, op.description], [5, op.operationId],
    ...repeated(6, op.produces), ...repeated(7, op.consumes),
    ...op.parameters.map((p): Field => [8, parameter(p)]),
    [9, message(responses)],
    ...repeated(10, op.schemes),
    ...vendorExtensions(13, op as unknown as Record<string, unknown>),
  ]);
}

const METHOD_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };

export interface V2Document {
  swagger: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, V2Operation>>;
  definitions: Record<string, JSONSchema>;
}

/** Encodes a document produced by openAPIV2Document. */
export function encodeV2Document(doc: V2Document): Uint8Array {
  const paths = Object.entries(doc.paths).map(([path, item]): Field => {
    const ops = Object.entries(item).map(([method, op]): Field => [METHOD_FIELDS[method], operation(op)]);
    return [2, message([[1, path], [2, message(ops)]])];
  });
  const defs = Object.entries(doc.definitions).map(([name, s]): Field => [1, message([[1, name], [2, schema(s)]])]);
  return message([
    [1, doc.swagger],
    [2, message([[1, doc.info.title], [2, doc.info.version]])],
    [8, message(paths)],
    [9, message(defs)],
  ]);
}
