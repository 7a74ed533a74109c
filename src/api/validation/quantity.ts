/** Parsing of Kubernetes resource quantities ("500m", "1.5Gi", "2e3") into plain numbers of base units. */

/** The grammar Kubernetes accepts; used verbatim in its error message for unparsable quantities. */
export const QUANTITY_REGEX = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
/** Powers of ten; kept as exponents so that small units divide exactly ("7n" is 7e-9, not 7.000000000000001e-9). */
const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

function scale(mantissa: number, exp: number): number {
  return exp >= 0 ? mantissa * 10 ** exp : mantissa / 10 ** -exp;
}

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
  const binary = BINARY[suffix];
  if (binary !== undefined) return sign * mantissa * binary;
  const decimal = DECIMAL[suffix];
  if (decimal !== undefined) return sign * scale(mantissa, decimal);
  const exp = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
  return exp ? sign * scale(mantissa, Number(exp[1])) : undefined;
}
