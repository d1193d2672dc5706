// Clamping of untrusted cluster text to the contract's bounds, and time conversion.

const UNSTORABLE = /[\u0000\uD800-\uDFFF]/

/**
 * Cuts a string to at most `max` UTF-16 units (the unit TypeBox's maxLength counts), never inside a
 * surrogate pair. NUL and lone surrogates become U+FFFD: Postgres text can store neither, and one such
 * event message must not get every heartbeat of the cluster refused.
 */
export function clampText(text: string | undefined | null, max: number): string {
  if (!text) return ''
  let clean = text
  if (UNSTORABLE.test(clean)) clean = clean.toWellFormed().replaceAll('\u0000', '\uFFFD')
  if (clean.length <= max) return clean
  const end = clean.charCodeAt(max - 1) >= 0xd800 && clean.charCodeAt(max - 1) <= 0xdbff ? max - 1 : max
  return clean.slice(0, end)
}

// Object timestamps rarely change between heartbeats, and Date.parse was a tenth of the mapping time for
// 1000 pods: remember recent answers (bounded: cleared when full).
const MEMO_LIMIT = 16_384
const unixMemo = new Map<string, number>()

/** RFC 3339 → unix seconds; 0 when absent or unparsable. */
export function toUnixSeconds(timestamp: string | undefined | null): number {
  if (!timestamp) return 0
  const known = unixMemo.get(timestamp)
  if (known !== undefined) return known
  const ms = Date.parse(timestamp)
  const seconds = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0
  if (unixMemo.size >= MEMO_LIMIT) unixMemo.clear()
  unixMemo.set(timestamp, seconds)
  return seconds
}
