import { and, asc, eq, gt, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import { isUuid, queryRows, type Db } from '../db/client';
import { violatedUniqueConstraint } from '../db/errors';
import { orgs } from '../orgs/schema';
import { clusters, orgClusterCounts, retiredAgentKeys, type Cluster } from './schema';
import type { ClusterStatus, Environment } from './vocabulary';
import type { Capabilities, Capability } from '../contract';

export type CreateClusterResult = { ok: true; cluster: Cluster } | { ok: false; reason: 'name_taken' };

export async function createCluster(
  db: Db,
  input: { orgId: string; name: string; environment: Environment; createdBy: string | null },
): Promise<CreateClusterResult> {
  const [cluster] = await db
    .insert(clusters)
    .values(input)
    // The only unique key a new row can hit is (org, lower(name)).
    .onConflictDoNothing()
    .returning();
  return cluster ? { ok: true, cluster } : { ok: false, reason: 'name_taken' };
}

/** The cluster if it belongs to one of `orgIds`; null otherwise (callers answer 404 either way). */
export async function findCluster(db: Db, id: string, orgIds: readonly string[]): Promise<Cluster | null> {
  if (!isUuid(id) || orgIds.length === 0) return null;
  const [row] = await db
    .select()
    .from(clusters)
    .where(and(eq(clusters.id, id), inArray(clusters.orgId, [...orgIds])));
  return row ?? null;
}

export type UpdateClusterResult = { ok: true; cluster: Cluster } | { ok: false; reason: 'name_taken' };

export async function updateCluster(
  db: Db,
  id: string,
  patch: { name?: string; environment?: Environment; labels?: Record<string, string> },
): Promise<UpdateClusterResult> {
  try {
    const [cluster] = await db.update(clusters).set(patch).where(eq(clusters.id, id)).returning();
    return { ok: true, cluster };
  } catch (e) {
    if (violatedUniqueConstraint(e) !== null) return { ok: false, reason: 'name_taken' };
    throw e;
  }
}

/** Bus channel of retired agent keys, notified by the deleting transaction; payload: RetiredKey as JSON. */
export const RETIRED_KEY_CHANNEL = 'niro_agent_key_retired';

/** `key`: the agent key's public id; `cluster`: the deleted cluster's id. */
export type RetiredKey = { key: string; cluster: string };

export function retiredKeyPayload(retired: RetiredKey): string {
  return JSON.stringify(retired);
}

export function parseRetiredKey(payload: string): RetiredKey | null {
  try {
    const value = JSON.parse(payload) as Partial<RetiredKey> | null;
    return typeof value?.key === 'string' && typeof value.cluster === 'string' ? { key: value.key, cluster: value.cluster } : null;
  } catch {
    return null;
  }
}

/**
 * Deletes the cluster and everything hanging off it (cascade). Its agent key is remembered as
 * retired so the still-running agent is told why it is refused, and every replica is told (drop the
 * key from the cache, close the agent's stream socket): NOTIFY inside the transaction is delivered on
 * commit, never before. (The caller drops the key from its own replica's cache at once.)
 */
export async function deleteCluster(db: Db, cluster: Cluster): Promise<void> {
  await db.transaction(async (tx) => {
    if (cluster.agentKeyPublicId) {
      await tx.insert(retiredAgentKeys).values({ publicId: cluster.agentKeyPublicId, clusterId: cluster.id, clusterName: cluster.name }).onConflictDoNothing();
      await tx.execute(sql`select pg_notify(${RETIRED_KEY_CHANNEL}, ${retiredKeyPayload({ key: cluster.agentKeyPublicId, cluster: cluster.id })})`);
    }
    await tx.delete(clusters).where(eq(clusters.id, cluster.id));
  });
}

/** A cluster holding an agent key, with the hash of the key's secret. */
export type AgentKeyRow = { id: string; orgId: string; name: string; hash: string };

/** The clusters whose agent keys have these public ids (those that still have a key), by public id, in one query. */
export async function findAgentKeys(db: Db, publicIds: readonly string[]): Promise<Map<string, AgentKeyRow>> {
  const found = new Map<string, AgentKeyRow>();
  if (publicIds.length === 0) return found;
  const rows = await db
    .select({ publicId: clusters.agentKeyPublicId, id: clusters.id, orgId: clusters.orgId, name: clusters.name, hash: clusters.agentKeyHash })
    .from(clusters)
    .where(inArray(clusters.agentKeyPublicId, [...publicIds]));
  for (const row of rows) if (row.publicId && row.hash) found.set(row.publicId, { id: row.id, orgId: row.orgId, name: row.name, hash: row.hash });
  return found;
}

/** The deleted cluster whose agent key was `publicId`; null when no deletion retired it. */
export async function findRetiredAgentKey(db: Db, publicId: string): Promise<{ clusterName: string; retiredAt: Date } | null> {
  const [row] = await db.select().from(retiredAgentKeys).where(eq(retiredAgentKeys.publicId, publicId));
  return row ?? null;
}

export type FleetFilter = {
  orgIds: readonly string[];
  status?: ClusterStatus;
  environment?: Environment;
  /** Narrow to one org (must be one of orgIds). */
  orgId?: string;
  /** Case-insensitive substring of the name. */
  q?: string;
};

export type FleetRow = Cluster & { orgName: string };

function fleetConditions(f: FleetFilter, withStatus: boolean): SQL | undefined {
  const ids = f.orgId ? f.orgIds.filter((id) => id === f.orgId) : [...f.orgIds];
  const conds: SQL[] = [inArray(clusters.orgId, ids.length ? ids : ['00000000-0000-0000-0000-000000000000'])];
  if (withStatus && f.status) conds.push(eq(clusters.status, f.status));
  if (f.environment) conds.push(eq(clusters.environment, f.environment));
  if (f.q) conds.push(ilike(clusters.name, `%${f.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`));
  return and(...conds);
}

/** A page of the fleet ordered by name then id; `after` is the (name, id) of the previous page's last row. */
export async function listFleet(db: Db, f: FleetFilter, page: { limit: number; after?: [string, string] }): Promise<FleetRow[]> {
  if (f.orgIds.length === 0) return [];
  const conds = [fleetConditions(f, true)];
  if (page.after) {
    const [name, id] = page.after;
    conds.push(or(gt(clusters.name, name), and(eq(clusters.name, name), gt(clusters.id, id))));
  }
  const rows = await db
    .select({ cluster: clusters, orgName: orgs.name })
    .from(clusters)
    .innerJoin(orgs, eq(orgs.id, clusters.orgId))
    .where(and(...conds))
    .orderBy(asc(clusters.name), asc(clusters.id))
    .limit(page.limit);
  return rows.map((r) => ({ ...r.cluster, orgName: r.orgName }));
}

/** Clusters per status under the same filter (ignoring the status filter itself), for the summary chips. */
export async function countFleetByStatus(db: Db, f: FleetFilter): Promise<Record<ClusterStatus, number>> {
  const counts: Record<ClusterStatus, number> = { pending: 0, healthy: 0, warning: 0, critical: 0, unknown: 0, offline: 0 };
  if (f.orgIds.length === 0) return counts;
  const rows = await db
    .select({ status: clusters.status, n: sql<number>`count(*)::int` })
    .from(clusters)
    .where(fleetConditions(f, false))
    .groupBy(clusters.status);
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

export type ScopeCluster = Pick<
  Cluster,
  'id' | 'orgId' | 'name' | 'environment' | 'status' | 'lastHeartbeatAt' | 'protocol' | 'podsListed' | 'podsTotal' | 'podsTruncated'
> & {
  /** The podMetrics capability as last reported; null when the agent reports no capabilities (protocol 1). */
  podMetrics: Capability | null;
};

/** Which of a scope's clusters to read: only `ids`, only counts-only agents (protocol 1), only truncated lists; at most `limit`. */
export type ScopeQuery = { ids?: readonly string[]; countsOnly?: boolean; truncated?: boolean; limit?: number };

/**
 * Clusters of `orgIds` by name, with what pod views need. Pages of a fleet in the thousands ask for what they
 * show (`limit`, `ids`) and count the rest with countScopeClusters.
 */
export async function listScopeClusters(db: Db, orgIds: readonly string[], q: ScopeQuery = {}): Promise<ScopeCluster[]> {
  return (await scopeClustersQuery(db, orgIds, q)) ?? [];
}

/** listScopeClusters' statement, not yet run (its tests read its plan); null when it can find nothing. */
export function scopeClustersQuery(db: Db, orgIds: readonly string[], q: ScopeQuery = {}) {
  if (orgIds.length === 0 || q.ids?.length === 0) return null;
  const conds: SQL[] = [inArray(clusters.orgId, [...orgIds])];
  if (q.ids) {
    const ids = q.ids.filter(isUuid);
    if (ids.length === 0) return null;
    conds.push(inArray(clusters.id, ids));
  }
  if (q.countsOnly) conds.push(sql`${clusters.protocol} < 2`);
  if (q.truncated) conds.push(eq(clusters.podsTruncated, true));
  const query = db
    .select({
      id: clusters.id,
      orgId: clusters.orgId,
      name: clusters.name,
      environment: clusters.environment,
      status: clusters.status,
      lastHeartbeatAt: clusters.lastHeartbeatAt,
      protocol: clusters.protocol,
      // One capability, not the whole document.
      podMetrics: sql<Capability | null>`${clusters.capabilities}->'podMetrics'`,
      podsListed: clusters.podsListed,
      podsTotal: clusters.podsTotal,
      podsTruncated: clusters.podsTruncated,
    })
    .from(clusters)
    .where(and(...conds))
    .orderBy(asc(clusters.name), asc(clusters.id));
  return q.limit === undefined ? query : query.limit(q.limit);
}

export type ScopeCounts = { total: number; countsOnly: number; truncated: number };

/**
 * How many clusters `orgIds` hold (the kept per-organization counts), and of them how many send counts only or a
 * truncated pod list (each through a partial index of those few): none of it reads the clusters' rows, which every
 * heartbeat rewrites.
 */
export async function countScopeClusters(db: Db, orgIds: readonly string[]): Promise<ScopeCounts> {
  if (orgIds.length === 0) return { total: 0, countsOnly: 0, truncated: 0 };
  const inScope = inArray(clusters.orgId, [...orgIds]);
  const [row] = await queryRows<ScopeCounts>(
    db,
    sql`select (select coalesce(sum(${orgClusterCounts.clusters}), 0) from ${orgClusterCounts} where ${inArray(orgClusterCounts.orgId, [...orgIds])})::int as "total",
               (select count(*) from ${clusters} where ${inScope} and ${clusters.protocol} < 2)::int as "countsOnly",
               (select count(*) from ${clusters} where ${inScope} and ${clusters.podsTruncated})::int as "truncated"`,
  );
  return { total: Number(row?.total ?? 0), countsOnly: Number(row?.countsOnly ?? 0), truncated: Number(row?.truncated ?? 0) };
}

/** What a heartbeat diffs against: the cluster row as the previous beat left it. */
export type BeatBaseline = {
  org_id: string;
  environment: Environment;
  status: ClusterStatus;
  agent_version: string | null;
  capabilities: Capabilities | null;
  pods_hash: string | null;
  nodes_hash: string | null;
  events_hash: string | null;
  workloads_hash: string | null;
  usage_keys_id: string | null;
  pods_truncated: boolean;
  pods_listed: number;
};

/**
 * Locks the cluster row for the rest of the heartbeat's transaction (two beats of one cluster never
 * diff against the same old state) and reads it; null when the cluster is gone. `for no key update`: a beat
 * never changes the row's key, so it need not wait for the key-share locks that rows referencing the cluster
 * take (the pod index job's batch holds them on hundreds of clusters until it commits); deleting the cluster
 * still waits for the beat and the beat for it.
 */
export async function lockClusterForBeat(tx: Db, clusterId: string): Promise<BeatBaseline | null> {
  const [prev] = await queryRows<BeatBaseline>(
    tx,
    // set_config: no WAL-flush wait at commit, as for the one-statement path (see recordUnchangedBeat).
    sql`select org_id, environment, status, agent_version, capabilities, pods_hash, nodes_hash, events_hash, workloads_hash, usage_keys_id, pods_truncated, pods_listed,
               set_config('synchronous_commit', 'off', true)
        from clusters where id = ${clusterId} for no key update`,
  );
  return prev ?? null;
}

/** The cluster row's columns a heartbeat writes. */
export type BeatValues = Partial<Omit<typeof clusters.$inferInsert, 'id' | 'orgId' | 'name' | 'environment' | 'createdAt' | 'createdBy'>>;

/** Writes a heartbeat's outcome onto the cluster row (locked by lockClusterForBeat). */
export async function recordBeat(tx: Db, clusterId: string, values: BeatValues): Promise<void> {
  await tx.update(clusters).set(values).where(eq(clusters.id, clusterId));
}

/** Which clusters a deployment goes to (src/deployments): the union of explicit ids, environments and a label set. */
export type ClusterSelector = { clusterIds?: readonly string[]; environments?: readonly string[]; labels?: Record<string, string> };

/**
 * The clusters of `rootOrgId` and its descendants matching any part of `selector` (a cluster carrying every
 * label of `labels`, for that part), by name. An empty selector matches nothing; ids outside the subtree never
 * match. At most `limit` rows.
 */
export async function listClustersInSubtree(db: Db, rootOrgId: string, selector: ClusterSelector, limit: number): Promise<Cluster[]> {
  const parts: SQL[] = [];
  const ids = (selector.clusterIds ?? []).filter(isUuid);
  if (ids.length) parts.push(inArray(clusters.id, ids));
  if (selector.environments?.length) parts.push(inArray(clusters.environment, [...selector.environments] as Environment[]));
  if (selector.labels && Object.keys(selector.labels).length) parts.push(sql`${clusters.labels} @> ${JSON.stringify(selector.labels)}::jsonb`);
  if (parts.length === 0) return [];
  return db
    .select()
    .from(clusters)
    .where(
      and(
        sql`${clusters.orgId} in (
          with recursive sub(id) as (select id from orgs where id = ${rootOrgId} union all select o.id from orgs o join sub on o.parent_id = sub.id)
          select id from sub)`,
        or(...parts),
      ),
    )
    .orderBy(asc(clusters.name), asc(clusters.id))
    .limit(limit);
}

/** Clusters by id, whatever their org (callers checked the ids came from rows they may see). */
export async function listClustersByIds(db: Db, ids: readonly string[]): Promise<Cluster[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  return db.select().from(clusters).where(inArray(clusters.id, valid)).orderBy(asc(clusters.name), asc(clusters.id));
}
