/** Int-or-percent fields (maxSurge, maxUnavailable, minAvailable): syntax and the 100% ceiling. */
import { type Causes, invalid, MSG_NONNEGATIVE } from './causes.js';
import { isValidPercent } from './formats.js';

export function validatePositiveIntOrPercent(errs: Causes, v: number | string | undefined, path: string): void {
  if (v === undefined) return;
  if (typeof v === 'string') {
    for (const msg of isValidPercent(v)) errs.push(invalid(path, v, msg));
  } else if (v < 0) {
    errs.push(invalid(path, v, MSG_NONNEGATIVE));
  }
}

export function percentValue(v: number | string | undefined): number | undefined {
  if (typeof v !== 'string' || !/^[0-9]+%$/.test(v)) return undefined;
  return Number(v.slice(0, -1));
}

export function validateNotMoreThan100Percent(errs: Causes, v: number | string | undefined, path: string): void {
  const pct = percentValue(v);
  if (pct !== undefined && pct > 100 && v !== undefined) errs.push(invalid(path, v, 'must not be greater than 100%'));
}

/** The number an int-or-percent stands for when only zero-ness matters. */
export function isZeroIntOrPercent(v: number | string | undefined): boolean {
  if (v === undefined) return true;
  if (typeof v === 'number') return v === 0;
  return percentValue(v) === 0;
}
