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

/** What the database's busy backends were waiting on, sampled: counts per wait ('CPU' when running, not waiting). */
export type WaitSampler = { stop(): Promise<Map<string, number>> };

/**
 * Samples this database's active backends (the sampler's own aside) every `everyMs`: each is counted under its wait
 * event (`Lock/transactionid`, `LWLock/WALWrite`, `IO/DataFileRead`…) or `CPU` when it waits on nothing. A share of
 * samples is a share of the busy backends' time, give or take the sampling.
 */
export function sampleWaits(sql: postgres.Sql, everyMs = 250): WaitSampler {
  const counts = new Map<string, number>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const rows = await sql<{ wait: string; n: number }[]>`
        select coalesce(wait_event_type || '/' || wait_event, 'CPU') as wait, count(*)::int as n from pg_stat_activity
        where datname = current_database() and state = 'active' and pid <> pg_backend_pid() group by 1`.catch(() => []);
      for (const r of rows) counts.set(r.wait, (counts.get(r.wait) ?? 0) + Number(r.n));
      await Bun.sleep(everyMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return counts;
    },
  };
}

/** The waits the busy backends were seen in, the most first: `CPU 61 %, Lock/transactionid 20 %, …` (the top `limit`). */
export function describeWaits(label: string, counts: Map<string, number>, limit = 6): string {
  const total = [...counts.values()].reduce((s, n) => s + n, 0);
  if (total === 0) return `${label}: no busy backend seen`;
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, limit);
  return `${label}: ${top.map(([w, n]) => `${w} ${((n / total) * 100).toFixed(0)} %`).join(', ')} of ${total.toLocaleString('en-US')} busy-backend samples`;
}

/**
 * Watches the database over one phase: its statement times (reset now) and what its busy backends waited on. `stop`
 * gives the lines to print, `label` leading each part.
 */
export async function watchDatabase(sql: postgres.Sql, label: string, statements = 6): Promise<{ stop(seconds: number): Promise<string[]> }> {
  await resetStatementTimes(sql);
  const waits = sampleWaits(sql);
  return {
    async stop(seconds) {
      const counts = await waits.stop();
      return [...describeStatementTimes(label, seconds, await readStatementTimes(sql, statements)), describeWaits(`${label} waits`, counts)];
    },
  };
}
