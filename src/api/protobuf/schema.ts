// The compact field-table notation the protobuf decoder reads, and its parser into field descriptors.
//
// A message is a table from field number to '<jsonName> <type><mark>':
//   type  scalar (string, bytes, bool, int32, int64, double, float), a well-known type (Time, MicroTime, Duration,
//         IntOrString, Quantity, RawExtension, FieldsV1), map<string,T>, or a message name ('Container' in the same
//         package, 'meta.ObjectMeta' across packages).
//   name  '...name' marks a Go struct embedded with `json:",inline"`: its fields are spread into the parent object.
//   mark  '?' the Go field is a pointer, so any value that arrives was set on purpose and is kept, zero or not;
//         '!' the Go field has no omitempty, so a JSON client always sends it and its zero value is kept;
//         '[]' repeated; none: a Go value field, whose zero value is noise from the encoder and is dropped.

export type MessageTable = Record<string, Record<number, string>>;

export const scalarTypes = ['string', 'bytes', 'bool', 'int32', 'int64', 'double', 'float'] as const;
export type ScalarType = (typeof scalarTypes)[number];

export const wellKnownTypes = ['Time', 'MicroTime', 'Duration', 'IntOrString', 'Quantity', 'RawExtension', 'FieldsV1'] as const;
export type WellKnownType = (typeof wellKnownTypes)[number];

/** What a single value of a field is: a scalar, a well-known type, or a message by fully qualified name. */
export type ValueType =
  | { kind: 'scalar'; scalar: ScalarType }
  | { kind: 'wellKnown'; name: WellKnownType }
  | { kind: 'message'; name: string };

export type Presence = 'pointer' | 'always' | 'omitEmpty';

export interface FieldDescriptor {
  number: number;
  jsonName: string;
  value: ValueType;
  repeated: boolean;
  /** Set for map<string,T> fields; then `value` is the map's value type. */
  map: boolean;
  presence: Presence;
  /** An embedded Go struct (`json:",inline"`) whose fields belong to the parent JSON object. */
  inline: boolean;
}

export type MessageDescriptor = Map<number, FieldDescriptor>;

function isScalar(t: string): t is ScalarType {
  return (scalarTypes as readonly string[]).includes(t);
}

function isWellKnown(t: string): t is WellKnownType {
  return (wellKnownTypes as readonly string[]).includes(t);
}

function parseValueType(t: string, pkg: string): ValueType {
  if (isScalar(t)) return { kind: 'scalar', scalar: t };
  if (isWellKnown(t)) return { kind: 'wellKnown', name: t };
  return { kind: 'message', name: t.includes('.') ? t : `${pkg}.${t}` };
}

/** Parses one table entry; `pkg` qualifies message names written without a package. */
export function parseField(number: number, spec: string, pkg: string): FieldDescriptor {
  const m = /^((?:\.\.\.)?\w+) (map<string,(\w+(?:\.\w+)?)>|\w+(?:\.\w+)?)(\[\]|\?|!)?$/.exec(spec);
  if (!m) throw new Error(`bad protobuf field spec ${pkg} ${number}: '${spec}'`);
  const [, name = '', type = '', mapValue, mark] = m;
  const map = mapValue !== undefined;
  const inline = name.startsWith('...');
  return {
    number,
    jsonName: inline ? name.slice(3) : name,
    inline,
    value: parseValueType(map ? mapValue : type, pkg),
    repeated: mark === '[]',
    map,
    presence: mark === '?' ? 'pointer' : mark === '!' ? 'always' : 'omitEmpty',
  };
}

/** Compiles package tables into descriptors keyed by '<package>.<Message>', checking every reference resolves. */
export function compileTables(packages: Record<string, MessageTable>): Map<string, MessageDescriptor> {
  const out = new Map<string, MessageDescriptor>();
  for (const [pkg, table] of Object.entries(packages)) {
    for (const [message, fields] of Object.entries(table)) {
      const desc: MessageDescriptor = new Map();
      for (const [num, spec] of Object.entries(fields)) desc.set(Number(num), parseField(Number(num), spec, pkg));
      out.set(`${pkg}.${message}`, desc);
    }
  }
  for (const [name, desc] of out) {
    for (const f of desc.values()) {
      if (f.value.kind === 'message' && !out.has(f.value.name)) {
        throw new Error(`protobuf message ${name} field ${f.jsonName} refers to unknown message ${f.value.name}`);
      }
    }
  }
  return out;
}
