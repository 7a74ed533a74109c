/** Rewrites resource quantities into the canonical form Kubernetes stores ("1000m" → "1", "1024Mi" → "1Gi"). */
import { isPlainObject } from '../machinery/object.js';
import { child, items, type JsonObject } from './fields.js';

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const BINARY_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
/** Kubernetes keeps nothing finer than nano units; finer values round up, away from zero. */
const NANO_SCALE = 9;
/** Binary quantities are capped at the largest int64, as Kubernetes does when parsing. */
const MAX_INT64 = 2n ** 63n - 1n;

/** A parsed quantity: |value| = unscaled × 10^-scale, with the format its suffix selects. */
interface Parsed {
  negative: boolean;
  unscaled: bigint;
  scale: number;
  format: Format;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

function interpretSuffix(suffix: string): { base: 2 | 10; exponent: number; format: Format } | undefined {
  if (suffix in DECIMAL_SUFFIXES) return { base: 10, exponent: DECIMAL_SUFFIXES[suffix], format: 'DecimalSI' };
  if (suffix in BINARY_SUFFIXES) return { base: 2, exponent: BINARY_SUFFIXES[suffix], format: 'BinarySI' };
  const m = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
  if (m) return { base: 10, exponent: Number(m[1]), format: 'DecimalExponent' };
  return undefined;
}

function parse(s: string): Parsed | undefined {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[+-]?[0-9]*)$/.exec(s);
  if (!m) return undefined;
  const [, sign, num = '', denom = '', suffix = ''] = m;
  if (num === '' && denom === '') return undefined;
  const how = interpretSuffix(suffix);
  if (!how) return undefined;
  let unscaled = BigInt(`${num}${denom}` || '0');
  let scale = denom.length;
  if (how.base === 2) unscaled <<= BigInt(how.exponent);
  else scale -= how.exponent;
  if (scale < 0) {
    unscaled *= pow10(-scale);
    scale = 0;
  }
  if (scale > NANO_SCALE) {
    const divisor = pow10(scale - NANO_SCALE);
    unscaled = unscaled / divisor + (unscaled % divisor === 0n ? 0n : 1n);
    scale = NANO_SCALE;
  }
  if (how.format === 'BinarySI' && unscaled > MAX_INT64 * pow10(scale)) {
    unscaled = MAX_INT64;
    scale = 0;
  }
  return { negative: sign === '-', unscaled, scale, format: how.format };
}

function removeFactors(value: bigint, base: bigint): [bigint, number] {
  let times = 0;
  while (value >= base && value % base === 0n) {
    value /= base;
    times++;
  }
  return [value, times];
}

/** The mantissa and a power of ten that is a multiple of 3, with the mantissa as small as that allows. */
function decimalParts(unscaled: bigint, scale: number): [bigint, number] {
  const [mantissa, times] = removeFactors(unscaled, 10n);
  let exponent = times - scale;
  let amount = mantissa;
  while (exponent % 3 !== 0) {
    amount *= 10n;
    exponent--;
  }
  return [amount, exponent];
}

/**
 * Kubernetes' canonical form of a quantity string, as its API server writes it back: the suffix
 * family (decimal SI, binary SI, or decimal exponent) is kept, trailing zeros move into the
 * largest suffix of that family, and values finer than 1n round up. Binary values below 1024 or
 * with a fractional part have no exact binary spelling and are written as decimal SI instead.
 * Strings that are not quantities are returned unchanged for validation to report.
 */
export function canonicalQuantity(s: string): string {
  const q = parse(s);
  if (!q) return s;
  if (q.unscaled === 0n) return '0';
  const sign = q.negative ? '-' : '';
  let format = q.format;
  if (format === 'BinarySI') {
    const whole = q.unscaled % pow10(q.scale) === 0n;
    if (!whole || q.unscaled < 1024n * pow10(q.scale)) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    const [amount, times] = removeFactors(q.unscaled / pow10(q.scale), 1024n);
    return `${sign}${amount}${BINARY_BY_POWER[times]}`;
  }
  let [amount, exponent] = decimalParts(q.unscaled, q.scale);
  if (format === 'DecimalExponent') return `${sign}${amount}${exponent === 0 ? '' : `e${exponent}`}`;
  // Beyond exa there is no SI suffix: spell the excess out in digits rather than lose it.
  if (exponent > 18) {
    amount *= pow10(exponent - 18);
    exponent = 18;
  }
  return `${sign}${amount}${DECIMAL_BY_EXPONENT.get(exponent) ?? ''}`;
}

/** JSON numbers are quantities too (`cpu: 2` in YAML); Kubernetes stores them as canonical strings. */
function canonicalValue(v: unknown): unknown {
  if (typeof v === 'string') return canonicalQuantity(v);
  if (typeof v === 'number' && Number.isFinite(v)) return canonicalQuantity(String(v));
  return v;
}

/** Canonicalizes every value of a resource list (`{cpu: "1000m", memory: "1024Mi"}`) in place. */
export function canonicalizeResourceList(list: unknown): void {
  if (!isPlainObject(list)) return;
  for (const [k, v] of Object.entries(list)) list[k] = canonicalValue(v);
}

function canonicalizeRequirements(holder: JsonObject | undefined): void {
  const resources = holder ? child(holder, 'resources') : undefined;
  if (!resources) return;
  canonicalizeResourceList(resources['requests']);
  canonicalizeResourceList(resources['limits']);
}

function canonicalizeClaimSpec(spec: JsonObject | undefined): void {
  canonicalizeRequirements(spec);
}

function canonicalizePodSpec(spec: JsonObject | undefined): void {
  if (!spec) return;
  for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const container of items(spec, key)) canonicalizeRequirements(container);
  }
  // Pod-level resources and the runtime class overhead are resource lists as well.
  canonicalizeRequirements(spec);
  canonicalizeResourceList(spec['overhead']);
  for (const volume of items(spec, 'volumes')) {
    const emptyDir = child(volume, 'emptyDir');
    if (emptyDir && emptyDir['sizeLimit'] !== undefined && emptyDir['sizeLimit'] !== null) emptyDir['sizeLimit'] = canonicalValue(emptyDir['sizeLimit']);
    canonicalizeClaimSpec(child(child(child(volume, 'ephemeral') ?? {}, 'volumeClaimTemplate') ?? {}, 'spec'));
  }
}

const templateSpec = (holder: JsonObject | undefined): JsonObject | undefined => child(child(holder ?? {}, 'template') ?? {}, 'spec');

/** Where each kind keeps quantities, by `group/version/Kind` as the defaulters are keyed. */
const CANONICALIZERS: ReadonlyMap<string, (obj: JsonObject) => void> = new Map<string, (obj: JsonObject) => void>([
  ['/v1/Pod', (o) => canonicalizePodSpec(child(o, 'spec'))],
  ['/v1/PodTemplate', (o) => canonicalizePodSpec(templateSpec(o))],
  ['/v1/ReplicationController', (o) => canonicalizePodSpec(templateSpec(child(o, 'spec')))],
  ['apps/v1/Deployment', (o) => canonicalizePodSpec(templateSpec(child(o, 'spec')))],
  ['apps/v1/ReplicaSet', (o) => canonicalizePodSpec(templateSpec(child(o, 'spec')))],
  ['apps/v1/DaemonSet', (o) => canonicalizePodSpec(templateSpec(child(o, 'spec')))],
  ['apps/v1/StatefulSet', (o) => {
    const spec = child(o, 'spec');
    canonicalizePodSpec(templateSpec(spec));
    for (const claim of spec ? items(spec, 'volumeClaimTemplates') : []) canonicalizeClaimSpec(child(claim, 'spec'));
  }],
  ['batch/v1/Job', (o) => canonicalizePodSpec(templateSpec(child(o, 'spec')))],
  ['batch/v1/CronJob', (o) => canonicalizePodSpec(templateSpec(child(child(child(o, 'spec') ?? {}, 'jobTemplate') ?? {}, 'spec')))],
  ['/v1/PersistentVolumeClaim', (o) => {
    canonicalizeClaimSpec(child(o, 'spec'));
    const status = child(o, 'status');
    canonicalizeResourceList(status?.['capacity']);
    canonicalizeResourceList(status?.['allocatedResources']);
  }],
  ['/v1/PersistentVolume', (o) => canonicalizeResourceList(child(o, 'spec')?.['capacity'])],
  ['/v1/Node', (o) => {
    const status = child(o, 'status');
    canonicalizeResourceList(status?.['capacity']);
    canonicalizeResourceList(status?.['allocatable']);
  }],
]);

/** Canonicalizes, in place, the quantities of an object of the kind keyed `group/version/Kind`. */
export function canonicalizeQuantities(kindKey: string, obj: JsonObject): void {
  CANONICALIZERS.get(kindKey)?.(obj);
}
