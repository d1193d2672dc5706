// Clamping of untrusted cluster text to the contract's bounds, and time conversion.

const UNSTORABLE = /[\u0000\uD800-\uDFFF]/;

/**
 * Cuts a string to at most `max` UTF-16 units (the unit TypeBox's maxLength counts), never inside a
 * surrogate pair. NUL and lone surrogates become U+FFFD: Postgres text can store neither, and one such
 * event message must not get every heartbeat of the cluster refused.
 */
export function clampText(text: string | undefined | null, max: number): string {
  if (!text) return '';
  let clean = text;
  if (UNSTORABLE.test(clean)) clean = clean.toWellFormed().replaceAll('\u0000', '\uFFFD');
  if (clean.length <= max) return clean;
  const end = clean.charCodeAt(max - 1) >= 0xd800 && clean.charCodeAt(max - 1) <= 0xdbff ? max - 1 : max;
  return clean.slice(0, end);
}

/** Reads an RFC 3339 timestamp as unix seconds: toUnixSeconds, or a reader that remembers its answers. */
export type TimestampReader = (timestamp: string | undefined | null) => number;

/** RFC 3339 → unix seconds; 0 when absent or unparsable. */
export function toUnixSeconds(timestamp: string | undefined | null): number {
  if (!timestamp) return 0;
  const ms = Date.parse(timestamp);
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
}

// Object timestamps rarely change between heartbeats, and Date.parse was a tenth of the mapping time for
// 1000 pods: the heartbeat loop keeps one of these for its lifetime. Bounded: cleared when full.
const MEMO_LIMIT = 16_384;

/** toUnixSeconds that remembers its recent answers (each reader has its own memory). */
export function createTimestampReader(): TimestampReader {
  const memo = new Map<string, number>();
  return (timestamp) => {
    if (!timestamp) return 0;
    const known = memo.get(timestamp);
    if (known !== undefined) return known;
    const seconds = toUnixSeconds(timestamp);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(timestamp, seconds);
    return seconds;
  };
}
