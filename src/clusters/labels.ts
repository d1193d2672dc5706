// Cluster labels: operator-set key/value pairs (`site: berlin`, `region: eu`) that deployments target. Checked
// as Kubernetes checks object labels, so what an operator knows from kubectl holds here too. Pure.

/** A cluster carries at most this many labels. */
export const MAX_CLUSTER_LABELS = 32;

/** Name part of a key, and a value: at most 63 characters, alphanumerics with `-`, `_`, `.` inside. */
const NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/;
/** Optional key prefix: a DNS subdomain (lowercase labels joined by dots), at most 253 characters. */
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export const LABEL_RULE =
  'keys are an optional DNS-subdomain prefix and "/" then a name of at most 63 characters (letters, digits, "-", "_", "." inside); values are empty or such a name';

/** Why `key` is not a Kubernetes label key; null when it is one. */
export function labelKeyProblem(key: string): string | null {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null) {
    if (prefix.length === 0 || prefix.length > 253 || !prefix.split('.').every((part) => part.length <= 63 && DNS_LABEL.test(part))) {
      return 'the prefix before "/" must be a DNS subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)';
    }
  }
  if (name.length === 0) return 'must not be empty';
  if (name.length > 63) return 'the name part may be at most 63 characters';
  if (!NAME.test(name)) return 'the name part must be letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  return null;
}

/** Why `value` is not a Kubernetes label value; null when it is one (empty is allowed). */
export function labelValueProblem(value: string): string | null {
  if (value.length === 0) return null;
  if (value.length > 63) return 'may be at most 63 characters';
  if (!NAME.test(value)) return 'must be empty, or letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  return null;
}

export type LabelsCheck = { ok: true; labels: Record<string, string> } | { ok: false; field: string; message: string };

/**
 * Labels as a client sent them (a JSON object of strings), checked: `field` names the bad entry as sent
 * (`labels.site`), under `root`. Keys come back sorted, so equal sets store and compare equal.
 */
export function checkLabels(input: unknown, root = 'labels'): LabelsCheck {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return { ok: false, field: root, message: 'must be an object of key: value strings' };
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > MAX_CLUSTER_LABELS) return { ok: false, field: root, message: `at most ${MAX_CLUSTER_LABELS} labels (got ${entries.length})` };
  const out: Record<string, string> = {};
  for (const [key, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const field = `${root}.${key.length > 80 ? `${key.slice(0, 80)}…` : key}`;
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) return { ok: false, field, message: `key ${keyProblem}` };
    if (typeof value !== 'string') return { ok: false, field, message: 'value must be a string' };
    const valueProblem = labelValueProblem(value);
    if (valueProblem) return { ok: false, field, message: `value ${valueProblem}` };
    out[key] = value;
  }
  return { ok: true, labels: out };
}

/**
 * Labels typed into a form, one `key=value` per line (blank lines ignored), checked as above; `line N` names
 * a line that has no "=".
 */
export function parseLabelLines(text: string, root = 'labels'): LabelsCheck {
  const labels: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_CLUSTER_LABELS * 4) return { ok: false, field: root, message: `at most ${MAX_CLUSTER_LABELS} labels` };
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq < 0) return { ok: false, field: root, message: `line ${i + 1}: write key=value` };
    const key = line.slice(0, eq).trim();
    if (key in labels) return { ok: false, field: `${root}.${key}`, message: `line ${i + 1}: the key appears twice` };
    labels[key] = line.slice(eq + 1).trim();
  }
  return checkLabels(labels, root);
}

/** Labels as form lines, sorted by key. */
export function labelLines(labels: Record<string, string>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}
