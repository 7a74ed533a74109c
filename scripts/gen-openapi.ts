// Generates src/api/openapi/generated/definitions.json: Kubernetes OpenAPI schemas read from the kubernetes-types .d.ts files.
//
// Run with `node --import tsx scripts/gen-openapi.ts`. kubernetes-types carries every field, its optionality and the
// upstream description as JSDoc, which is all `kubectl explain` and strict field validation need; the int/float
// distinction, enums and most list markers are lost there, so integers are assumed and known markers come from a table.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { Definitions, JSONSchema } from '../src/api/openapi/schema.js';
import { gvkExtension, V3_REF_PREFIX } from '../src/api/openapi/schema.js';

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Kubernetes package name of each kubernetes-types module, keyed by its path without `.d.ts`. */
function packageOf(modulePath: string): string {
  switch (modulePath) {
    case 'meta/v1': return 'io.k8s.apimachinery.pkg.apis.meta.v1';
    case 'api/resource': return 'io.k8s.apimachinery.pkg.api.resource';
    case 'runtime': return 'io.k8s.apimachinery.pkg.runtime';
    case 'version': return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1': return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default: return `io.k8s.api.${modulePath.replace('/', '.')}`;
  }
}

/** The few float64 fields of the built-in API; kubernetes-types says `number` for both ints and floats. */
const FLOAT_FIELDS = new Set(['JSONSchemaProps.maximum', 'JSONSchemaProps.minimum', 'JSONSchemaProps.multipleOf']);

/** Type aliases whose wire form is a string with its own meaning; they keep a definition so explain can name them. */
const NAMED_SCALARS: Record<string, JSONSchema> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': { type: 'string', format: 'date-time' },
};

const mapList = (keys: string[], mergeKey = keys[0]): JSONSchema => ({
  'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys,
  'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': mergeKey,
});
const atomicList: JSONSchema = { 'x-kubernetes-list-type': 'atomic' };

/**
 * List and map markers of the fields kubectl users touch most. Upstream derives them from `+listType` comments in
 * the Go sources, which kubernetes-types drops; merge keys match the strategic-merge-patch keys of the Go types.
 */
const FIELD_MARKERS: Record<string, JSONSchema> = {
  'core.v1.PodSpec.containers': mapList(['name']),
  'core.v1.PodSpec.initContainers': mapList(['name']),
  'core.v1.PodSpec.ephemeralContainers': mapList(['name']),
  'core.v1.PodSpec.volumes': { ...mapList(['name']), 'x-kubernetes-patch-strategy': 'merge,retainKeys' },
  'core.v1.PodSpec.imagePullSecrets': mapList(['name']),
  'core.v1.PodSpec.hostAliases': mapList(['ip']),
  'core.v1.PodSpec.tolerations': atomicList,
  'core.v1.Container.env': mapList(['name']),
  'core.v1.Container.ports': mapList(['containerPort', 'protocol'], 'containerPort'),
  'core.v1.Container.volumeMounts': mapList(['mountPath']),
  'core.v1.Container.volumeDevices': mapList(['devicePath']),
  'core.v1.Container.envFrom': atomicList,
  'core.v1.Container.command': atomicList,
  'core.v1.Container.args': atomicList,
  'core.v1.ServiceSpec.ports': mapList(['port', 'protocol'], 'port'),
  'core.v1.PodStatus.conditions': mapList(['type']),
  'core.v1.NodeStatus.conditions': mapList(['type']),
  'apps.v1.DeploymentStatus.conditions': mapList(['type']),
  'apps.v1.ReplicaSetStatus.conditions': mapList(['type']),
  'apps.v1.StatefulSetStatus.conditions': mapList(['type']),
  'apps.v1.DaemonSetStatus.conditions': mapList(['type']),
  'batch.v1.JobStatus.conditions': { 'x-kubernetes-list-type': 'atomic', 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'type' },
  'meta.v1.ObjectMeta.finalizers': { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' },
  'meta.v1.ObjectMeta.ownerReferences': mapList(['uid']),
  'meta.v1.ObjectMeta.managedFields': atomicList,
};

const TYPE_MARKERS: Record<string, JSONSchema> = {
  'meta.v1.LabelSelector': { 'x-kubernetes-map-type': 'atomic' },
  'meta.v1.OwnerReference': { 'x-kubernetes-map-type': 'atomic' },
  'core.v1.LocalObjectReference': { 'x-kubernetes-map-type': 'atomic' },
};

/** Short module key used by the marker tables: `core.v1`, `meta.v1`. */
function shortKey(modulePath: string): string {
  return modulePath.replace('/', '.');
}

/** The JSDoc text right before a declaration, without comment markers; upstream keeps paragraph breaks. */
function docOf(node: ts.Node, text: string): string | undefined {
  const ranges = ts.getLeadingCommentRanges(text, node.pos) ?? [];
  const last = ranges.filter((r) => text.startsWith('/**', r.pos)).pop();
  if (!last) return undefined;
  const body = text.slice(last.pos + 3, last.end - 2);
  const lines = body.split('\n').map((l) => l.replace(/^\s*\* ?/, '').trimEnd());
  const joined = lines.join('\n').trim();
  return joined || undefined;
}

function literalString(node: ts.TypeNode | undefined): string | undefined {
  if (node && ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return node.literal.text;
  return undefined;
}

function propertyName(name: ts.PropertyName): string {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return name.getText();
}

/** Converts one module: interfaces and type aliases become definitions, references become `$ref`s. */
class ModuleConverter {
  private readonly imports = new Map<string, string>();
  private readonly local = new Set<string>();

  constructor(private readonly modulePath: string, private readonly file: ts.SourceFile) {
    for (const st of file.statements) {
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
        const target = join(dirname(modulePath), st.moduleSpecifier.text).replace(/\\/g, '/');
        const named = st.importClause?.namedBindings;
        if (named && ts.isNamedImports(named)) for (const el of named.elements) this.imports.set(el.name.text, target);
      } else if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) {
        this.local.add(st.name.text);
      }
    }
  }

  convert(into: Definitions): void {
    const pkg = packageOf(this.modulePath);
    for (const st of this.file.statements) {
      const name = `${pkg}.${ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) ? st.name.text : ''}`;
      if (ts.isInterfaceDeclaration(st)) into[name] = this.interfaceSchema(st);
      else if (ts.isTypeAliasDeclaration(st)) into[name] = this.aliasSchema(name, st);
    }
  }

  private interfaceSchema(decl: ts.InterfaceDeclaration): JSONSchema {
    const text = this.file.text;
    const typeName = decl.name.text;
    const schema: JSONSchema = { description: docOf(decl, text) };
    const properties: Record<string, JSONSchema> = {};
    const required: string[] = [];
    let apiVersion: string | undefined;
    let kind: string | undefined;
    for (const m of decl.members) {
      if (!ts.isPropertySignature(m) || !m.type) continue;
      const field = propertyName(m.name);
      const converted = this.typeSchema(m.type, `${typeName}.${field}`);
      const description = docOf(m, text);
      const markers = FIELD_MARKERS[`${shortKey(this.modulePath)}.${typeName}.${field}`] ?? {};
      properties[field] = withDescription(converted, description, markers);
      if (!m.questionToken) required.push(field);
      if (field === 'apiVersion') apiVersion = literalString(m.type);
      if (field === 'kind') kind = literalString(m.type);
    }
    if (decl.members.length === 0) {
      // Empty Go structs (RawExtension, FieldsV1, JSON) carry arbitrary JSON.
      schema['x-kubernetes-preserve-unknown-fields'] = true;
      if (typeName !== 'JSON') schema.type = 'object';
    } else {
      schema.type = 'object';
      schema.properties = properties;
      if (required.length) schema.required = required;
    }
    if (apiVersion && kind) {
      const i = apiVersion.indexOf('/');
      const gv = i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
      schema['x-kubernetes-group-version-kind'] = [gvkExtension({ ...gv, kind })];
    }
    Object.assign(schema, TYPE_MARKERS[`${shortKey(this.modulePath)}.${typeName}`] ?? {});
    if (!schema.description) delete schema.description;
    return schema;
  }

  private aliasSchema(name: string, decl: ts.TypeAliasDeclaration): JSONSchema {
    const description = docOf(decl, this.file.text);
    const known = NAMED_SCALARS[name];
    const base: JSONSchema = known ? { ...known } : this.typeSchema(decl.type, decl.name.text);
    // Union aliases such as JSONSchemaPropsOrBool have no single JSON shape.
    if (ts.isUnionTypeNode(decl.type) && !known) return { description, 'x-kubernetes-preserve-unknown-fields': true };
    return description ? { description, ...base } : base;
  }

  private typeSchema(node: ts.TypeNode, where: string): JSONSchema {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword: return { type: 'string' };
      case ts.SyntaxKind.BooleanKeyword: return { type: 'boolean' };
      case ts.SyntaxKind.NumberKeyword:
        return FLOAT_FIELDS.has(where) ? { type: 'number', format: 'double' } : { type: 'integer' };
    }
    if (ts.isLiteralTypeNode(node)) return { type: typeof literalValue(node) === 'number' ? 'integer' : 'string' };
    if (ts.isArrayTypeNode(node)) return { type: 'array', items: this.typeSchema(node.elementType, where) };
    if (ts.isParenthesizedTypeNode(node)) return this.typeSchema(node.type, where);
    if (ts.isUnionTypeNode(node)) {
      const kinds = new Set(node.types.map((t) => t.kind));
      if (kinds.size === 2 && kinds.has(ts.SyntaxKind.NumberKeyword) && kinds.has(ts.SyntaxKind.StringKeyword)) {
        return { $ref: V3_REF_PREFIX + INT_OR_STRING };
      }
      return { 'x-kubernetes-preserve-unknown-fields': true };
    }
    if (ts.isTypeLiteralNode(node)) {
      const index = node.members.find(ts.isIndexSignatureDeclaration);
      if (index) return { type: 'object', additionalProperties: this.typeSchema(index.type, where) };
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    }
    if (ts.isTypeReferenceNode(node)) {
      const name = ts.isIdentifier(node.typeName) ? node.typeName.text : node.typeName.right.text;
      if (name === 'Array' && node.typeArguments?.length === 1) {
        return { type: 'array', items: this.typeSchema(node.typeArguments[0], where) };
      }
      const target = this.local.has(name) ? this.modulePath : this.imports.get(name);
      if (target === undefined) throw new Error(`${this.modulePath}: unresolved type ${name} at ${where}`);
      return { $ref: V3_REF_PREFIX + `${packageOf(target)}.${name}` };
    }
    throw new Error(`${this.modulePath}: unsupported type syntax ${ts.SyntaxKind[node.kind]} at ${where}`);
  }
}

function literalValue(node: ts.LiteralTypeNode): string | number | boolean | null {
  const l = node.literal;
  if (ts.isStringLiteral(l)) return l.text;
  if (ts.isNumericLiteral(l)) return Number(l.text);
  return l.kind === ts.SyntaxKind.TrueKeyword ? true : l.kind === ts.SyntaxKind.FalseKeyword ? false : null;
}

/**
 * OpenAPI 3.0 ignores siblings of `$ref`, so a referenced field keeps its own description by wrapping the
 * reference in a one-element `allOf`, the same shape the Kubernetes API server publishes.
 */
function withDescription(schema: JSONSchema, description: string | undefined, markers: JSONSchema): JSONSchema {
  if (schema.$ref && (description || Object.keys(markers).length)) {
    return { ...(description ? { description } : {}), allOf: [schema], ...markers };
  }
  return { ...(description ? { description } : {}), ...schema, ...markers };
}

function declarationFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...declarationFiles(full));
    else if (entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** All Kubernetes definitions found under the kubernetes-types package folder, sorted by name. */
export function generateDefinitions(typesRoot: string): Definitions {
  const defs: Definitions = {};
  for (const file of declarationFiles(typesRoot)) {
    const modulePath = relative(typesRoot, file).replace(/\\/g, '/').replace(/\.d\.ts$/, '');
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    new ModuleConverter(modulePath, source).convert(defs);
  }
  defs[INT_OR_STRING] = {
    description: 'IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type. This allows you to have, for example, a JSON field that can accept a name or number.',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  };
  const sorted: Definitions = {};
  for (const name of Object.keys(defs).sort()) sorted[name] = defs[name];
  return sorted;
}

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = join(here, '..');
  const started = performance.now();
  const defs = generateDefinitions(join(root, 'node_modules', 'kubernetes-types'));
  const outDir = join(root, 'src', 'api', 'openapi', 'generated');
  mkdirSync(outDir, { recursive: true });
  const json = JSON.stringify(defs);
  writeFileSync(join(outDir, 'definitions.json'), json + '\n');
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`gen-openapi: ${Object.keys(defs).length} definitions, ${json.length} bytes, ${ms} ms\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
