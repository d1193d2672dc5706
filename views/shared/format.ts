// Number and time formats shared by the server-rendered views and the browser scripts (static/charts.ts and
// static/relative-time.ts bundle this file): plain functions, no JSX, no imports, so a browser bundle can take them.

/** "1.5" but "2", not "2.0": one decimal, dropped when it is zero. */
function oneDecimal(v: number): string {
  const s = v.toFixed(1);
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}

/** Millicores as "250m" below one core, "1.5 cores" from one core up ("1 core", never "1.0 cores"). */
export function formatCpu(milli: number): string {
  if (milli < 1000) return `${milli}m`;
  const cores = milli / 1000;
  const text = cores >= 10 ? cores.toFixed(0) : oneDecimal(cores);
  return `${text} ${text === '1' ? 'core' : 'cores'}`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes in binary units: "512 B", "1.5 KiB", "12 MiB", "1 GiB". */
export function formatBytes(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? v.toFixed(0) : oneDecimal(v)} ${BYTE_UNITS[i]}`;
}

/** "3.6 / 12 cores", "9 / 24 GiB": used and total in `format`, the unit said once when both share it. */
export function formatUsedOf(used: number, total: number, format: (n: number) => string): string {
  const a = format(used);
  const b = format(total);
  const unitA = a.slice(a.lastIndexOf(' ') + 1);
  const unitB = b.slice(b.lastIndexOf(' ') + 1);
  return a.includes(' ') && unitA === unitB ? `${a.slice(0, a.lastIndexOf(' '))} / ${b}` : `${a} / ${b}`;
}

/**
 * Steps between memory axis ticks: powers of two from 1 KiB to 8 TiB, so ticks fall on round binary
 * figures (256 MiB, 512 MiB, 1 GiB) rather than on decimal ones printed in binary units (954 MiB).
 */
export const BINARY_TICK_STEPS: readonly number[] = Array.from({ length: 34 }, (_, i) => 2 ** (10 + i));

/** "1 pod", "3 pods", "1 restart"; `many` for irregular plurals. Counts print with thousands separators. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** How loaded a utilisation figure is: below 70 % normal, from 70 % a warning, from 90 % critical. */
export type LoadLevel = 'normal' | 'warn' | 'crit';

export function loadLevel(percent: number): LoadLevel {
  if (percent >= 90) return 'crit';
  if (percent >= 70) return 'warn';
  return 'normal';
}

/** "12 s ago", "5 min ago", "3 h ago", "2 d ago", for a moment `seconds` in the past (a future one reads "0 s ago"). */
export function formatAgo(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** "45s", "12m", "3h", "5d" — kubectl's AGE column. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** How long something lasted: "45 s", "12 min", "3 h" (rounded). */
export function formatSpan(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** A moment as the server writes it: absolute, in UTC, to the second ("2025-06-01 12:00:05 UTC"). */
export function formatUtc(at: Date): string {
  return `${at.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}
