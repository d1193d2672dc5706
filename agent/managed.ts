// The objects Niro manages, as the agent sees them: every object of MANAGED_KINDS labelled
// app.kubernetes.io/managed-by=niro, listed once and then watched with that label selector (watch-loop.ts: a 410
// re-lists, a periodic re-list repairs anything missed). Each is kept as its heartbeat record — deployment, revision,
// identity and drift (drift.ts) — never the raw object. Nothing is persisted: a restarted agent lists them again.
//
// In the heartbeat (protocol 8) the set is sent on the first beat of the process and whenever it differs from the
// set the server last acknowledged (`managedStored`): a steady cluster's beats carry none of it, a `kubectl edit`
// shows in the next beat, and a lost beat or a server that never stored it gets it again.
import { LIMITS, MANAGED_KINDS, NIRO_LABELS, type HeartbeatResponse, type HeartbeatV2, type ManagedObject } from '../src/contract/index.ts';
import { sleep } from './backoff.ts';
import { driftOf } from './drift.ts';
import type { KubeObject } from './kube-objects.ts';
import { watchCollection, type WatchedCollection, type WatchLoopOptions } from './watch-loop.ts';

export const MANAGED_SELECTOR = `${NIRO_LABELS.managedBy}=${NIRO_LABELS.managedByValue}`;

export interface ManagedView {
  /** Resolves once every kind has had its first list answered (or failed), or after `timeoutMs`. */
  whenStarted(timeoutMs: number): Promise<void>;
  /**
   * The managed objects of this moment, sorted by kind, namespace and name; null while a kind is not listed yet
   * or failing (a partial set would make the control plane drop the rest), or when every kind is forbidden.
   */
  objects(): { objects: ManagedObject[]; truncated: boolean } | null;
}

/** The collection path of a kind (all namespaces). */
export function managedPath(kind: (typeof MANAGED_KINDS)[number]): string {
  return kind.group ? `/apis/${kind.group}/${kind.version}/${kind.resource}` : `/api/${kind.version}/${kind.resource}`;
}

/** The heartbeat record of one managed object. */
export function toManagedObject(object: KubeObject & { metadata: { managedFields?: unknown } }): ManagedObject {
  const revision = Number(object.metadata.annotations?.[NIRO_LABELS.revision] ?? '');
  const deployment = object.metadata.labels?.[NIRO_LABELS.deployment] ?? '';
  return {
    deployment: deployment.slice(0, LIMITS.labelValue),
    revision: Number.isSafeInteger(revision) && revision > 0 ? revision : 0,
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    drift: driftOf(object.metadata),
  };
}

export function startManagedView(options: WatchLoopOptions): ManagedView {
  const collections: WatchedCollection<ManagedObject>[] = MANAGED_KINDS.map((kind) => {
    const apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
    return watchCollection(options, {
      name: `managed ${kind.resource}`,
      path: managedPath(kind),
      // Metadata only: labels, annotations and managedFields are all drift needs, and a Secret's data never travels.
      list: { query: { labelSelector: MANAGED_SELECTOR }, metadataOnly: true },
      // Lists and watch events of a collection may omit apiVersion/kind on items: the collection says what they are.
      map: (object: KubeObject) => toManagedObject({ ...object, apiVersion, kind: kind.kind }),
    });
  });
  return {
    async whenStarted(timeoutMs) {
      await Promise.race([Promise.all(collections.map((c) => c.started)), sleep(timeoutMs, options.signal)]);
    },
    objects() {
      const statuses = collections.map((c) => c.status());
      if (statuses.some((s) => s === 'syncing' || s === 'failing')) return null;
      if (statuses.every((s) => s === 'forbidden')) return null;
      const all: ManagedObject[] = [];
      for (const collection of collections) all.push(...collection.records().values());
      all.sort((a, b) => (a.kind === b.kind ? (a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace)) : cmp(a.kind, b.kind)));
      return { objects: all.slice(0, LIMITS.managedPerHeartbeat), truncated: all.length > LIMITS.managedPerHeartbeat };
    },
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What the server holds of the managed set: the digest of the last set it acknowledged. */
export interface ManagedMemory {
  acknowledged: string | null;
}

/** Adds `managed` to the body when the set differs from what the server acknowledged; returns the digest sent (or null). */
export function attachManaged(body: HeartbeatV2, view: ManagedView | undefined, memory: ManagedMemory): string | null {
  const current = view?.objects();
  if (!current) return null;
  const digest = JSON.stringify(current);
  if (digest === memory.acknowledged) return null;
  body.managed = current.objects;
  body.managedTruncated = current.truncated;
  return digest;
}

/** After an accepted beat: the sent set is acknowledged only when the server says it stored it. */
export function rememberManaged(memory: ManagedMemory, sent: string | null, response: HeartbeatResponse): void {
  if (sent !== null && response.managedStored === true) memory.acknowledged = sent;
}
