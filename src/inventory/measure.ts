// What the snapshot's tables weigh, for the benchmarks (bench/): sizes on disk and row widths of the
// usage history, fresh planner statistics for the fleet index, and a scratch table shaped like the pod
// inventory for the COPY baseline. Nothing here runs in the server.
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';

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
