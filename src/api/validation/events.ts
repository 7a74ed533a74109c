/** Events in both API versions: core/v1 (involvedObject) and events.k8s.io/v1 (regarding, reporting fields). */
import type { KObject } from '../machinery/object.js';
import { type Causes, invalid, notSupported, required } from './causes.js';
import { asObject, readObject, readString } from './read.js';

const EVENT_TYPES = ['Normal', 'Warning'] as const;
const NOTE_MAX_BYTES = 1024;

/** Events from new-style recorders carry reporting fields and must set them all; legacy ones need not. */
export function validateCoreEvent(errs: Causes, obj: KObject): void {
  const involved = readObject(errs, obj, '', 'involvedObject');
  if (!involved) {
    errs.push(required('involvedObject'));
    return;
  }
  const ns = obj.metadata?.namespace;
  const ins = readString(errs, involved, 'involvedObject', 'namespace');
  if (ins && ns && ins !== ns) errs.push(invalid('involvedObject.namespace', ins, 'does not match event.namespace'));
  if (!readString(errs, involved, 'involvedObject', 'kind')) errs.push(required('involvedObject.kind'));
  const type = readString(errs, obj, '', 'type');
  if (type && !(EVENT_TYPES as readonly string[]).includes(type)) errs.push(notSupported('type', type, EVENT_TYPES));
  if (readString(errs, obj, '', 'reportingComponent')) {
    if (!readString(errs, obj, '', 'reportingInstance')) errs.push(required('reportingInstance'));
  }
}

export function validateEventsV1(errs: Causes, obj: KObject): void {
  if (!obj['eventTime']) errs.push(required('eventTime'));
  for (const f of ['reportingController', 'reportingInstance', 'action', 'reason']) {
    if (!readString(errs, obj, '', f)) errs.push(required(f));
  }
  const type = readString(errs, obj, '', 'type');
  if (!type) errs.push(required('type'));
  else if (!(EVENT_TYPES as readonly string[]).includes(type)) errs.push(notSupported('type', type, EVENT_TYPES));
  const note = readString(errs, obj, '', 'note');
  if (note && Buffer.byteLength(note) > NOTE_MAX_BYTES) errs.push(invalid('note', '', `can have at most ${NOTE_MAX_BYTES} characters`));
  const regarding = asObject(obj['regarding']);
  const ns = obj.metadata?.namespace;
  const rns = regarding && typeof regarding['namespace'] === 'string' ? regarding['namespace'] : '';
  if (rns && ns && rns !== ns) errs.push(invalid('regarding.namespace', rns, 'does not match event.namespace'));
}
