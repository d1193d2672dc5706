// Where the browser goes after signing in (or switching org): only a path on our own origin.

/** A stand-in origin to resolve paths against; any origin would do, this one cannot be registered. */
const BASE = 'http://niro.invalid';

/**
 * `raw` when it is a path on this origin, normalised to what may go in a Location header; otherwise `/`.
 * Refused: anything with a control character or whitespace (a browser drops tabs and newlines from URLs,
 * so `/\t/evil.example` becomes `//evil.example`), a backslash (browsers read `/\` as `//`), a
 * scheme-relative `//host`, and whatever resolves to another origin or normalises to `//…` (`/.//evil`).
 */
export function safeNextPath(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) return '/';
  if (!raw.startsWith('/') || raw.startsWith('//')) return '/';
  if (/[\u0000-\u0020\u007f-\u009f\\\u2028\u2029]/.test(raw)) return '/';
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE) return '/';
  const path = url.pathname + url.search + url.hash;
  return path.startsWith('/') && !path.startsWith('//') ? path : '/';
}
