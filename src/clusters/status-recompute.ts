// A heartbeating cluster's status after its open incidents changed outside a heartbeat (the periodic
// pass, an operator's resolve): Warning for low/medium, Critical for high, Healthy for none.
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { openSeverities } from '../incidents/store';
import { addTimeline } from './timeline';
import { statusFromSeverities } from './status-rules';
import { STATUS_LABEL, type ClusterStatus } from './vocabulary';

/**
 * Locks the cluster row (a heartbeat committing meanwhile waits, then sees the new status), recomputes,
 * writes and puts the change on the timeline. Unknown, Offline and Pending come from heartbeat age and
 * are left alone. Returns the new status when it changed.
 */
export async function recomputeClusterStatus(db: Db, clusterId: string, now: Date): Promise<ClusterStatus | null> {
  const [row] = await queryRows<{ status: ClusterStatus }>(db, sql`select status from clusters where id = ${clusterId} for no key update`);
  if (!row || !['healthy', 'warning', 'critical'].includes(row.status)) return null;
  const status = statusFromSeverities(await openSeverities(db, clusterId));
  if (status === row.status) return null;
  await db.execute(sql`update clusters set status = ${status}, status_since = ${now.toISOString()}::timestamptz where id = ${clusterId}`);
  await addTimeline(
    db,
    clusterId,
    [{ kind: 'status', message: `${STATUS_LABEL[row.status]} → ${STATUS_LABEL[status]}`, details: { from: row.status, to: status } }],
    now,
  );
  return status;
}
