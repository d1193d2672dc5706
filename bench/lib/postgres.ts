// Postgres facts a database benchmark prints beside its figures, and the server's own write counters.
// The counters (pg_stat_user_tables) cover every backend of the database — the app's pools, the
// background jobs, anything else — which is what "rows written per beat" has to count. Backends flush
// them at most once a second while busy, so a delta is read across a window in steady state (the lag
// at its start and at its end is then the same), never right after a burst.
import type postgres from 'postgres';

/** Version and the settings that move write and read figures. */
export async function describePostgres(sql: postgres.Sql, where = 'on this machine'): Promise<string> {
  const [s] = await sql<
    { version: string; shared_buffers: string; synchronous_commit: string; work_mem: string; max_wal_size: string; fsync: string; autovacuum: string }[]
  >`
    select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers,
           current_setting('synchronous_commit') as synchronous_commit, current_setting('work_mem') as work_mem,
           current_setting('max_wal_size') as max_wal_size, current_setting('fsync') as fsync, current_setting('autovacuum') as autovacuum`;
  return `Postgres ${s!.version} ${where} (autovacuum ${s!.autovacuum}, shared_buffers ${s!.shared_buffers}, work_mem ${s!.work_mem}, max_wal_size ${s!.max_wal_size}, fsync ${s!.fsync}, synchronous_commit ${s!.synchronous_commit} unless a transaction sets it)`;
}

/** Rows inserted + updated + deleted so far, per table of this database. */
export async function readWrites(sql: postgres.Sql): Promise<Map<string, number>> {
  const rows = await sql<{ table: string; n: string }[]>`
    select relname as table, (n_tup_ins + n_tup_upd + n_tup_del)::text as n from pg_stat_user_tables`;
  return new Map(rows.map((r) => [r.table, Number(r.n)]));
}

/**
 * Updates of `table` so far, and how many of them were HOT (heap-only: the new row version fit in its page and no
 * indexed column changed, so no index was written).
 */
export async function readHotUpdates(sql: postgres.Sql, table: string): Promise<{ updates: number; hot: number }> {
  const [row] = await sql<{ updates: string; hot: string }[]>`
    select n_tup_upd::text as updates, n_tup_hot_upd::text as hot from pg_stat_user_tables where relname = ${table}`;
  return { updates: Number(row?.updates ?? 0), hot: Number(row?.hot ?? 0) };
}

/** Writes between two readings, largest first; tables named in `exclude` (a benchmark's own) are left out. */
export function diffWrites(before: Map<string, number>, after: Map<string, number>, exclude: string[] = []): { total: number; byTable: [string, number][] } {
  const byTable: [string, number][] = [];
  for (const [table, n] of after) {
    const d = n - (before.get(table) ?? 0);
    if (d > 0 && !exclude.includes(table)) byTable.push([table, d]);
  }
  byTable.sort((a, b) => b[1] - a[1]);
  return { total: byTable.reduce((s, [, n]) => s + n, 0), byTable };
}

/** Index scans so far of the index over `table(column)` (found by its definition, not its name). */
export async function readIndexScans(sql: postgres.Sql, table: string, column: string): Promise<number> {
  const rows = await sql<{ n: string }[]>`
    select s.idx_scan::text as n
    from pg_stat_user_indexes s join pg_index i on i.indexrelid = s.indexrelid
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
    where s.relname = ${table} and a.attname = ${column} and i.indnatts = 1`;
  if (rows.length !== 1) throw new Error(`no single-column index over ${table}(${column})`);
  return Number(rows[0]!.n);
}
