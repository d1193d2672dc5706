// The object store: every simulated object as real Kubernetes JSON, filed by resource and "namespace/name".
// Objects are serialized once per change and lists join the cached strings, so listing 1000 pods costs a string join.

/** Any Kubernetes JSON object, before the simulator gives it a typed shape. */
export type JsonObject = Record<string, unknown>;

export type OwnerReference = {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
};

export type ObjectMeta = {
  name: string;
  namespace?: string;
  generateName?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
};

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
};

/** `previous`: the object a MODIFIED replaced, when it was replaced whole (a watch with a selector needs it). */
export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; key: string; object: KubeObject; previous?: KubeObject };

type Entry = { object: KubeObject; json: string | null };

type Collection = { entries: Map<string, Entry>; sortedKeys: string[] | null };

/** Events kept per resource for watches that resume from a resourceVersion (the watch cache's window). */
const HISTORY_PER_RESOURCE = 500;

/** A resource's recent events, and the newest resourceVersion already dropped from them (compacted). */
type History = { events: { rv: number; event: WatchEvent }[]; droppedUpTo: number };

export type Store = {
  get(key: string, namespace: string | undefined, name: string): KubeObject | null;
  /** Objects in etcd key order (namespace, then name); all namespaces when namespace is undefined. */
  list(key: string, namespace?: string): KubeObject[];
  count(key: string): number;
  /** Insert or replace; assigns the next resourceVersion. */
  put(key: string, object: KubeObject): KubeObject;
  /** Record an in-place change to an object already stored (bumps resourceVersion, drops the cached JSON). */
  touch(key: string, object: KubeObject): void;
  /** Delete, then delete every object that names it in ownerReferences (background cascading deletion). */
  remove(key: string, namespace: string | undefined, name: string): KubeObject | null;
  findByUid(uid: string): { key: string; object: KubeObject } | null;
  /** Cached JSON text of a stored object. */
  serialize(key: string, object: KubeObject): string;
  resourceVersion(): number;
  subscribe(listener: (event: WatchEvent) => void): () => void;
  /**
   * Events of `key` after resourceVersion `from`, oldest first, for a watch resuming there; null when some were
   * compacted away (the API server's "410 Gone: too old resource version"). Objects replaced on change (pods) replay as they were, objects changed in place (workloads) as they are now.
   */
  eventsSince(key: string, from: number): WatchEvent[] | null;
  /** etcd compaction: the history goes, so watches from any earlier resourceVersion get 410 Gone. */
  compact(): void;
};

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function createStore(): Store {
  const collections = new Map<string, Collection>();
  const byUid = new Map<string, { key: string; id: string }>();
  // owner uid → dependent uids, for cascading deletes.
  const dependents = new Map<string, Set<string>>();
  const listeners = new Set<(event: WatchEvent) => void>();
  const histories = new Map<string, History>();
  let revision = 1000;

  const collection = (key: string): Collection => {
    let found = collections.get(key);
    if (!found) {
      found = { entries: new Map(), sortedKeys: null };
      collections.set(key, found);
    }
    return found;
  };

  const emit = (event: WatchEvent): void => {
    let history = histories.get(event.key);
    if (!history) histories.set(event.key, (history = { events: [], droppedUpTo: 0 }));
    history.events.push({ rv: revision, event });
    if (history.events.length > HISTORY_PER_RESOURCE) history.droppedUpTo = history.events.shift()!.rv;
    for (const listener of listeners) listener(event);
  };

  const indexOwners = (object: KubeObject, add: boolean): void => {
    for (const owner of object.metadata.ownerReferences ?? []) {
      let set = dependents.get(owner.uid);
      if (add) {
        if (!set) dependents.set(owner.uid, (set = new Set()));
        set.add(object.metadata.uid);
      } else set?.delete(object.metadata.uid);
    }
  };

  const store: Store = {
    get(key, namespace, name) {
      return collections.get(key)?.entries.get(objectKey(namespace, name))?.object ?? null;
    },
    list(key, namespace) {
      const found = collections.get(key);
      if (!found) return [];
      if (!found.sortedKeys) found.sortedKeys = [...found.entries.keys()].sort();
      const out: KubeObject[] = [];
      const prefix = namespace === undefined ? null : `${namespace}/`;
      for (const id of found.sortedKeys) {
        if (prefix !== null && !id.startsWith(prefix)) continue;
        out.push(found.entries.get(id)!.object);
      }
      return out;
    },
    count(key) {
      return collections.get(key)?.entries.size ?? 0;
    },
    put(key, object) {
      const target = collection(key);
      const id = objectKey(object.metadata.namespace, object.metadata.name);
      const previous = target.entries.get(id);
      if (previous) indexOwners(previous.object, false);
      else target.sortedKeys = null;
      object.metadata.resourceVersion = String(++revision);
      target.entries.set(id, { object, json: null });
      byUid.set(object.metadata.uid, { key, id });
      indexOwners(object, true);
      emit(previous ? { type: 'MODIFIED', key, object, previous: previous.object } : { type: 'ADDED', key, object });
      return object;
    },
    touch(key, object) {
      const entry = collections.get(key)?.entries.get(objectKey(object.metadata.namespace, object.metadata.name));
      if (!entry) return;
      object.metadata.resourceVersion = String(++revision);
      entry.object = object;
      entry.json = null;
      emit({ type: 'MODIFIED', key, object });
    },
    remove(key, namespace, name) {
      const target = collections.get(key);
      const id = objectKey(namespace, name);
      const entry = target?.entries.get(id);
      if (!target || !entry) return null;
      target.entries.delete(id);
      target.sortedKeys = null;
      byUid.delete(entry.object.metadata.uid);
      indexOwners(entry.object, false);
      entry.object.metadata.resourceVersion = String(++revision);
      emit({ type: 'DELETED', key, object: entry.object });
      const children = dependents.get(entry.object.metadata.uid);
      dependents.delete(entry.object.metadata.uid);
      for (const childUid of children ?? []) {
        const child = store.findByUid(childUid);
        if (child) store.remove(child.key, child.object.metadata.namespace, child.object.metadata.name);
      }
      return entry.object;
    },
    findByUid(uid) {
      const ref = byUid.get(uid);
      const entry = ref ? collections.get(ref.key)?.entries.get(ref.id) : undefined;
      return ref && entry ? { key: ref.key, object: entry.object } : null;
    },
    serialize(key, object) {
      const entry = collections.get(key)?.entries.get(objectKey(object.metadata.namespace, object.metadata.name));
      if (!entry || entry.object !== object) return JSON.stringify(object);
      if (entry.json === null) entry.json = JSON.stringify(object);
      return entry.json;
    },
    resourceVersion: () => revision,
    eventsSince(key, from) {
      const history = histories.get(key);
      if (!history) return [];
      if (from < history.droppedUpTo) return null;
      return history.events.filter((e) => e.rv > from).map((e) => e.event);
    },
    compact() {
      for (const history of histories.values()) {
        history.droppedUpTo = revision;
        history.events = [];
      }
      // Resources without events yet compact too: record the horizon for them on first use.
      for (const key of collections.keys()) if (!histories.has(key)) histories.set(key, { events: [], droppedUpTo: revision });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return store;
}
