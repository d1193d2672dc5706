// Writes node and pod inventory by difference: rows whose digest changed are upserted, rows that
// disappeared are deleted, unchanged rows are not touched.
import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { copyFrom, pgArrayLiteral, queryRows, type Db } from '../db/client';
import { clusterNodes } from './schema';
import { POD_CONTENT_COLUMNS, podCopyLine, podKey, type PreparedNode, type PreparedPod } from './inventory';

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
  cluster_id: 'uuid', restarts: 'int', containers: 'text[]', started_at: 'timestamptz', k8s_created_at: 'timestamptz',
  cpu_request_milli: 'bigint', cpu_limit_milli: 'bigint', mem_request_bytes: 'bigint', mem_limit_bytes: 'bigint',
  privileged: 'boolean', usage_available: 'boolean', images: 'text[]', detail: 'jsonb', first_seen_at: 'timestamptz', updated_at: 'timestamptz',
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
