/**
 * Fields skiff accepts and stores but does not act on. Each becomes a Warning header the first
 * time it appears (kubectl prints it), so nothing is silently ignored.
 */
import type { KObject } from '../machinery/object.js';
import type { ResourceDefinition } from './resources.js';

/** Pod spec fields with no effect on a single-engine node. */
const POD_SPEC_UNSUPPORTED = [
  'runtimeClassName', 'overhead', 'readinessGates', 'schedulingGates',
  'resourceClaims', 'os', 'hostUsers', 'setHostnameAsFQDN', 'preemptionPolicy', 'priorityClassName',
];

const VOLUME_SOURCES_SUPPORTED = new Set([
  'name', 'emptyDir', 'hostPath', 'configMap', 'secret', 'downwardAPI', 'persistentVolumeClaim', 'projected',
]);

function podSpecPath(def: ResourceDefinition): string[] | undefined {
  switch (def.kind) {
    case 'Pod': return ['spec'];
    case 'Deployment': case 'ReplicaSet': case 'DaemonSet': case 'StatefulSet': case 'Job': return ['spec', 'template', 'spec'];
    case 'CronJob': return ['spec', 'jobTemplate', 'spec', 'template', 'spec'];
    default: return undefined;
  }
}

function dig(obj: unknown, path: string[]): Record<string, unknown> | undefined {
  let cur: unknown = obj;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return typeof cur === 'object' && cur !== null && !Array.isArray(cur) ? (cur as Record<string, unknown>) : undefined;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && v !== '';
}

/** Warnings for newly set unsupported fields (not repeated for fields already stored in `old`). */
export function unsupportedFieldWarnings(def: ResourceDefinition, obj: KObject, old?: KObject): string[] {
  if (def.group !== '' && def.group !== 'apps' && def.group !== 'batch') return [];
  const path = podSpecPath(def);
  if (!path) return [];
  const spec = dig(obj, path);
  if (!spec) return [];
  const oldSpec = old ? dig(old, path) : undefined;
  const at = path.join('.');
  const out: string[] = [];
  for (const f of POD_SPEC_UNSUPPORTED) {
    if (present(spec[f]) && !(oldSpec && present(oldSpec[f]))) out.push(`${at}.${f}: accepted and stored, but skiff does not act on this field`);
  }
  const volumes = Array.isArray(spec.volumes) ? (spec.volumes as Record<string, unknown>[]) : [];
  volumes.forEach((v, i) => {
    for (const k of Object.keys(v ?? {})) {
      if (!VOLUME_SOURCES_SUPPORTED.has(k)) out.push(`${at}.volumes[${i}].${k}: volume type not supported by skiff; the volume is left empty`);
    }
  });
  return out;
}
