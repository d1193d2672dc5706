// metadata.managedFields as the API server records them: which manager set which fields, in the
// FieldsV1 notation ("f:<field>" for a field, "k:{…}" for a keyed list item, "." for the item itself).
// Real pods carry two entries (the controller's spec, the kubelet's status) that are often as large as
// the rest of the object, so every client listing pods pays for them — the agent included.
import type { JsonObject } from './store.ts';

/** The merge keys of the keyed lists (x-kubernetes-list-map-keys); other lists are owned whole. */
const LIST_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  ports: ['containerPort', 'protocol'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  imagePullSecrets: ['name'],
  hostIPs: ['ip'],
  podIPs: ['ip'],
};

/**
 * The FieldsV1 set of a value: its fields (and keyed list items) down to the leaves. "." marks a list
 * item and a map of plain values (labels, limits), which a manager owns as a whole besides its keys.
 */
export function fieldsOf(value: unknown, field = '', item = false): JsonObject {
  if (Array.isArray(value)) {
    const keys = LIST_KEYS[field];
    if (!keys) return {};
    const out: JsonObject = {};
    for (const item of value) {
      if (!item || typeof item !== 'object') continue;
      const id = Object.fromEntries(keys.map((k) => [k, (item as JsonObject)[k]]).filter(([, v]) => v !== undefined));
      out[`k:${JSON.stringify(id)}`] = fieldsOf(item, '', true);
    }
    return out;
  }
  if (!value || typeof value !== 'object') return {};
  const entries = Object.entries(value as JsonObject);
  const plainMap = entries.length > 0 && entries.every(([, child]) => child === null || typeof child !== 'object');
  const out: JsonObject = item || (plainMap && field !== '') ? { '.': {} } : {};
  for (const [key, child] of entries) out[`f:${key}`] = fieldsOf(child, key);
  return out;
}

/** The two entries of a pod: its creator's (metadata and spec) and the kubelet's (status subresource). */
export function podManagedFields(
  pod: { metadata: JsonObject; spec: unknown; status: unknown },
  creator: string,
  createdAt: string,
  statusAt: string,
): JsonObject[] {
  const { generateName, labels, annotations, ownerReferences, finalizers } = pod.metadata;
  const metadata = Object.fromEntries(Object.entries({ generateName, labels, annotations, ownerReferences, finalizers }).filter(([, v]) => v !== undefined));
  return [
    { apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: fieldsOf({ metadata, spec: pod.spec }), manager: creator, operation: 'Update', time: createdAt },
    {
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsOf({ status: pod.status }),
      manager: creator === 'kubectl-create' ? 'kubelet' : creator,
      operation: 'Update',
      subresource: 'status',
      time: statusAt,
    },
  ];
}

// Server-side apply's ownership bookkeeping, as the API server keeps it for writes to the main resource:
// - Apply: the applier owns exactly the fields of its configuration; with force (Niro always forces) every
//   other manager loses those fields.
// - Update (create, PUT, a JSON/merge/strategic patch such as `kubectl edit`): the writer takes the fields whose
//   value it changed or added; the other managers lose them; fields it removed leave every set.
// A manager whose set becomes empty disappears. Status writes by controllers are not recorded here.

/** Metadata the server sets itself: never part of anyone's field set. */
const SERVER_METADATA = [
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

function isPlain(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The object less what no manager owns: apiVersion, kind, status and server-set metadata. */
export function configOf(object: JsonObject): JsonObject {
  const { apiVersion: _a, kind: _k, status: _s, metadata, ...rest } = object;
  const meta = isPlain(metadata) ? { ...metadata } : {};
  for (const key of SERVER_METADATA) delete meta[key];
  return Object.keys(meta).length > 0 ? { metadata: meta, ...rest } : rest;
}

function isEmptySet(set: unknown): boolean {
  return !isPlain(set) || Object.keys(set).length === 0;
}

function itemId(item: unknown, keys: string[]): string | null {
  if (!isPlain(item)) return null;
  return `k:${JSON.stringify(Object.fromEntries(keys.map((k) => [k, item[k]]).filter(([, v]) => v !== undefined)))}`;
}

/** The fields of `after` whose value differs from `before` (added or changed), as a FieldsV1 set; null when none. */
export function changedFields(before: unknown, after: unknown, field = ''): JsonObject | null {
  if (isPlain(before) && isPlain(after)) {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(after)) {
      const change = key in before ? changedFields(before[key], value, key) : fieldsOf(value, key);
      if (change !== null) out[`f:${key}`] = change;
    }
    return Object.keys(out).length > 0 ? out : null;
  }
  const keys = LIST_KEYS[field];
  if (keys && Array.isArray(before) && Array.isArray(after)) {
    const out: JsonObject = {};
    const old = new Map(before.map((item) => [itemId(item, keys), item]));
    for (const item of after) {
      const id = itemId(item, keys);
      if (id === null) continue;
      const change = old.has(id) ? changedFields(old.get(id), item) : fieldsOf(item, '', true);
      if (change !== null) out[id] = change;
    }
    return Object.keys(out).length > 0 ? out : null;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? null : fieldsOf(after, field);
}

/** The fields of `before` that `after` no longer has, as a FieldsV1 set; null when none. */
export function removedFields(before: unknown, after: unknown, field = ''): JsonObject | null {
  if (isPlain(before) && isPlain(after)) {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(before)) {
      const gone = key in after ? removedFields(value, after[key], key) : fieldsOf(value, key);
      if (gone !== null) out[`f:${key}`] = gone;
    }
    return Object.keys(out).length > 0 ? out : null;
  }
  const keys = LIST_KEYS[field];
  if (keys && Array.isArray(before) && Array.isArray(after)) {
    const out: JsonObject = {};
    const current = new Map(after.map((item) => [itemId(item, keys), item]));
    for (const item of before) {
      const id = itemId(item, keys);
      if (id === null) continue;
      const gone = current.has(id) ? removedFields(item, current.get(id)) : fieldsOf(item, '', true);
      if (gone !== null) out[id] = gone;
    }
    return Object.keys(out).length > 0 ? out : null;
  }
  return null;
}

/** `a` less every field of `b` (a leaf of `b` takes the whole subtree of `a` under it). */
export function subtractFields(a: JsonObject, b: JsonObject | null): JsonObject {
  if (!b) return a;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(a)) {
    if (!(key in b)) out[key] = value;
    else if (isEmptySet(b[key]) || isEmptySet(value)) continue;
    else {
      const rest = subtractFields(value as JsonObject, b[key] as JsonObject);
      if (!isEmptySet(rest)) out[key] = rest;
    }
  }
  return out;
}

export function unionFields(a: JsonObject, b: JsonObject | null): JsonObject {
  if (!b) return a;
  const out: JsonObject = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = key in out && isPlain(out[key]) ? unionFields(out[key] as JsonObject, value as JsonObject) : value;
  return out;
}

type Entry = JsonObject & { manager?: unknown; operation?: unknown; subresource?: unknown; fieldsV1?: unknown };

function setOf(entry: Entry): JsonObject {
  return isPlain(entry.fieldsV1) ? entry.fieldsV1 : {};
}

/** Entries after `manager` applied `applied` (force: the others lose those fields). */
export function recordApply(entries: unknown[] | undefined, manager: string, applied: JsonObject, apiVersion: string, time: string): JsonObject[] {
  const owned = fieldsOf(configOf(applied));
  const others = ((entries ?? []) as Entry[])
    .filter((e) => isPlain(e) && !(e.manager === manager && e.operation === 'Apply'))
    .map((e) => (e.subresource ? e : { ...e, fieldsV1: subtractFields(setOf(e), owned) }))
    .filter((e) => !isEmptySet(e.fieldsV1));
  return [...others, { apiVersion, fieldsType: 'FieldsV1', fieldsV1: owned, manager, operation: 'Apply', time }];
}

/** Entries after `manager` wrote `after` over `before` with an update (create: `before` null). */
export function recordUpdate(
  entries: unknown[] | undefined,
  manager: string | undefined,
  before: JsonObject | null,
  after: JsonObject,
  apiVersion: string,
  time: string,
): JsonObject[] {
  const next = configOf(after);
  const prev = before ? configOf(before) : {};
  const changed = before ? changedFields(prev, next) : fieldsOf(next);
  const removed = before ? removedFields(prev, next) : null;
  const kept = ((entries ?? []) as Entry[]).filter((e) => isPlain(e) && !(manager && e.manager === manager && e.operation === 'Update' && !e.subresource));
  const mine = ((entries ?? []) as Entry[]).find((e) => isPlain(e) && manager && e.manager === manager && e.operation === 'Update' && !e.subresource);
  const others = kept
    .map((e) => (e.subresource ? e : { ...e, fieldsV1: subtractFields(subtractFields(setOf(e), changed), removed) }))
    .filter((e) => !isEmptySet(e.fieldsV1));
  if (!manager) return others;
  const owned = subtractFields(unionFields(mine ? setOf(mine) : {}, changed), removed);
  if (isEmptySet(owned)) return others;
  return [...others, { apiVersion, fieldsType: 'FieldsV1', fieldsV1: owned, manager, operation: 'Update', time }];
}

/**
 * Fields `manager` applied before and no longer applies, that no other manager owns: server-side apply removes them
 * from the object (a revision that drops an env var or a ConfigMap key takes it away).
 */
export function staleFields(entries: unknown[] | undefined, manager: string, applied: JsonObject): JsonObject {
  const list = ((entries ?? []) as Entry[]).filter((e) => isPlain(e));
  const previous = list.find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
  if (!previous) return {};
  let stale = subtractFields(setOf(previous), fieldsOf(configOf(applied)));
  for (const other of list) if (other !== previous && !other.subresource) stale = subtractFields(stale, setOf(other));
  return stale;
}

/** Removes the fields of `set` from `value` in place; a keyed list item goes when its "." (the item itself) is in the set. */
export function removeFields(value: JsonObject, set: JsonObject): void {
  for (const [key, child] of Object.entries(set)) {
    if (!key.startsWith('f:')) continue;
    const name = key.slice(2);
    if (!(name in value)) continue;
    const current = value[name];
    if (isEmptySet(child)) delete value[name];
    else if (Array.isArray(current) && LIST_KEYS[name]) {
      const keys = LIST_KEYS[name]!;
      value[name] = current.filter((item) => {
        const node = (child as JsonObject)[itemId(item, keys) ?? ''];
        if (!isPlain(node)) return true;
        if ('.' in node) return false;
        removeFields(item as JsonObject, node);
        return true;
      });
    } else if (isPlain(current)) removeFields(current, child as JsonObject);
  }
}
