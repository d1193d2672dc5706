// What every `kubectl get` printer shares: the column definition, apimachinery's human durations and ages, and the
// cell texts of pod templates, label selectors and counts.
import type { JsonObject } from './objects.ts';
import type { KubeObject } from './store.ts';

export type Column = { name: string; type: string; format: string; description: string; priority: number };
export type Printer = { columns: Column[]; row: (object: KubeObject, now: number) => unknown[] };

export function col(name: string, description = '', priority = 0, type = 'string', format = ''): Column {
  return { name, type, format, description, priority };
}

/** apimachinery's HumanDuration: 45s, 3m10s, 5h, 2d4h, 90d. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  return `${Math.floor(hours / 24 / 365)}y`;
}

export function since(timestamp: unknown, now: number): string {
  if (typeof timestamp !== 'string') return '<unknown>';
  return humanDuration(now - Date.parse(timestamp));
}

export function age(object: KubeObject, now: number): string {
  return since(object.metadata.creationTimestamp, now);
}

export function containersAndImages(template: unknown): [string, string] {
  const spec = ((template as { spec?: { containers?: JsonObject[] } } | undefined)?.spec ?? {}) as { containers?: JsonObject[] };
  const containers = spec.containers ?? [];
  return [containers.map((c) => String(c.name)).join(','), containers.map((c) => String(c.image)).join(',')];
}

export function selectorText(selector: unknown): string {
  const labels = (selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {};
  const text = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return text || '<none>';
}

export function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

export const NAME = col('Name', 'Name must be unique within a namespace.', 0, 'string', 'name');
export const AGE = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');
