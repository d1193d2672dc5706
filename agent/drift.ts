// Drift of the objects Niro applied: which fields someone else has changed since (`kubectl edit`, `kubectl scale`,
// another tool's apply). The mechanism, chosen to hold against a real API server and to keep the agent stateless:
//
// - At apply time the agent writes the field set of what it applies — paths only, never values — into the annotation
//   `niro.dev/applied-fields` (nested JSON, a leaf is 0; a list is one leaf; a Secret's data is one leaf, so not even
//   its keys are listed). Nothing is persisted by the agent: the object itself carries what Niro applied.
// - The API server records in metadata.managedFields which manager owns which field. An Update (kubectl edit,
//   scale, patch) that changes a field moves it from `niro` to the writer; one that removes it drops it from every
//   set. The server, not the agent, decides what "changed" means, so defaulting and quantity normalisation ("0.5"
//   vs "500m") never show up as drift — what comparing applied values with live values would get wrong.
// - Drift = for each applied leaf, the fields at or under it that another manager owns and `niro` does not (named
//   precisely, e.g. `spec.template.spec.containers[name=web].image`), or the leaf itself when `niro` lost it and
//   nobody owns it (removed). Fields another manager added beside Niro's (a new label) are not drift. Status
//   subresource entries (controllers) never count.
// - Niro re-applies with force: it takes every applied field back, the other managers lose them, drift clears.
import { FIELD_MANAGER, LIMITS, NIRO_LABELS } from '../src/contract/index.ts';

/** A field set: a key per field, 0 for a leaf. */
export interface FieldTree {
  [field: string]: FieldTree | 0;
}

type Json = Record<string, unknown>;

function isMap(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Metadata the API server sets: never part of an applied configuration. */
const SERVER_METADATA: readonly string[] = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
];

function treeOf(value: unknown): FieldTree | 0 {
  if (!isMap(value) || Object.keys(value).length === 0) return 0;
  const out: FieldTree = {};
  for (const [key, child] of Object.entries(value)) out[key] = treeOf(child);
  return out;
}

/** The field set of an object as Niro applies it (the annotation's content). */
export function appliedFieldSet(object: { kind: string; metadata: Json } & Json): FieldTree {
  const out: FieldTree = {};
  const metadata: FieldTree = {};
  for (const [key, value] of Object.entries(object.metadata)) {
    if (SERVER_METADATA.includes(key)) continue;
    if (key === 'annotations' && isMap(value)) {
      const annotations = treeOf(Object.fromEntries(Object.entries(value).filter(([k]) => k !== NIRO_LABELS.appliedFields)));
      if (annotations !== 0) metadata.annotations = annotations;
      continue;
    }
    metadata[key] = treeOf(value);
  }
  if (Object.keys(metadata).length > 0) out.metadata = metadata;
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata' || key === 'status') continue;
    // A Secret's keys stay out too; stringData is stored as data by the API server.
    if (object.kind === 'Secret' && (key === 'data' || key === 'stringData')) out.data = 0;
    else out[key] = treeOf(value);
  }
  return out;
}

/** FieldsV1 of one manager, or the union of several. */
type FieldsV1 = Json;

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

function union(a: FieldsV1, b: FieldsV1): FieldsV1 {
  const out: FieldsV1 = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = isMap(out[key]) && isMap(value) ? union(out[key] as FieldsV1, value) : value;
  return out;
}

/** `k:{"name":"web"}` → `[name=web]`, `v:"x"` → `["x"]`, `f:app.kubernetes.io/name` → `["app.kubernetes.io/name"]`. */
function renderKey(key: string): string {
  if (key.startsWith('f:')) {
    const name = key.slice(2);
    return /^[A-Za-z0-9_-]+$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
  }
  if (key.startsWith('k:')) {
    try {
      const id = JSON.parse(key.slice(2)) as Json;
      return `[${Object.entries(id)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(',')}]`;
    } catch {
      return `[${key.slice(2)}]`;
    }
  }
  if (key.startsWith('v:')) return `[${key.slice(2)}]`;
  if (key.startsWith('i:')) return `[${key.slice(2)}]`;
  return `[${key}]`;
}

function renderPath(keys: string[]): string {
  return keys.map(renderKey).join('').replace(/^\./, '');
}

/** The leaf key paths of a FieldsV1 node ("." marks the item itself and is not a field). */
function leavesOf(node: unknown, prefix: string[], out: string[][]): void {
  const children = isMap(node) ? Object.keys(node).filter((k) => k !== '.') : [];
  if (children.length === 0) {
    out.push(prefix);
    return;
  }
  for (const key of children) leavesOf((node as FieldsV1)[key], [...prefix, key], out);
}

/**
 * Follows `keys` down a FieldsV1 set. A leaf met before the end is a field the server keeps whole (an atomic map such as
 * a LabelSelector, `f:selector: {}`): its owner owns everything under it, so the walk stops there. Returns the node
 * and how many keys were followed; null when the set does not reach that far.
 */
function walk(set: FieldsV1 | undefined, keys: string[]): { node: unknown; depth: number } | null {
  let node: unknown = set;
  for (const [depth, key] of keys.entries()) {
    if (!isMap(node)) return null;
    if (depth > 0 && Object.keys(node).length === 0) return { node, depth };
    if (!(key in node)) return null;
    node = node[key];
  }
  return { node, depth: keys.length };
}

/** The applied leaves as FieldsV1 key paths (`f:` per field). */
function appliedLeaves(tree: FieldTree, prefix: string[], out: string[][]): void {
  for (const [key, child] of Object.entries(tree)) {
    const path = [...prefix, `f:${key}`];
    if (child === 0) out.push(path);
    else appliedLeaves(child, path, out);
  }
}

/** Parses the annotation; null when absent or not a field set (an object applied before drift was tracked). */
export function readAppliedFields(annotations: Record<string, string> | undefined): FieldTree | null {
  const text = annotations?.[NIRO_LABELS.appliedFields];
  if (!text) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return isMap(value) ? (value as FieldTree) : null;
  } catch {
    return null;
  }
}

/** Bounds the list as the contract does: at most driftPathsPerObject paths, the last saying how many were left out. */
function bound(paths: string[]): string[] {
  const cut = paths.map((p) => (p.length > LIMITS.driftPath ? `${p.slice(0, LIMITS.driftPath - 1)}…` : p));
  if (cut.length <= LIMITS.driftPathsPerObject) return cut;
  const kept = cut.slice(0, LIMITS.driftPathsPerObject - 1);
  return [...kept, `… ${cut.length - kept.length} more`];
}

/** The drift of a live object: field paths Niro applied that another manager changed or that were removed. */
export function driftOf(metadata: { annotations?: Record<string, string>; managedFields?: unknown }): string[] {
  const applied = readAppliedFields(metadata.annotations);
  if (!applied) return [];
  const entries = (Array.isArray(metadata.managedFields) ? metadata.managedFields : []) as ManagedFieldsEntry[];
  let niro: FieldsV1 = {};
  const others: FieldsV1[] = [];
  for (const entry of entries) {
    if (!isMap(entry) || !isMap(entry.fieldsV1) || entry.subresource === 'status') continue;
    if (entry.manager === FIELD_MANAGER) niro = union(niro, entry.fieldsV1);
    else others.push(entry.fieldsV1);
  }
  const leaves: string[][] = [];
  appliedLeaves(applied, [], leaves);
  const drift = new Set<string>();
  for (const leaf of leaves) {
    let taken = false;
    for (const other of others) {
      const found = walk(other, leaf);
      if (!found) continue;
      const paths: string[][] = [];
      leavesOf(found.node, leaf.slice(0, found.depth), paths);
      for (const path of paths) {
        // Shared ownership (another applier set the same value) is not drift: Niro still owns the field.
        if (walk(niro, path)) continue;
        drift.add(renderPath(path));
        taken = true;
      }
    }
    if (!taken && !walk(niro, leaf)) drift.add(renderPath(leaf));
  }
  return bound([...drift].sort());
}
