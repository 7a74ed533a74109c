/** Events in both API versions: core/v1 (involvedObject) and events.k8s.io/v1 (regarding, reporting fields). */
import type { KObject } from '../machinery/object.js';
import { type Causes, invalid, required } from './causes.js';
import { isQualifiedName } from './formats.js';
import { asObject, metaString, readString } from './read.js';

const FIELD_MAX = 128;
const NOTE_MAX = 1024;

/** Reporting fields every new-style event carries; `controllerField` differs between API versions. */
function validateReporting(errs: Causes, obj: KObject, controllerField: string, noteField: string): void {
  const controller = readString(errs, obj, '', controllerField);
  if (!controller) errs.push(required(controllerField));
  else for (const msg of isQualifiedName(controller)) errs.push(invalid(controllerField, controller, msg));
  for (const f of ['reportingInstance', 'action', 'reason']) {
    const v = readString(errs, obj, '', f);
    if (!v) errs.push(required(f));
    else if (v.length > FIELD_MAX) errs.push(invalid(f, '', `can have at most ${FIELD_MAX} characters`));
  }
  const note = readString(errs, obj, '', noteField);
  if (note && note.length > NOTE_MAX) errs.push(invalid(noteField, '', `can have at most ${NOTE_MAX} characters`));
}

/**
 * Legacy events (no eventTime) only need their namespace to agree with the involved object's;
 * cluster-scoped objects' events live in "default" for compatibility with old clients.
 */
export function validateCoreEvent(errs: Causes, obj: KObject): void {
  const involved = asObject(obj['involvedObject']) ?? {};
  const ns = metaString(obj, 'namespace');
  const ins = readString(errs, involved, 'involvedObject', 'namespace') ?? '';
  const newStyle = Boolean(obj['eventTime']);
  if (!newStyle) {
    const agrees = ins ? ins === ns : ns === '' || ns === 'default';
    if (!agrees) errs.push(invalid('involvedObject.namespace', ins, 'does not match event.namespace'));
    return;
  }
  if (!ins && ns !== 'default' && ns !== 'kube-system') errs.push(invalid('involvedObject.namespace', ins, 'does not match event.namespace'));
  validateReporting(errs, obj, 'reportingComponent', 'message');
}

export function validateEventsV1(errs: Causes, obj: KObject): void {
  if (!obj['eventTime']) errs.push(required('eventTime'));
  const type = readString(errs, obj, '', 'type');
  if (type !== 'Normal' && type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${type ?? ''}`));
  validateReporting(errs, obj, 'reportingController', 'note');
}
