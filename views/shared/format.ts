// Number formats shared by the server-rendered views and the browser scripts (static/charts.ts bundles
// this file): plain functions, no JSX, no imports, so a browser bundle can take them.

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
