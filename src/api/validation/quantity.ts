/** Parsing of Kubernetes resource quantities ("500m", "1.5Gi", "2e3") into plain numbers of base units. */

/** The grammar Kubernetes accepts; used verbatim in its error message for unparsable quantities. */
export const QUANTITY_REGEX = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Readonly<Record<string, number>> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/**
 * Returns the value in base units (cores, bytes), or undefined when the string is not a quantity.
 * Precision is that of a double, enough to compare requests with limits.
 */
export function parseQuantity(s: string): number | undefined {
  const m = /^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(.*)$/.exec(s.trim() === s ? s : '');
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const mantissa = Number(m[2]);
  const suffix = m[3] ?? '';
  if (!Number.isFinite(mantissa)) return undefined;
  let factor: number | undefined = BINARY[suffix] ?? DECIMAL[suffix];
  if (factor === undefined) {
    const exp = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
    if (!exp) return undefined;
    factor = 10 ** Number(exp[1]);
  }
  return sign * mantissa * factor;
}
