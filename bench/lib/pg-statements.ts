// Where the database's time goes over a phase: the statements of this database by their summed execution time, from
// pg_stat_statements. The tuned server loads it (bench/lib/tuned-postgres.ts); on a server that does not, the breakdown
// is left out and the benchmark says so. Planning time is not counted (pg_stat_statements' default).
import type postgres from 'postgres';

export type StatementTime = { query: string; calls: number; totalMs: number; meanMs: number };

/** Empties the counters (every database's: the benchmark's server is its own); false when the extension is not loaded. */
export async function resetStatementTimes(sql: postgres.Sql): Promise<boolean> {
  try {
    await sql`create extension if not exists pg_stat_statements`;
    await sql`select pg_stat_statements_reset()`;
    return true;
  } catch {
    return false;
  }
}

/** This database's statements since the last reset, the most time first; empty when the extension is not loaded. */
export async function readStatementTimes(sql: postgres.Sql, limit: number): Promise<StatementTime[]> {
  try {
    const rows = await sql<{ query: string; calls: string; total: number; mean: number }[]>`
      select query, calls::text as calls, total_exec_time as total, mean_exec_time as mean from pg_stat_statements
      where dbid = (select oid from pg_database where datname = current_database())
      order by total_exec_time desc limit ${limit}`;
    return rows.map((r) => ({ query: r.query, calls: Number(r.calls), totalMs: Number(r.total), meanMs: Number(r.mean) }));
  } catch {
    return [];
  }
}

/**
 * One line per statement: its share of `seconds` of wall time in cores (1.00 = one core busy all along), its calls and
 * mean, and the statement's first words on one line.
 */
export function describeStatementTimes(label: string, seconds: number, times: readonly StatementTime[]): string[] {
  if (times.length === 0) return [`${label}: no statement times (pg_stat_statements not loaded)`];
  const cores = (ms: number) => (ms / 1000 / seconds).toFixed(2);
  const total = times.reduce((s, t) => s + t.totalMs, 0);
  return [
    `${label}: the ${times.length} costliest statements held ${cores(total)} cores of statement time`,
    ...times.map(
      (t) =>
        `  ${cores(t.totalMs)} cores, ${t.calls.toLocaleString('en-US')} calls, mean ${t.meanMs.toFixed(2)} ms: ${t.query.replace(/\s+/g, ' ').slice(0, 160)}`,
    ),
  ];
}
