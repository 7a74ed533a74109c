/**
 * The generic REST verbs over every resource in the registry: get, list, watch, create,
 * update, patch, delete and deletecollection, plus the status and scale subresources. Each
 * handler decodes, admits and stores; the HTTP glue lives in app.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  newBadRequest, newConflict, newForbidden, newInvalid, newMethodNotSupported, newNotFound, OBJECT_MODIFIED,
  successStatus, isNotFound, StatusError,
} from '../machinery/errors.js';
import { deepCopy, deepEqual, isPlainObject, parseApiVersion, apiVersionOf, type KObject } from '../machinery/object.js';
import { formatLabelSelector, fromLabelSelector, parseFieldSelector, parseLabelSelector } from '../machinery/selectors.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../patch/index.js';
import { serverSideApply, updateManagedFields } from '../apply/index.js';
import { printerFor, toTable } from '../printers/index.js';
import { admit, checkFields, parseFieldValidation, type FieldValidation } from '../registry/admission.js';
import { beforeCreate, beforeUpdate } from '../registry/create-hooks.js';
import { RESOURCES } from '../registry/resources.js';
import type { ServiceAllocations } from '../servicenet/service-allocations.js';
import type { ResourceDefinition } from '../registry/resources.js';
import { type ObjectStore, validateFieldSelector } from '../registry/store.js';
import { decideDeletion, prepareForCreate, prepareForUpdate, readyToDelete, rfc3339, type DeleteOptions, type UpdateTarget } from '../registry/strategy.js';
import { decodeBody, duplicateFields, readBody, requireObject } from './body.js';
import { wantsTable } from './negotiation.js';
import type { RequestInfo } from './request-info.js';
import { serveWatch } from './watch.js';

export type Query = Record<string, string | string[] | undefined>;

export interface RestContext {
  store: ObjectStore;
  now: () => Date;
  /** Definitions by kind, for cross-resource checks (namespace existence). */
  namespaces: ResourceDefinition;
  /** Cluster IPs and node ports for Services; without it Services get none. */
  services?: ServiceAllocations;
}

function isService(def: ResourceDefinition): boolean {
  return def.group === '' && def.kind === 'Service';
}

export interface Reply {
  code: number;
  body: unknown;
  warnings?: string[];
}

function q(query: Query, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function isDryRun(query: Query): boolean {
  const v = query.dryRun;
  const vals = Array.isArray(v) ? v : v === undefined ? [] : [v];
  for (const d of vals) if (d !== 'All') throw newBadRequest(`unsupported dry run setting "${d}": only "All" is supported`);
  return vals.length > 0;
}

function fieldManager(query: Query, req: IncomingMessage): string {
  const m = q(query, 'fieldManager');
  if (m !== undefined) {
    if (m.length > 128 || /[^\x20-\x7e]/.test(m)) throw newBadRequest('fieldManager: Invalid value: must be at most 128 printable characters');
    return m;
  }
  // Kubernetes names the manager after the client's user agent when none is given.
  return (req.headers['user-agent'] ?? 'unknown').split('/')[0] || 'unknown';
}

function intParam(query: Query, name: string): number | undefined {
  const v = q(query, name);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw newBadRequest(`${name}: invalid value "${v}": must be an integer`);
  return Number(v);
}

/** Checks apiVersion/kind of a body against the endpoint and fills them in when absent. */
function checkTypeMeta(def: ResourceDefinition, obj: Record<string, unknown>, expect?: { apiVersion: string; kind: string }): KObject {
  const apiVersion = expect?.apiVersion ?? apiVersionOf(def);
  const kind = expect?.kind ?? def.kind;
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
    const gv = parseApiVersion(String(obj.apiVersion));
    // A known kind sent to the wrong endpoint is a client error, as in Kubernetes.
    throw newBadRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})${gv.group === def.group ? '' : ''}`);
  }
  if (obj.kind !== undefined && obj.kind !== kind) {
    throw newBadRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${kind})`);
  }
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isPlainObject(obj.metadata)) throw newBadRequest('metadata: expected an object');
  const meta = obj.metadata as Record<string, unknown>;
  // Clients send `creationTimestamp: null` and empty status objects; tolerate them.
  for (const k of Object.keys(meta)) if (meta[k] === null) delete meta[k];
  return { ...obj, apiVersion, kind } as KObject;
}

export class RestHandlers {
  constructor(private readonly ctx: RestContext) {}

  private get store(): ObjectStore {
    return this.ctx.store;
  }

  /** Namespaced writes need a live namespace; creating into a terminating one is forbidden. */
  private requireNamespace(def: ResourceDefinition, namespace: string | undefined, forCreate: boolean, name = ''): void {
    if (!def.namespaced) return;
    if (!namespace) throw newBadRequest('the namespace of the object is required');
    const nsObj = this.store.tryGet(this.ctx.namespaces, undefined, namespace);
    if (!nsObj) throw newNotFound({ group: '', resource: 'namespaces' }, namespace);
    if (forCreate && nsObj.metadata.deletionTimestamp) {
      // Named like Kubernetes' NamespaceLifecycle admission: `configmaps "x" is forbidden: ...`.
      throw newForbidden({ group: def.group, resource: def.resource }, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  get(def: ResourceDefinition, info: RequestInfo, query: Query, req: IncomingMessage): Reply {
    const obj = this.store.get(def, info.namespace, info.name ?? '');
    const table = wantsTable(req.headers.accept);
    if (table) {
      return { code: 200, body: this.table(def, [obj], query, obj.metadata.resourceVersion ?? '') };
    }
    return { code: 200, body: obj };
  }

  private table(def: ResourceDefinition, items: KObject[], query: Query, resourceVersion: string, cont?: string): object {
    const include = (q(query, 'includeObject') ?? 'Metadata') as 'None' | 'Object' | 'Metadata';
    return toTable(printerFor(def.group, def.kind), items, this.ctx.now(), {
      includeObject: include, resourceVersion, continue: cont, apiVersionOfObjects: apiVersionOf(def), kind: def.kind,
    });
  }

  list(def: ResourceDefinition, info: RequestInfo, query: Query, req: IncomingMessage, res: ServerResponse): Reply | undefined {
    const labelSelector = parseLabelSelector(q(query, 'labelSelector'));
    const fieldSelector = parseFieldSelector(q(query, 'fieldSelector'));
    validateFieldSelector(def, fieldSelector);
    const watch = info.watchPrefix || q(query, 'watch') === 'true' || q(query, 'watch') === '1';
    if (watch) {
      serveWatch(req, res, {
        def, store: this.store, namespace: info.namespace, labelSelector, fieldSelector,
        resourceVersion: q(query, 'resourceVersion'), timeoutSeconds: intParam(query, 'timeoutSeconds'),
        allowBookmarks: q(query, 'allowWatchBookmarks') === 'true', sendInitialEvents: q(query, 'sendInitialEvents') === 'true',
        table: wantsTable(req.headers.accept) ? (items) => this.table(def, items, query, '') : undefined,
      });
      return undefined;
    }
    const limit = intParam(query, 'limit');
    const result = this.store.list(def, info.namespace, { labelSelector, fieldSelector, limit: limit && limit > 0 ? limit : undefined, continue: q(query, 'continue') || undefined });
    if (wantsTable(req.headers.accept)) {
      return { code: 200, body: this.table(def, result.items, query, result.resourceVersion, result.continue) };
    }
    const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
    if (result.continue) metadata.continue = result.continue;
    if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
    return {
      code: 200,
      body: { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata, items: result.items },
    };
  }

  async create(def: ResourceDefinition, info: RequestInfo, query: Query, req: IncomingMessage): Promise<Reply> {
    const fieldValidation = parseFieldValidation(q(query, 'fieldValidation'));
    const dryRun = isDryRun(query);
    const manager = fieldManager(query, req);
    const raw = await readBody(req);
    const body = decodeBody(raw, req.headers['content-type']);
    if (body.encoding !== 'json' && body.encoding !== 'yaml' && body.encoding !== 'protobuf') {
      throw newBadRequest(`the body of a create must be an object, not a ${body.encoding} patch`);
    }
    const input = checkTypeMeta(def, requireObject(body.value));
    if (def.namespaced) {
      const bodyNs = input.metadata.namespace;
      if (bodyNs && info.namespace && bodyNs !== info.namespace) {
        throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      input.metadata.namespace = info.namespace ?? bodyNs;
    }
    if (!input.metadata.name && !input.metadata.generateName) {
      throw newInvalid(def, '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
    }
    this.requireNamespace(def, input.metadata.namespace, true, input.metadata.name ?? '');
    return this.createObject(def, input, { fieldValidation, dryRun, manager, duplicates: duplicateFields(body.text) });
  }

  /** The create pipeline shared by POST, PUT-creates and server-side apply of a new object. */
  private async createObject(
    def: ResourceDefinition, input: KObject,
    opts: { fieldValidation: FieldValidation; dryRun: boolean; manager: string; duplicates?: string[]; applied?: { force: boolean } },
  ): Promise<Reply> {
    const fieldWarnings = checkFields(def, input, { fieldValidation: opts.fieldValidation, duplicateFields: opts.duplicates, checkUnknownFields: true });
    // An apply that creates merges the configuration into an empty object first, so the server-set
    // metadata (uid, creationTimestamp), create hooks and defaults below are kept and owned by no one.
    const source = opts.applied
      ? serverSideApply({ live: undefined, applied: input, manager: opts.manager, force: opts.applied.force, gvk: def })
      : input;
    let obj = beforeCreate(def, prepareForCreate(def, source, this.ctx.now()));
    if (def.group === 'networking.k8s.io' && def.kind === 'Ingress') obj = this.defaultIngressClass(obj);
    const admitted = admit(def, obj, undefined, { fieldValidation: 'Ignore', checkUnknownFields: false });
    obj = admitted.object;
    const allocation = isService(def) ? this.ctx.services?.allocate(obj, undefined, opts.dryRun) : undefined;
    if (allocation) obj = allocation.object;
    if (!opts.applied) obj = updateManagedFields({ live: undefined, updated: obj, manager: opts.manager, operation: 'Update', gvk: def });
    const warnings = [...fieldWarnings, ...admitted.warnings];
    if (opts.dryRun) return { code: 201, body: obj, warnings };
    try {
      const created = await this.store.create(def, obj);
      return { code: 201, body: created, warnings };
    } finally {
      allocation?.release();
    }
  }

  /**
   * The DefaultIngressClass admission plugin: an Ingress created without a class gets the one IngressClass
   * marked default; with several defaults, the newest, as Kubernetes chooses.
   */
  private defaultIngressClass(obj: KObject): KObject {
    const spec = (obj.spec ?? {}) as Record<string, unknown>;
    if (spec.ingressClassName || obj.metadata.annotations?.['kubernetes.io/ingress.class']) return obj;
    const classes = RESOURCES.find((r) => r.group === 'networking.k8s.io' && r.kind === 'IngressClass');
    if (!classes) return obj;
    const defaults = this.store.all(classes)
      .filter((c) => c.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true')
      .sort((a, b) => String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')));
    if (!defaults.length) return obj;
    return { ...obj, spec: { ...spec, ingressClassName: defaults[0].metadata.name } };
  }

  async update(def: ResourceDefinition, info: RequestInfo, query: Query, req: IncomingMessage, target: UpdateTarget = 'main'): Promise<Reply> {
    const fieldValidation = parseFieldValidation(q(query, 'fieldValidation'));
    const dryRun = isDryRun(query);
    const manager = fieldManager(query, req);
    const raw = await readBody(req);
    const body = decodeBody(raw, req.headers['content-type']);
    if (body.encoding !== 'json' && body.encoding !== 'yaml' && body.encoding !== 'protobuf') {
      throw newBadRequest(`the body of an update must be an object, not a ${body.encoding} patch`);
    }
    const input = checkTypeMeta(def, requireObject(body.value));
    const name = info.name ?? '';
    if (input.metadata.name && input.metadata.name !== name) {
      throw newBadRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (def.namespaced && input.metadata.namespace && input.metadata.namespace !== info.namespace) {
      throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    input.metadata.name = name;
    if (def.namespaced) input.metadata.namespace = info.namespace;
    this.requireNamespace(def, info.namespace, false);
    const duplicates = duplicateFields(body.text);
    const current = this.store.tryGet(def, info.namespace, name);
    if (!current) {
      // Like Kubernetes for most kinds, PUT does not create: the object must exist.
      throw newNotFound(def, name);
    }
    const wanted = input.metadata.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) throw newConflict(def, name, OBJECT_MODIFIED);
    // A uid in the body is a precondition, so a write meant for a deleted object cannot land on its successor.
    const uid = input.metadata.uid;
    if (uid && uid !== current.metadata.uid) throw newConflict(def, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
    return this.updateObject(def, current, input, { target, fieldValidation, dryRun, manager, duplicates, checkUnknownFields: true });
  }

  /** The update pipeline shared by PUT and PATCH: carry-over, admission, managed fields, CAS write. */
  private async updateObject(
    def: ResourceDefinition, current: KObject, input: KObject,
    opts: { target: UpdateTarget; fieldValidation: FieldValidation; dryRun: boolean; manager: string; duplicates?: string[]; checkUnknownFields: boolean; applied?: { force: boolean }; subresource?: string },
  ): Promise<Reply> {
    const fieldWarnings = checkFields(def, input, { fieldValidation: opts.fieldValidation, duplicateFields: opts.duplicates, checkUnknownFields: opts.checkUnknownFields });
    let obj = prepareForUpdate(def, input, current, opts.target);
    if (opts.target === 'main') obj = beforeUpdate(def, obj);
    const allocates = opts.target === 'main' && isService(def) ? this.ctx.services : undefined;
    if (allocates) obj = allocates.prepareUpdate(obj, current);
    const admitted = admit(def, obj, current, { fieldValidation: 'Ignore', checkUnknownFields: false });
    obj = admitted.object;
    const allocation = allocates?.allocate(obj, current, opts.dryRun);
    if (allocation) obj = allocation.object;
    try {
      return await this.writeUpdate(def, current, obj, opts, fieldWarnings, admitted.warnings);
    } finally {
      allocation?.release();
    }
  }

  private async writeUpdate(
    def: ResourceDefinition, current: KObject, obj: KObject,
    opts: { target: UpdateTarget; dryRun: boolean; manager: string; applied?: { force: boolean }; subresource?: string },
    fieldWarnings: string[], admittedWarnings: string[],
  ): Promise<Reply> {
    if (!opts.applied) {
      obj = updateManagedFields({ live: current, updated: obj, manager: opts.manager, operation: 'Update', gvk: def, subresource: opts.target === 'status' ? 'status' : opts.subresource });
    }
    const warnings = [...fieldWarnings, ...admittedWarnings];
    obj.metadata.resourceVersion = current.metadata.resourceVersion;
    if (deepEqual(stripVolatile(obj), stripVolatile(current))) {
      // A no-op write does not bump the resourceVersion, as in Kubernetes.
      return { code: 200, body: current, warnings };
    }
    if (opts.dryRun) return { code: 200, body: obj, warnings };
    if (readyToDelete(def, obj)) {
      // The last finalizer is gone from an object marked for deletion: it goes now.
      const gone = await this.store.remove(def, obj, Number(current.metadata.resourceVersion));
      return { code: 200, body: gone, warnings };
    }
    const updated = await this.store.update(def, obj, Number(current.metadata.resourceVersion));
    return { code: 200, body: updated, warnings };
  }

  async patch(def: ResourceDefinition, info: RequestInfo, query: Query, req: IncomingMessage, target: UpdateTarget = 'main'): Promise<Reply> {
    const fieldValidation = parseFieldValidation(q(query, 'fieldValidation'));
    const dryRun = isDryRun(query);
    const raw = await readBody(req);
    const body = decodeBody(raw, req.headers['content-type']);
    const name = info.name ?? '';
    const force = q(query, 'force') === 'true';
    if (body.encoding === 'apply') {
      const m = q(query, 'fieldManager');
      if (!m) throw newBadRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
    } else if (q(query, 'force') !== undefined) {
      throw newBadRequest('force: Invalid value: force is only supported for apply patches');
    }
    const manager = fieldManager(query, req);
    if (body.value === undefined) throw newBadRequest('the body of the request was empty');
    this.requireNamespace(def, info.namespace, body.encoding === 'apply', name);

    if (body.encoding === 'apply') {
      const applied = checkTypeMeta(def, requireObject(body.value));
      if (applied.metadata.name && applied.metadata.name !== name) {
        throw newBadRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
      }
      applied.metadata.name = name;
      if (def.namespaced) {
        if (applied.metadata.namespace && applied.metadata.namespace !== info.namespace) {
          throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
        }
        applied.metadata.namespace = info.namespace;
      }
      const duplicates = duplicateFields(body.text);
      if (!this.store.tryGet(def, info.namespace, name)) {
        if (target !== 'main') throw newNotFound(def, name);
        return this.createObject(def, applied, { fieldValidation, dryRun, manager, duplicates, applied: { force } });
      }
      checkFields(def, applied, { fieldValidation, duplicateFields: duplicates, checkUnknownFields: true });
      return this.retryOnConflict(def, info, async (current) => {
        const merged = serverSideApply({ live: current, applied, manager, force, gvk: def });
        return this.updateObject(def, current, merged, { target, fieldValidation: 'Ignore', dryRun, manager, checkUnknownFields: false, applied: { force } });
      });
    }

    if (body.encoding !== 'strategic' && body.encoding !== 'merge' && body.encoding !== 'json-patch') {
      // Kubernetes answers a PATCH in a non-patch media type with 415, naming the patch types.
      throw new StatusError({
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 415, reason: 'UnsupportedMediaType',
        message: `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got ${String(req.headers['content-type'])}`,
      });
    }
    if (body.encoding !== 'json-patch' && !isPlainObject(body.value)) {
      throw newBadRequest('the patch must be a JSON object');
    }
    const duplicates = duplicateFields(body.text);
    return this.retryOnConflict(def, info, async (current) => {
      const base = deepCopy(current);
      let patched: unknown;
      if (body.encoding === 'json-patch') patched = applyJsonPatch(base, body.value);
      else if (body.encoding === 'merge') patched = applyMergePatch(base, body.value);
      else patched = applyStrategicMergePatch(base, body.value, def);
      const next = checkTypeMeta(def, requireObject(patched));
      if (next.metadata.name !== current.metadata.name) {
        throw newBadRequest(`metadata.name: Invalid value: "${String(next.metadata.name)}": field is immutable`);
      }
      const rv = next.metadata.resourceVersion;
      if (rv && rv !== current.metadata.resourceVersion) throw newConflict(def, name, OBJECT_MODIFIED);
      return this.updateObject(def, current, next, { target, fieldValidation, dryRun, manager, duplicates, checkUnknownFields: true });
    });
  }

  /** Patches apply to the latest object; a concurrent write in between just means patching again. */
  private async retryOnConflict(def: ResourceDefinition, info: RequestInfo, attempt: (current: KObject) => Promise<Reply>): Promise<Reply> {
    for (let i = 0; ; i++) {
      const current = this.store.get(def, info.namespace, info.name ?? '');
      try {
        return await attempt(current);
      } catch (err) {
        const raced = (err as { reason?: string }).reason === 'Conflict' && (err as { status?: { details?: { causes?: unknown[] } } }).status?.details?.causes === undefined
          && this.store.tryGet(def, info.namespace, info.name ?? '')?.metadata.resourceVersion !== current.metadata.resourceVersion;
        if (!raced || i >= 10) throw err;
      }
    }
  }

  async delete(def: ResourceDefinition, info: RequestInfo, query: Query, req: IncomingMessage): Promise<Reply> {
    const opts = await this.deleteOptions(query, req);
    const name = info.name ?? '';
    const current = this.store.get(def, info.namespace, name);
    return this.deleteObject(def, current, opts);
  }

  private async deleteOptions(query: Query, req: IncomingMessage): Promise<DeleteOptions & { dryRun: boolean; preconditions?: { uid?: string; resourceVersion?: string } }> {
    const raw = await readBody(req);
    let fromBody: Record<string, unknown> = {};
    if (raw.length) {
      const body = decodeBody(raw, req.headers['content-type']);
      if (body.value !== undefined && body.value !== null) fromBody = requireObject(body.value);
    }
    const grace = intParam(query, 'gracePeriodSeconds') ?? (typeof fromBody.gracePeriodSeconds === 'number' ? fromBody.gracePeriodSeconds : undefined);
    const policy = q(query, 'propagationPolicy') ?? (fromBody.propagationPolicy as string | undefined);
    if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
      throw newBadRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
    }
    if (grace !== undefined && grace < 0) throw newBadRequest('gracePeriodSeconds: Invalid value: must be greater than or equal to 0');
    const dryRunBody = Array.isArray(fromBody.dryRun) ? (fromBody.dryRun as string[]) : [];
    const orphan = q(query, 'orphanDependents') ?? fromBody.orphanDependents;
    return {
      gracePeriodSeconds: grace,
      propagationPolicy: policy,
      orphanDependents: orphan === true || orphan === 'true',
      dryRun: isDryRun(query) || dryRunBody.includes('All'),
      preconditions: isPlainObject(fromBody.preconditions) ? (fromBody.preconditions as { uid?: string; resourceVersion?: string }) : undefined,
    };
  }

  private async deleteObject(def: ResourceDefinition, current: KObject, opts: DeleteOptions & { dryRun: boolean; preconditions?: { uid?: string; resourceVersion?: string } }): Promise<Reply> {
    const name = current.metadata.name ?? '';
    // The NamespaceLifecycle admission plugin keeps the system namespaces Kubernetes cannot run without.
    if (def.group === '' && def.kind === 'Namespace' && ['default', 'kube-system', 'kube-public'].includes(name)) {
      throw newForbidden(def, name, 'this namespace may not be deleted');
    }
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      throw newConflict(def, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw newConflict(def, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`);
    }
    const decision = decideDeletion(def, current, opts, this.ctx.now());
    if (opts.dryRun) return { code: 200, body: decision.action === 'update' ? decision.object : current };
    if (decision.action === 'delete') {
      const gone = await this.store.remove(def, current, Number(current.metadata.resourceVersion));
      return { code: 200, body: gone };
    }
    // Kubernetes answers 200 for a deletion left pending (finalizers, grace period, namespace
    // termination) too; 202 only for the deprecated orphanDependents=false, which is not kept here.
    if (deepEqual(decision.object, current)) return { code: 200, body: current };
    const updated = await this.store.update(def, decision.object, Number(current.metadata.resourceVersion));
    return { code: 200, body: updated };
  }

  async deleteCollection(def: ResourceDefinition, info: RequestInfo, query: Query, req: IncomingMessage): Promise<Reply> {
    const opts = await this.deleteOptions(query, req);
    const labelSelector = parseLabelSelector(q(query, 'labelSelector'));
    const fieldSelector = parseFieldSelector(q(query, 'fieldSelector'));
    validateFieldSelector(def, fieldSelector);
    const { items, resourceVersion } = this.store.list(def, info.namespace, { labelSelector, fieldSelector });
    const out: KObject[] = [];
    for (const item of items) {
      try {
        const r = await this.deleteObject(def, item, opts);
        out.push(r.body as KObject);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return { code: 200, body: { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion }, items: out } };
  }

  // ---- scale subresource ----

  private toScale(def: ResourceDefinition, obj: KObject): KObject {
    const spec = (obj.spec ?? {}) as { replicas?: number; selector?: Parameters<typeof fromLabelSelector>[0] };
    const status = (obj.status ?? {}) as { replicas?: number };
    return {
      kind: 'Scale', apiVersion: 'autoscaling/v1',
      metadata: {
        name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: spec.replicas ?? 0 },
      status: { replicas: status.replicas ?? 0, selector: formatLabelSelector(fromLabelSelector(spec.selector)) },
    };
  }

  getScale(def: ResourceDefinition, info: RequestInfo): Reply {
    return { code: 200, body: this.toScale(def, this.store.get(def, info.namespace, info.name ?? '')) };
  }

  async updateScale(def: ResourceDefinition, info: RequestInfo, query: Query, req: IncomingMessage, patch: boolean): Promise<Reply> {
    const dryRun = isDryRun(query);
    const manager = fieldManager(query, req);
    const raw = await readBody(req);
    const body = decodeBody(raw, req.headers['content-type']);
    const scaleGvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    return this.retryOnConflict(def, info, async (current) => {
      const scale = this.toScale(def, current);
      let next: KObject;
      if (!patch) next = checkTypeMeta(def, requireObject(body.value), { apiVersion: 'autoscaling/v1', kind: 'Scale' });
      else if (body.encoding === 'json-patch') next = requireObject(applyJsonPatch(scale, body.value)) as KObject;
      else if (body.encoding === 'merge') next = requireObject(applyMergePatch(scale, body.value)) as KObject;
      else if (body.encoding === 'strategic') next = requireObject(applyStrategicMergePatch(scale, body.value, scaleGvk)) as KObject;
      else if (body.encoding === 'apply') next = requireObject(applyMergePatch(scale, body.value)) as KObject;
      else throw newBadRequest('unsupported patch type for scale');
      const rv = next.metadata?.resourceVersion;
      if (rv && rv !== current.metadata.resourceVersion) throw newConflict(def, info.name ?? '', OBJECT_MODIFIED);
      // Go clients omit a zero replicas field (protobuf and JSON alike): absent means 0.
      const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas ?? 0;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw newInvalid({ group: 'autoscaling', kind: 'Scale' }, info.name ?? '', [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }]);
      }
      const updated = deepCopy(current);
      updated.spec = { ...(updated.spec as object), replicas };
      const reply = await this.updateObject(def, current, updated, { target: 'main', fieldValidation: 'Ignore', dryRun, manager, checkUnknownFields: false, subresource: 'scale' });
      return { ...reply, body: this.toScale(def, reply.body as KObject) };
    });
  }

  // ---- pod binding and eviction, namespace finalize ----

  async bind(def: ResourceDefinition, info: RequestInfo, query: Query, req: IncomingMessage): Promise<Reply> {
    const raw = await readBody(req);
    const binding = requireObject(decodeBody(raw, req.headers['content-type']).value);
    const target = binding.target as { kind?: string; name?: string } | undefined;
    if (!target?.name) throw newInvalid({ group: '', kind: 'Binding' }, info.name ?? '', [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }]);
    if (target.kind && target.kind !== 'Node') throw newInvalid({ group: '', kind: 'Binding' }, info.name ?? '', [{ reason: 'FieldValueNotSupported', message: `Unsupported value: "${target.kind}": supported values: "Node"`, field: 'target.kind' }]);
    const now = rfc3339(this.ctx.now());
    await this.store.guaranteedUpdate(def, info.namespace, info.name ?? '', (pod) => {
      const spec = (pod.spec ?? {}) as { nodeName?: string };
      if (pod.metadata.deletionTimestamp) throw newConflict(def, info.name ?? '', 'pod is being deleted, cannot be assigned to a host');
      if (spec.nodeName) throw newConflict(def, info.name ?? '', `pod ${info.name ?? ''} is already assigned to node "${spec.nodeName}"`);
      const next = deepCopy(pod);
      next.spec = { ...spec, nodeName: target.name };
      const status = (next.status ?? {}) as { conditions?: { type: string }[] };
      const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now } as { type: string });
      next.status = { ...status, conditions };
      return next;
    });
    return { code: 201, body: { ...successStatus(), code: 201 } };
  }

  async evict(def: ResourceDefinition, info: RequestInfo, query: Query, req: IncomingMessage): Promise<Reply> {
    const raw = await readBody(req);
    const eviction = raw.length ? requireObject(decodeBody(raw, req.headers['content-type']).value) : {};
    const deleteOptions = isPlainObject(eviction.deleteOptions) ? (eviction.deleteOptions as DeleteOptions) : {};
    const current = this.store.get(def, info.namespace, info.name ?? '');
    await this.deleteObject(def, current, { ...deleteOptions, dryRun: isDryRun(query) });
    return { code: 201, body: { ...successStatus(), code: 201 } };
  }

  async finalizeNamespace(def: ResourceDefinition, info: RequestInfo, query: Query, req: IncomingMessage): Promise<Reply> {
    const raw = await readBody(req);
    const input = checkTypeMeta(def, requireObject(decodeBody(raw, req.headers['content-type']).value));
    const finalizers = ((input.spec as { finalizers?: string[] } | undefined)?.finalizers) ?? [];
    const current = this.store.get(def, undefined, info.name ?? '');
    const next = deepCopy(current);
    next.spec = { ...(next.spec as object), finalizers };
    if (!finalizers.length) delete (next.spec as { finalizers?: string[] }).finalizers;
    if (next.metadata.deletionTimestamp && !finalizers.length && !(next.metadata.finalizers ?? []).length) {
      const gone = await this.store.remove(def, current, Number(current.metadata.resourceVersion));
      return { code: 200, body: gone };
    }
    const updated = await this.store.update(def, next, Number(current.metadata.resourceVersion));
    return { code: 200, body: updated };
  }

  unsupported(def: ResourceDefinition, verb: string): never {
    throw newMethodNotSupported(def, verb);
  }
}

/** Fields that change on every write without meaning a change of the object. */
function stripVolatile(obj: KObject): KObject {
  const c = deepCopy(obj);
  delete c.metadata.resourceVersion;
  if (c.metadata.managedFields) {
    c.metadata.managedFields = c.metadata.managedFields.map((m) => ({ ...m, time: undefined }));
  }
  return c;
}
