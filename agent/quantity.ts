// Kubernetes resource quantities ("100m", "1", "128Mi", "1Gi", "500M", "1e3") as integers.

// Exact arithmetic (BigInt) because quantities are decimal: 0.1 CPU must be 100 millicores, not
// ceil(100.00000000000001) = 101 as floating point would give.
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/;

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/**
 * Parses a quantity and returns value × scale, rounded up to an integer (as Kubernetes' Value() and
 * MilliValue() round up). null when the string is not a quantity. Numbers are accepted as is.
 */
export function parseQuantityScaled(quantity: string | number | undefined, scale: number): number | null {
  if (quantity === undefined) return null;
  if (typeof quantity === 'number') return Number.isFinite(quantity) ? Math.ceil(quantity * scale) : null;
  const simple = parseWholeQuantity(quantity, scale);
  if (simple !== null) return simple;
  const match = QUANTITY.exec(quantity.trim());
  if (!match) return null;
  const [, sign, digits, binary, decimal, exponent] = match;
  const [whole, fraction = ''] = digits!.split('.');
  let numerator = BigInt((whole || '0') + fraction) * BigInt(scale);
  let denominator = 10n ** BigInt(fraction.length);
  let exp10 = 0;
  if (decimal) exp10 = DECIMAL_SUFFIX[decimal]!;
  if (exponent) exp10 = Number(exponent);
  if (Math.abs(exp10) > 60) return null;
  if (exp10 >= 0) numerator *= 10n ** BigInt(exp10);
  else denominator *= 10n ** BigInt(-exp10);
  if (binary) numerator *= 2n ** BigInt(BINARY_SUFFIX[binary]!);
  let value = numerator / denominator;
  if (numerator % denominator !== 0n) value += 1n;
  const result = Number(value);
  return sign === '-' ? -result : result;
}

// The common shape: whole digits and an optional suffix, as metrics-server writes usage ("41235678n",
// "123456Ki") and most manifests write requests. Whole numbers below 2^53 multiply, and divide by a
// power of ten with an exact remainder, without rounding error, so no BigInt is needed. Scanned by hand:
// a beat parses two of these per pod, and a regular expression's match arrays were most of that cost.
const DECIMAL_SUFFIX_CODE: Record<number, number> = { 110: -9, 117: -6, 109: -3, 107: 3, 77: 6, 71: 9, 84: 12, 80: 15, 69: 18 };
const BINARY_SUFFIX_CODE: Record<number, number> = { 75: 10, 77: 20, 71: 30, 84: 40, 80: 50, 69: 60 };

function parseWholeQuantity(quantity: string, scale: number): number | null {
  const n = quantity.length;
  let digits = 0;
  let whole = 0;
  while (digits < n) {
    const c = quantity.charCodeAt(digits);
    if (c < 48 || c > 57) break;
    whole = whole * 10 + (c - 48);
    digits++;
  }
  if (digits === 0 || digits > 15) return null;
  let exp10 = 0;
  let exp2 = 0;
  if (n - digits === 1) {
    const e = DECIMAL_SUFFIX_CODE[quantity.charCodeAt(digits)];
    if (e === undefined) return null;
    exp10 = e;
  } else if (n - digits === 2 && quantity.charCodeAt(digits + 1) === 105) {
    const e = BINARY_SUFFIX_CODE[quantity.charCodeAt(digits)];
    if (e === undefined) return null;
    exp2 = e;
  } else if (n !== digits) return null;
  let value = whole * scale;
  if (exp2) value *= 2 ** exp2;
  if (exp10 > 0) value *= 10 ** exp10;
  if (!Number.isSafeInteger(value)) return null;
  if (exp10 >= 0) return value;
  const divisor = 10 ** -exp10;
  const remainder = value % divisor;
  return (value - remainder) / divisor + (remainder > 0 ? 1 : 0);
}

/** CPU quantity in millicores ("250m" → 250, "1" → 1000, "1.5" → 1500); 0 when absent or invalid. */
export function parseCpuMilli(quantity: string | number | undefined): number {
  return Math.max(0, parseQuantityScaled(quantity, 1000) ?? 0);
}

/** Memory (or any byte) quantity in bytes ("128Mi" → 134217728, "500M" → 500000000); 0 when absent or invalid. */
export function parseBytes(quantity: string | number | undefined): number {
  return Math.max(0, parseQuantityScaled(quantity, 1) ?? 0);
}
