// Managed objects (protocol 8): what Niro applied, per cluster, as the agent sees it — deployment, revision and drift.
// A beat that carries `managed` replaces the cluster's set; the timeline says when an object drifts and when it is
// back in sync. Callers scope by organisation before asking (the rows name clusters, not orgs).
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { ManagedObject } from '../contract';
import type { Db } from '../db/client';
import { lockClusterForBeat } from '../clusters/store';
import { addTimeline, type NewTimelineEntry } from '../clusters/timeline';
import { managedObjects } from './schema';

export type ManagedObjectRow = {
  clusterId: string;
  deploymentId: string;
  revision: number;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  drift: string[];
  driftSince: Date | null;
  observedAt: Date;
};

/** Drift entries per beat on the timeline; a mass drift adds one summary line for the rest. */
const MAX_DRIFT_ENTRIES = 20;
/** Rows per insert statement (9 parameters each, far below the protocol's limit). */
const INSERT_CHUNK = 500;

/** The stored objects of a cluster and/or a deployment, by cluster, kind, namespace and name. */
export async function listManagedObjects(db: Db, filter: { clusterId?: string; deploymentId?: string }): Promise<ManagedObjectRow[]> {
  const conds: SQL[] = [];
  if (filter.clusterId) conds.push(eq(managedObjects.clusterId, filter.clusterId));
  if (filter.deploymentId !== undefined) conds.push(eq(managedObjects.deploymentId, filter.deploymentId));
  return db
    .select()
    .from(managedObjects)
    .where(conds.length > 0 ? and(...conds) : undefined)
    .orderBy(asc(managedObjects.clusterId), asc(managedObjects.kind), asc(managedObjects.namespace), asc(managedObjects.name));
}

function keyOf(o: { apiVersion: string; kind: string; namespace: string; name: string }): string {
  return `${o.apiVersion}\u0000${o.kind}\u0000${o.namespace}\u0000${o.name}`;
}

function describe(o: { kind: string; namespace: string; name: string }): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** Timeline lines for objects whose drift appeared or cleared between the stored set and the reported one. */
export function driftChanges(previous: ReadonlyMap<string, ManagedObjectRow>, next: ManagedObject[]): NewTimelineEntry[] {
  const entries: NewTimelineEntry[] = [];
  for (const object of next) {
    const before = previous.get(keyOf(object))?.drift ?? [];
    const details = {
      deploymentId: object.deployment,
      revision: object.revision,
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace: object.namespace,
      name: object.name,
      drift: object.drift,
    };
    if (before.length === 0 && object.drift.length > 0) {
      entries.push({
        kind: 'drift',
        message: `Drift on ${describe(object)}: ${object.drift.join(', ')}`.slice(0, 1000),
        details: { ...details, drifted: true },
      });
    } else if (before.length > 0 && object.drift.length === 0) {
      entries.push({ kind: 'drift', message: `${describe(object)} back in sync with revision ${object.revision}`, details: { ...details, drifted: false } });
    }
  }
  if (entries.length <= MAX_DRIFT_ENTRIES) return entries;
  const more = entries.length - MAX_DRIFT_ENTRIES;
  return [...entries.slice(0, MAX_DRIFT_ENTRIES), { kind: 'drift', message: `…and ${more} more objects drifted or came back in sync`, details: { more } }];
}

/**
 * Replaces the cluster's managed objects with the reported set (under the cluster row's lock, so two beats of one
 * cluster never interleave): rows no longer reported are deleted, the others upserted with this beat as observedAt;
 * drift entries go to its timeline. Beats carry the set only when it changed, so this runs rarely. Returns false
 * when the cluster is gone.
 */
export async function replaceManagedObjects(db: Db, clusterId: string, reported: ManagedObject[], now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (!(await lockClusterForBeat(tx, clusterId))) return false;
    const stored = await listManagedObjects(tx, { clusterId });
    const previous = new Map(stored.map((row) => [keyOf(row), row]));
    // The agent sends each object once; a duplicate key (a bug or a hand-made beat) keeps the last.
    const next = new Map(reported.map((o) => [keyOf(o), o]));
    const objects = [...next.values()];
    const gone = stored.filter((row) => !next.has(keyOf(row)));
    for (const row of gone) {
      await tx
        .delete(managedObjects)
        .where(
          and(
            eq(managedObjects.clusterId, clusterId),
            eq(managedObjects.apiVersion, row.apiVersion),
            eq(managedObjects.kind, row.kind),
            eq(managedObjects.namespace, row.namespace),
            eq(managedObjects.name, row.name),
          ),
        );
    }
    const rows = objects.map((o) => {
      const before = previous.get(keyOf(o));
      const driftSince = o.drift.length === 0 ? null : before && before.drift.length > 0 ? before.driftSince : now;
      return {
        clusterId,
        apiVersion: o.apiVersion,
        kind: o.kind,
        namespace: o.namespace,
        name: o.name,
        deploymentId: o.deployment,
        revision: o.revision,
        drift: o.drift,
        driftSince,
        observedAt: now,
      };
    });
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await tx
        .insert(managedObjects)
        .values(rows.slice(i, i + INSERT_CHUNK))
        .onConflictDoUpdate({
          target: [managedObjects.clusterId, managedObjects.apiVersion, managedObjects.kind, managedObjects.namespace, managedObjects.name],
          set: {
            deploymentId: sqlExcluded('deployment_id'),
            revision: sqlExcluded('revision'),
            drift: sqlExcluded('drift'),
            driftSince: sqlExcluded('drift_since'),
            observedAt: sqlExcluded('observed_at'),
          },
        });
    }
    await addTimeline(tx, clusterId, driftChanges(previous, objects), now);
    return true;
  });
}

function sqlExcluded(column: string): SQL {
  return sql.raw(`excluded.${column}`);
}
