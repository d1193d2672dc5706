// The snapshot's node and pod inventory, as other domains reach it. Writes go by difference: rows
// whose digest changed are upserted, rows that disappeared are deleted, unchanged rows are not touched.
// Reads: a cluster's nodes, its pods per namespace and phase, one pod's detail.
import { and, asc, eq, getTableColumns, gt, inArray, sql, type SQL } from 'drizzle-orm';
import { copyFrom, pgArrayLiteral, queryRows, type Db } from '../db/client';
import { clusterNodes, type ClusterNode, type PodDetailJson } from './schema';
import { POD_CONTENT_COLUMNS, podCopyLine, podKey, type PreparedNode, type PreparedPod } from './prepare';

export type { ClusterNode, PodDetailJson };

export type PodSync = {
  /** Pods written (new or changed), with their restarts at the previous beat (null = new). */
  changed: { pod: PreparedPod; previousRestarts: number | null }[];
  /** "namespace/name" of pods deleted. */
  removed: string[];
};

const STAGE = 'cluster_pods_stage';
const STAGE_COLUMNS = ['cluster_id', ...POD_CONTENT_COLUMNS, 'first_seen_at', 'updated_at'];
/** Column types of cluster_pods that are not text: the staging table holds text, the upsert casts. */
const CASTS: Record<string, string> = {
  cluster_id: 'uuid',
  restarts: 'int',
  containers: 'text[]',
  started_at: 'timestamptz',
  k8s_created_at: 'timestamptz',
  cpu_request_milli: 'bigint',
  cpu_limit_milli: 'bigint',
  mem_request_bytes: 'bigint',
  mem_limit_bytes: 'bigint',
  privileged: 'boolean',
  usage_available: 'boolean',
  images: 'text[]',
  detail: 'jsonb',
  first_seen_at: 'timestamptz',
  updated_at: 'timestamptz',
};
// All text, no constraints: nothing an agent sends can fail the COPY; a bad value fails the upsert
// instead, as an ordinary statement error.
const CREATE_STAGE = `create temp table if not exists ${STAGE} (${STAGE_COLUMNS.map((c) => `${c} text`).join(', ')}) on commit delete rows`;
const UPSERT = `insert into cluster_pods (${STAGE_COLUMNS.join(', ')})
  select ${STAGE_COLUMNS.map((c) => (CASTS[c] ? `${c}::${CASTS[c]}` : c)).join(', ')} from ${STAGE}
  on conflict (cluster_id, namespace, name) do update set ${STAGE_COLUMNS.filter((c) => !['cluster_id', 'namespace', 'name', 'first_seen_at'].includes(c))
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

/**
 * Brings cluster_pods to `pods` (unique keys). Changed rows travel by COPY into a
 * session-local staging table and are upserted from it in one statement — the cheapest way for
 * Postgres to take a thousand rows; the staging table empties itself at commit.
 */
export async function syncPods(db: Db, clusterId: string, pods: readonly PreparedPod[], now: Date): Promise<PodSync> {
  const previous = await readStoredPods(db, clusterId);
  const changed: PodSync['changed'] = [];
  for (const pod of pods) {
    const key = podKey(pod.namespace, pod.name);
    const old = previous.get(key);
    previous.delete(key);
    if (old?.hash !== pod.hash) changed.push({ pod, previousRestarts: old ? old.restarts : null });
  }
  const gone = [...previous.values()];
  if (changed.length > 0) {
    // Empty here: rows leave at every commit, and one transaction syncs a cluster once.
    await db.execute(sql.raw(CREATE_STAGE));
    const stamp = now.toISOString();
    const lines = changed.map((c) => `${clusterId}\t${podCopyLine(c.pod)}\t${stamp}\t${stamp}\n`);
    await copyFrom(db, STAGE, STAGE_COLUMNS, lines.join(''));
    // first_seen_at keeps its first value; everything else follows the heartbeat.
    await db.execute(sql.raw(UPSERT));
  }
  if (gone.length > 0) {
    await db.execute(sql`delete from cluster_pods p
      using unnest(${pgArrayLiteral(gone.map((g) => g.namespace))}::text::text[], ${pgArrayLiteral(gone.map((g) => g.name))}::text::text[]) as d(namespace, name)
      where p.cluster_id = ${clusterId} and p.namespace = d.namespace and p.name = d.name`);
  }
  return { changed, removed: gone.map((g) => podKey(g.namespace, g.name)) };
}

/** Digest and restarts of every stored pod of the cluster, keyed "namespace/name". */
async function readStoredPods(db: Db, clusterId: string): Promise<Map<string, { namespace: string; name: string; hash: string; restarts: number }>> {
  const rows = await queryRows<{ namespace: string; name: string; content_hash: string; restarts: number }>(
    db,
    sql`select namespace, name, content_hash, restarts from cluster_pods where cluster_id = ${clusterId}`,
  );
  return new Map(rows.map((r) => [podKey(r.namespace, r.name), { namespace: r.namespace, name: r.name, hash: r.content_hash, restarts: Number(r.restarts) }]));
}

/** Removes every pod of the cluster (an agent went back to protocol 1, which sends no list). */
export async function clearPods(db: Db, clusterId: string): Promise<void> {
  await db.execute(sql`delete from cluster_pods where cluster_id = ${clusterId}`);
}

/** Brings cluster_nodes to `nodes` by difference. Node lists are short: a plain multi-row upsert. */
export async function syncNodes(db: Db, clusterId: string, nodes: readonly PreparedNode[], now: Date): Promise<void> {
  const stored = await db.select({ name: clusterNodes.name, hash: clusterNodes.contentHash }).from(clusterNodes).where(eq(clusterNodes.clusterId, clusterId));
  const previous = new Map(stored.map((r) => [r.name, r.hash]));
  const changed = nodes.filter((n) => previous.get(n.name) !== n.hash);
  const incoming = new Set(nodes.map((n) => n.name));
  const gone = stored.filter((r) => !incoming.has(r.name)).map((r) => r.name);
  if (changed.length > 0) {
    const set = Object.fromEntries(
      Object.entries(getTableColumns(clusterNodes))
        .filter(([key]) => key !== 'clusterId' && key !== 'name')
        .map(([key, col]) => [key, sql.raw(`excluded.${col.name}`)]),
    );
    await db
      .insert(clusterNodes)
      .values(changed.map((n) => ({ clusterId, ...n.row, contentHash: n.hash, updatedAt: now })))
      .onConflictDoUpdate({ target: [clusterNodes.clusterId, clusterNodes.name], set });
  }
  if (gone.length > 0) await db.delete(clusterNodes).where(and(eq(clusterNodes.clusterId, clusterId), inArray(clusterNodes.name, gone)));
}

export async function listNodes(db: Db, clusterId: string, page: { limit: number; after?: string }): Promise<ClusterNode[]> {
  const conds = [eq(clusterNodes.clusterId, clusterId)];
  if (page.after !== undefined) conds.push(gt(clusterNodes.name, page.after));
  return db
    .select()
    .from(clusterNodes)
    .where(and(...conds))
    .orderBy(asc(clusterNodes.name))
    .limit(page.limit);
}

export type WorkloadCount = { namespace: string; phase: string; count: number };

/** Pods per namespace and phase (what the Workloads tab shows), from the stored inventory. */
export async function countWorkloads(db: Db, clusterId: string): Promise<WorkloadCount[]> {
  const rows = await queryRows<{ namespace: string; phase: string; n: number }>(
    db,
    sql`select namespace, phase, count(*)::int as n from cluster_pods where cluster_id = ${clusterId} group by namespace, phase order by namespace, phase`,
  );
  return rows.map((r) => ({ namespace: r.namespace, phase: r.phase, count: Number(r.n) }));
}

export type PodDetailRow = {
  clusterId: string;
  detail: PodDetailJson;
  firstSeenAt: Date;
  updatedAt: Date;
  usageAvailable: boolean;
};

/** The pod as of its cluster's latest heartbeat; null when the cluster did not report it. */
export async function findPodDetail(db: Db, clusterId: string, namespace: string, name: string): Promise<PodDetailRow | null> {
  const [row] = await queryRows<{ detail: PodDetailJson | string; first_seen_at: string | Date; updated_at: string | Date; usage_available: boolean }>(
    db,
    sql`select detail, first_seen_at, updated_at, usage_available from cluster_pods where cluster_id = ${clusterId} and namespace = ${namespace} and name = ${name}`,
  );
  if (!row) return null;
  const detail = typeof row.detail === 'string' ? (JSON.parse(row.detail) as PodDetailJson) : row.detail;
  return { clusterId, detail, firstSeenAt: new Date(row.first_seen_at), updatedAt: new Date(row.updated_at), usageAvailable: row.usage_available };
}

/**
 * SQL condition for another domain's statement: a stored pod of `clusterId` whose workload is `subject`
 * ("namespace/Kind/name" from the top owner; "namespace/Pod/name" for a pod without one or a static pod)
 * is in CrashLoopBackOff (both are SQL of the caller's statement, e.g. an incident's columns).
 */
export function storedWorkloadCrashLooping(clusterId: SQL, subject: SQL): SQL {
  return sql`exists (
    select 1 from cluster_pods p
    where p.cluster_id = ${clusterId} and p.status = 'CrashLoopBackOff'
      and (case when p.owner_kind in ('', 'Node') or p.owner_name = '' then p.namespace || '/Pod/' || p.name
                else p.namespace || '/' || p.owner_kind || '/' || p.owner_name end) = ${subject})`;
}
