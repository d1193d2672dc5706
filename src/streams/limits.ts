// The bounds one stream lives within (src/config.ts StreamLimits): long lines cut with a marker, a
// lines-per-second budget beyond which lines are dropped and counted, and the byte/line caps that end it.
import type { StreamLimits } from '../config';

/** The marker a cut line ends with; says how much was cut so nobody mistakes it for the whole line. */
export function truncationMarker(cutChars: number): string {
  return ` … [line truncated: ${cutChars} more characters]`;
}

/** The line as stored and shown: at most `maxChars` characters of it, plus the marker when cut. */
export function shapeLine(line: string, maxChars: number): string {
  if (line.length <= maxChars) return line;
  let end = maxChars;
  // Never leave half a surrogate pair at the cut.
  const last = line.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return line.slice(0, end) + truncationMarker(line.length - end);
}

/** Token bucket: `rate` lines per second sustained, bursts up to two seconds' worth. */
export class LineBudget {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    now: number,
  ) {
    this.tokens = rate * 2;
    this.at = now;
  }

  /** Takes one line's token; false means drop it (and count it). */
  take(now: number): boolean {
    if (now > this.at) {
      this.tokens = Math.min(this.rate * 2, this.tokens + ((now - this.at) / 1000) * this.rate);
      this.at = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const mib = (bytes: number): string => (bytes >= 1024 * 1024 ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB` : `${Math.round(bytes / 1024)} KiB`);

/** Why a stream that carried this much must end now, or null while it is within its caps. */
export function capReached(limits: StreamLimits, carried: { bytes: number; lines: number }): string | null {
  if (carried.lines >= limits.maxLines) return `line cap reached (${limits.maxLines} lines per stream)`;
  if (carried.bytes >= limits.maxBytes) return `byte cap reached (${mib(limits.maxBytes)} per stream)`;
  return null;
}

export function throttledNote(dropped: number): string {
  return `stream throttled: ${dropped} ${dropped === 1 ? 'line' : 'lines'} dropped`;
}
