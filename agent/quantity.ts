// Kubernetes resource quantities ("100m", "1", "128Mi", "1Gi", "500M", "1e3") as integers.

// Exact arithmetic (BigInt) because quantities are decimal: 0.1 CPU must be 100 millicores, not
// ceil(100.00000000000001) = 101 as floating point would give.
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 }
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 }

/**
 * Parses a quantity and returns value × scale, rounded up to an integer (as Kubernetes' Value() and
 * MilliValue() round up). null when the string is not a quantity. Numbers are accepted as is.
 */
export function parseQuantityScaled(quantity: string | number | undefined, scale: number): number | null {
  if (quantity === undefined) return null
  if (typeof quantity === 'number') return Number.isFinite(quantity) ? Math.ceil(quantity * scale) : null
  const match = QUANTITY.exec(quantity.trim())
  if (!match) return null
  const [, sign, digits, binary, decimal, exponent] = match
  const [whole, fraction = ''] = digits!.split('.')
  let numerator = BigInt((whole || '0') + fraction) * BigInt(scale)
  let denominator = 10n ** BigInt(fraction.length)
  let exp10 = 0
  if (decimal) exp10 = DECIMAL_SUFFIX[decimal]!
  if (exponent) exp10 = Number(exponent)
  if (Math.abs(exp10) > 60) return null
  if (exp10 >= 0) numerator *= 10n ** BigInt(exp10)
  else denominator *= 10n ** BigInt(-exp10)
  if (binary) numerator *= 2n ** BigInt(BINARY_SUFFIX[binary]!)
  let value = numerator / denominator
  if (numerator % denominator !== 0n) value += 1n
  const result = Number(value)
  return sign === '-' ? -result : result
}

// A heartbeat parses tens of thousands of quantities, but a cluster uses few distinct ones ("100m",
// "128Mi"…), while usage values from metrics-server vary. A small memo skips the BigInt work for the
// repeated ones; it is cleared when full so varying usage values can't grow it without bound.
const MEMO_LIMIT = 4096
const cpuMemo = new Map<string, number>()
const bytesMemo = new Map<string, number>()

function parseMemoized(memo: Map<string, number>, quantity: string | number | undefined, scale: number): number {
  if (typeof quantity !== 'string') return Math.max(0, parseQuantityScaled(quantity, scale) ?? 0)
  const known = memo.get(quantity)
  if (known !== undefined) return known
  const value = Math.max(0, parseQuantityScaled(quantity, scale) ?? 0)
  if (memo.size >= MEMO_LIMIT) memo.clear()
  memo.set(quantity, value)
  return value
}

/** CPU quantity in millicores ("250m" → 250, "1" → 1000, "1.5" → 1500); 0 when absent or invalid. */
export function parseCpuMilli(quantity: string | number | undefined): number {
  return parseMemoized(cpuMemo, quantity, 1000)
}

/** Memory (or any byte) quantity in bytes ("128Mi" → 134217728, "500M" → 500000000); 0 when absent or invalid. */
export function parseBytes(quantity: string | number | undefined): number {
  return parseMemoized(bytesMemo, quantity, 1)
}
