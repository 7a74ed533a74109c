/** PodSpec as found in Pods and in every pod template: volumes, containers and the pod-level settings. */
import { child, type Causes, index, invalid, required, validateEnum, validateNonnegative } from './causes.js';
import { validateContainers } from './containers.js';
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isValidIP } from './formats.js';
import { validateLabelName, validateLabels } from './labels.js';
import { asObject, objectsOf, readArray, readInt, readObject, readString, readStringMap, stringsOf, type JsonObject } from './read.js';
import { validatePodSecurityContext } from './security-context.js';
import { validateTolerations } from './tolerations.js';
import { validateVolumes } from './volumes.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'] as const;
const MAX_INT32 = 2147483647;

function validateDNS(errs: Causes, spec: JsonObject, path: string, dnsPolicy: string | undefined): void {
  const cfg = readObject(errs, spec, path, 'dnsConfig');
  const cfgPath = child(path, 'dnsConfig');
  const nameservers = cfg ? stringsOf(errs, readArray(errs, cfg, cfgPath, 'nameservers'), child(cfgPath, 'nameservers')) : [];
  nameservers.forEach((ns, i) => {
    for (const msg of isValidIP(ns)) errs.push(invalid(index(child(cfgPath, 'nameservers'), i), ns, msg));
  });
  // With dnsPolicy None the pod's resolv.conf comes only from dnsConfig, so it needs a nameserver.
  if (dnsPolicy === 'None' && nameservers.length === 0) {
    errs.push(required(cfg ? child(cfgPath, 'nameservers') : cfgPath, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  }
}

function validateTopologySpread(errs: Causes, spec: JsonObject, specPath: string): void {
  const path = child(specPath, 'topologySpreadConstraints');
  for (const { item, i } of objectsOf(errs, readArray(errs, spec, specPath, 'topologySpreadConstraints'), path)) {
    const p = index(path, i);
    const skew = readInt(errs, item, p, 'maxSkew');
    if (skew === undefined || skew <= 0) errs.push(invalid(child(p, 'maxSkew'), skew ?? 0, 'must be greater than zero'));
    const topologyKey = readString(errs, item, p, 'topologyKey');
    if (!topologyKey) errs.push(required(child(p, 'topologyKey'), 'can not be empty'));
    else validateLabelName(errs, topologyKey, child(p, 'topologyKey'));
    validateEnum(errs, readString(errs, item, p, 'whenUnsatisfiable'), child(p, 'whenUnsatisfiable'), ['DoNotSchedule', 'ScheduleAnyway']);
  }
}

/** `extraVolumes` are volumes supplied from outside the spec (StatefulSet volumeClaimTemplates). */
export function validatePodSpec(errs: Causes, specValue: unknown, path: string, extraVolumes: readonly string[] = []): void {
  const spec = asObject(specValue);
  if (!spec) {
    errs.push(required(child(path, 'containers')));
    return;
  }
  const volumes = validateVolumes(errs, spec, path);
  for (const v of extraVolumes) volumes.add(v);
  validateContainers(errs, spec, path, volumes);
  validateEnum(errs, readString(errs, spec, path, 'restartPolicy'), child(path, 'restartPolicy'), RESTART_POLICIES);
  const dnsPolicy = readString(errs, spec, path, 'dnsPolicy');
  validateEnum(errs, dnsPolicy, child(path, 'dnsPolicy'), DNS_POLICIES);
  validateDNS(errs, spec, path, dnsPolicy);
  validateLabels(errs, readStringMap(errs, spec, path, 'nodeSelector'), child(path, 'nodeSelector'));
  const sc = readObject(errs, spec, path, 'securityContext');
  if (sc) validatePodSecurityContext(errs, sc, child(path, 'securityContext'));
  const secretsPath = child(path, 'imagePullSecrets');
  for (const { item, i } of objectsOf(errs, readArray(errs, spec, path, 'imagePullSecrets'), secretsPath)) {
    if (!readString(errs, item, index(secretsPath, i), 'name')) errs.push(required(child(index(secretsPath, i), 'name')));
  }
  const ads = readInt(errs, spec, path, 'activeDeadlineSeconds');
  if (ads !== undefined && (ads < 1 || ads > MAX_INT32)) errs.push(invalid(child(path, 'activeDeadlineSeconds'), ads, inclusiveRangeError(1, MAX_INT32)));
  validateNonnegative(errs, readInt(errs, spec, path, 'terminationGracePeriodSeconds'), child(path, 'terminationGracePeriodSeconds'));
  validateTolerations(errs, spec, path);
  for (const f of ['hostname', 'subdomain'] as const) {
    const v = readString(errs, spec, path, f);
    if (v) for (const msg of isDNS1123Label(v)) errs.push(invalid(child(path, f), v, msg));
  }
  for (const f of ['serviceAccountName', 'priorityClassName', 'nodeName'] as const) {
    const v = readString(errs, spec, path, f);
    if (v) for (const msg of isDNS1123Subdomain(v)) errs.push(invalid(child(path, f), v, msg));
  }
  validateEnum(errs, readString(errs, spec, path, 'preemptionPolicy'), child(path, 'preemptionPolicy'), ['Never', 'PreemptLowerPriority'], false);
  validateTopologySpread(errs, spec, path);
  const aliasesPath = child(path, 'hostAliases');
  for (const { item, i } of objectsOf(errs, readArray(errs, spec, path, 'hostAliases'), aliasesPath)) {
    const ip = readString(errs, item, index(aliasesPath, i), 'ip') ?? '';
    for (const msg of isValidIP(ip)) errs.push(invalid(child(index(aliasesPath, i), 'ip'), ip, msg));
  }
}
