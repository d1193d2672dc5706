// What the snapshot's tables weigh, for the benchmarks (bench/): sizes on disk and row widths of the
// usage history, the fleet index's size and fresh planner statistics for it, and a scratch table shaped
// like the pod inventory for the COPY baseline, with a cluster's stored pod rows to load into it.
// Nothing here runs in the server.
import { sql } from 'drizzle-orm';
import { encodeCopyField, queryRows, type Db } from '../db/client';

/** Vacuums and analyzes the fleet index, so the planner sees a freshly loaded fleet as it is. Not in a transaction. */
export async function analyzeFleetIndex(db: Db): Promise<void> {
  await db.execute(sql`vacuum analyze fleet_pods`);
  await db.execute(sql`vacuum analyze fleet_pod_state`);
}

/** Vacuums the raw usage samples (their size is then what the rows take, not dead tuples). Not in a transaction. */
export async function vacuumUsageSamples(db: Db): Promise<void> {
  await db.execute(sql`vacuum usage_samples`);
}

/** Bytes on disk (tables, indexes, TOAST) of the raw usage history (samples and their key sets) and of the rollups (with their key-set uses). */
export async function usageHistoryBytes(db: Db): Promise<{ raw: number; rollups: number }> {
  const [row] = await queryRows<{ raw: string | number; rollups: string | number }>(
    db,
    sql`select pg_total_relation_size('usage_samples') + pg_total_relation_size('usage_key_sets') as raw,
               pg_total_relation_size('usage_rollups') + pg_total_relation_size('usage_key_set_uses') as rollups`,
  );
  return { raw: Number(row.raw), rollups: Number(row.rollups) };
}

/** Average bytes of one usage sample row and of one rollup row; null when there is none. */
export async function usageRowBytes(db: Db): Promise<{ sample: number | null; rollup: number | null }> {
  const [row] = await queryRows<{ sample: number | null; rollup: number | null }>(
    db,
    sql`select (select avg(pg_column_size(s.*))::int from usage_samples s) as sample, (select avg(pg_column_size(r.*))::int from usage_rollups r) as rollup`,
  );
  return { sample: row.sample === null ? null : Number(row.sample), rollup: row.rollup === null ? null : Number(row.rollup) };
}

/**
 * Creates `table` empty, with the pod inventory's columns, indexes and fill factor (LIKE does not copy
 * it): what COPY of the same rows costs, measured beside the heartbeat's own writes. `table` is a trusted identifier.
 */
export async function createPodsCopyTable(db: Db, table: string): Promise<void> {
  await db.execute(sql.raw(`create table ${table} (like cluster_pods including all); alter table ${table} set (fillfactor = 80)`));
}

/** Pods in the fleet index, every cluster's: how far the index job has caught up with the stored inventory. */
export async function countIndexedPods(db: Db): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from fleet_pods`);
  return Number(row.n);
}

/**
 * The stored pod rows of one cluster as COPY text, every column in the table's order, with
 * `asClusterId` in place of the cluster's id: what ingest wrote, ready to load into a table made by
 * createPodsCopyTable under any cluster id. Each field is what COPY TO writes: the type's output
 * (`::text`, except booleans, whose cast spells `true` where COPY writes `t`), escaped. Read through a
 * plain query because postgres.js 3.4 never hands a connection back to its pool after a COPY TO.
 */
export async function podRowsCopyText(db: Db, clusterId: string, asClusterId: string): Promise<{ rows: number; text: string }> {
  const columns = await queryRows<{ name: string; type: string }>(
    db,
    sql`select column_name as name, data_type as type from information_schema.columns
        where table_schema = current_schema() and table_name = 'cluster_pods' order by ordinal_position`,
  );
  const fields = columns.map((c, i) => {
    const column = c.name === 'cluster_id' ? sql`${asClusterId}::uuid` : sql.identifier(c.name);
    const value = c.type === 'boolean' ? sql`case when ${column} then 't' when not ${column} then 'f' end` : sql`${column}::text`;
    return sql`${value} as ${sql.identifier(`f${i}`)}`;
  });
  const rows = await queryRows<Record<string, string | null>>(db, sql`select ${sql.join(fields, sql`, `)} from cluster_pods where cluster_id = ${clusterId}`);
  const text = rows.map((row) => columns.map((_, i) => encodeCopyField(row[`f${i}`])).join('\t') + '\n').join('');
  return { rows: rows.length, text };
}
