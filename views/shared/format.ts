// Number and time formats shared by the server-rendered views and the browser scripts (static/charts.ts and
// static/relative-time.ts bundle this file): plain functions, no JSX, no imports, so a browser bundle can take them.

/** Millicores as "250m" below one core, "1.5 cores" from one core up. */
export function formatCpu(milli: number): string {
  if (milli < 1000) return `${milli}m`;
  const cores = milli / 1000;
  return `${cores >= 10 ? cores.toFixed(0) : cores.toFixed(1)} cores`;
}

/** Bytes in binary units: "512 B", "1.5 KiB", "12 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
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
