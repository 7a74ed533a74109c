/** Per-kind rules for metadata.name: most kinds are DNS-1123 subdomains, a few are labels or URL path segments. */
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isValidPathSegmentName, maxLenError } from './formats.js';

type NameRule = (name: string) => string[];

/** Kinds whose names become URL path segments only, so any character but '/' and '%' is allowed. */
const PATH_SEGMENT_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

/** CronJob names get an 11-character suffix for their Jobs, which must still fit a 63-character label. */
const CRONJOB_NAME_MAX = 52;

function ruleFor(kind: string): NameRule {
  // StatefulSet pods are named <name>-<ordinal> and use that as their hostname, a DNS label.
  if (kind === 'Namespace' || kind === 'StatefulSet') return isDNS1123Label;
  // Service names become DNS labels of the form <name>.<ns>.svc, so they must start with a letter (RFC 1035).
  if (kind === 'Service') return isDNS1035Label;
  return isDNS1123Subdomain;
}

/**
 * A generateName prefix is checked as if a random suffix followed it: a trailing '-' is masked,
 * as Kubernetes' maskTrailingDash does.
 */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
}

export function nameMessages(kind: string, name: string, prefix: boolean): string[] {
  if (PATH_SEGMENT_KINDS.has(kind)) return isValidPathSegmentName(name, prefix);
  const msgs = ruleFor(kind)(prefix ? maskTrailingDash(name) : name);
  if (kind === 'CronJob' && !prefix && name.length > CRONJOB_NAME_MAX) msgs.push(maxLenError(CRONJOB_NAME_MAX));
  return msgs;
}

/** Messages for metadata.name under the rule of `kind`; empty when the name is valid. */
export function validateName(kind: string, name: string): string[] {
  return nameMessages(kind, name, false);
}
