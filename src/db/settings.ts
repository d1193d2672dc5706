// Postgres settings Niro relies on that a server can be configured without. Autovacuum keeps the tables every
// heartbeat rewrites (clusters, fleet_pod_usage) from bloating, and its ANALYZE gives the planner the statistics the
// pod table's plans are chosen by: without them a status filter over one organization was planned for 5 rows and read
// 7,000, joining each before cutting the page (docs/scale.md). Checked once at start; each warning names the setting.
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from './client';

/** What is wrong with the server's settings for Niro, one sentence each; empty when nothing is. */
export async function databaseSettingWarnings(db: Db): Promise<string[]> {
  const [s] = await queryRows<{ autovacuum: string; track_counts: string }>(
    db,
    sql`select current_setting('autovacuum') as autovacuum, current_setting('track_counts') as track_counts`,
  );
  const warnings: string[] = [];
  if (s?.autovacuum !== 'on')
    warnings.push('autovacuum is off: the tables heartbeats rewrite will bloat and the pod table will be planned without statistics; set autovacuum = on');
  if (s?.track_counts !== 'on') warnings.push('track_counts is off: autovacuum cannot tell which tables need it; set track_counts = on');
  return warnings;
}
