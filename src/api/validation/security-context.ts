/** Pod- and container-level securityContext: id ranges and the enum-valued fields. */
import { child, type Causes, invalid, validateEnum } from './causes.js';
import { inclusiveRangeError } from './formats.js';
import { readBool, readInt, readObject, readString, type JsonObject } from './read.js';

const MAX_ID = 2147483647;
const SECCOMP_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'] as const;

function validateIds(errs: Causes, sc: JsonObject, path: string, fields: readonly string[]): void {
  for (const f of fields) {
    const v = readInt(errs, sc, path, f);
    if (v !== undefined && (v < 0 || v > MAX_ID)) errs.push(invalid(child(path, f), v, inclusiveRangeError(0, MAX_ID)));
  }
}

function validateSeccomp(errs: Causes, sc: JsonObject, path: string): void {
  const prof = readObject(errs, sc, path, 'seccompProfile');
  if (!prof) return;
  const p = child(path, 'seccompProfile');
  const type = readString(errs, prof, p, 'type');
  validateEnum(errs, type, child(p, 'type'), SECCOMP_TYPES);
  const local = readString(errs, prof, p, 'localhostProfile');
  if (type === 'Localhost' && !local) errs.push(invalid(child(p, 'localhostProfile'), '', 'must be set when seccomp type is Localhost'));
  if (type !== 'Localhost' && local) errs.push(invalid(child(p, 'localhostProfile'), local, 'can only be set when seccomp type is Localhost'));
}

export function validatePodSecurityContext(errs: Causes, sc: JsonObject, path: string): void {
  validateIds(errs, sc, path, ['runAsUser', 'runAsGroup', 'fsGroup']);
  validateEnum(errs, readString(errs, sc, path, 'fsGroupChangePolicy'), child(path, 'fsGroupChangePolicy'), ['Always', 'OnRootMismatch'], false);
  validateSeccomp(errs, sc, path);
}

export function validateContainerSecurityContext(errs: Causes, sc: JsonObject, path: string): void {
  validateIds(errs, sc, path, ['runAsUser', 'runAsGroup']);
  validateEnum(errs, readString(errs, sc, path, 'procMount'), child(path, 'procMount'), ['Default', 'Unmasked'], false);
  validateSeccomp(errs, sc, path);
  const privileged = readBool(errs, sc, path, 'privileged');
  const escalation = readBool(errs, sc, path, 'allowPrivilegeEscalation');
  if (privileged === true && escalation === false) {
    errs.push(invalid(path, 'false', 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
}
