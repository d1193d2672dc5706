// The status job: clusters that stopped heartbeating become Unknown, then Offline (opening a
// cluster_offline incident); crash-loop incidents that went quiet close. Exactly one replica runs
// each pass (advisory lock); the clock is a parameter so tests move time instead of sleeping.
import { sql } from 'drizzle-orm';
import type { Config } from '../config';
import { LOCKS, queryRows, type Db } from '../db/client';
import { startLockedJob, type Job, type JobDeps } from '../db/jobs';
import { CRASH_LOOP_QUIET_MS } from '../incidents/detection';
import { openIncidents, openSeverities, resolveQuietCrashLoops, severityFor } from '../incidents/store';
import { addTimeline } from './timeline';
import { STATUS_LABEL, type ClusterStatus, type Environment } from './vocabulary';
import { statusFromSeverities, unknownAfterMs } from './status-rules';

export type DetectionResult = { unknown: number; offline: number; recomputed: number };

type Transition = { id: string; org_id: string; name: string; environment: Environment; old_status: ClusterStatus };

/**
 * One pass at time `now`. Each transition is a single locking update that re-checks the heartbeat
 * age, so a heartbeat committing meanwhile (it locks the same row) is never overwritten.
 */
export async function detectClusterStatus(
  db: Db,
  config: Pick<Config, 'heartbeatIntervalSeconds' | 'offlineAfterSeconds'>,
  now: Date,
): Promise<DetectionResult> {
  const nowIso = now.toISOString();
  const offlineBefore = new Date(now.getTime() - config.offlineAfterSeconds * 1000).toISOString();
  const unknownBefore = new Date(now.getTime() - unknownAfterMs(config.heartbeatIntervalSeconds)).toISOString();

  const offline = await queryRows<Transition>(
    db,
    sql`with stale as (
          select id, status from clusters
          where last_heartbeat_at < ${offlineBefore}::timestamptz and status <> 'offline'
          for update skip locked)
        update clusters c set status = 'offline', status_since = ${nowIso}::timestamptz
        from stale where c.id = stale.id
        returning c.id, c.org_id, c.name, c.environment, stale.status as old_status`,
  );
  for (const c of offline) {
    const away = Math.round(config.offlineAfterSeconds / 60);
    const [incident] = await openIncidents(
      db,
      [
        {
          orgId: c.org_id,
          clusterId: c.id,
          kind: 'cluster_offline',
          severity: severityFor('cluster_offline', c.environment),
          subject: '',
          title: `Cluster ${c.name} is offline: no heartbeat for over ${away >= 1 ? `${away} min` : `${config.offlineAfterSeconds} s`}`,
          details: { offlineAfterSeconds: config.offlineAfterSeconds },
        },
      ],
      now,
    );
    await addTimeline(
      db,
      c.id,
      [
        { kind: 'status', message: `${STATUS_LABEL[c.old_status]} → Offline`, details: { from: c.old_status, to: 'offline' } },
        ...(incident
          ? [
              {
                kind: 'incident' as const,
                message: `Incident opened: ${incident.title}`,
                details: { incidentId: incident.id, kind: incident.kind, severity: incident.severity },
              },
            ]
          : []),
      ],
      now,
    );
  }

  const unknown = await queryRows<Transition>(
    db,
    sql`with stale as (
          select id, status from clusters
          where last_heartbeat_at < ${unknownBefore}::timestamptz and status in ('healthy', 'warning', 'critical')
          for update skip locked)
        update clusters c set status = 'unknown', status_since = ${nowIso}::timestamptz
        from stale where c.id = stale.id
        returning c.id, c.org_id, c.name, c.environment, stale.status as old_status`,
  );
  for (const c of unknown)
    await addTimeline(db, c.id, [{ kind: 'status', message: `${STATUS_LABEL[c.old_status]} → Unknown`, details: { from: c.old_status, to: 'unknown' } }], now);

  // Crash loops that went quiet: close them, then recompute the badge of clusters still heartbeating.
  const touched = await resolveQuietCrashLoops(db, new Date(now.getTime() - CRASH_LOOP_QUIET_MS), now);
  let recomputed = 0;
  for (const id of touched) {
    const [row] = await queryRows<{ status: ClusterStatus }>(db, sql`select status from clusters where id = ${id} for update`);
    if (!row || !['healthy', 'warning', 'critical'].includes(row.status)) continue;
    const status = statusFromSeverities(await openSeverities(db, id));
    if (status === row.status) continue;
    await db.execute(sql`update clusters set status = ${status}, status_since = ${nowIso}::timestamptz where id = ${id}`);
    await addTimeline(
      db,
      id,
      [{ kind: 'status', message: `${STATUS_LABEL[row.status]} → ${STATUS_LABEL[status]}`, details: { from: row.status, to: status } }],
      now,
    );
    recomputed++;
  }
  return { unknown: unknown.length, offline: offline.length, recomputed };
}

/**
 * Runs detectClusterStatus every `statusCheckSeconds` on whichever replica gets the advisory lock
 * first; the others skip that pass.
 */
export function startStatusJob(deps: JobDeps & { config: Config }): Job {
  return startLockedJob(deps, {
    name: 'status job',
    lock: LOCKS.offlineJob,
    intervalMs: deps.config.statusCheckSeconds * 1000,
    pass: async (tx) => {
      const r = await detectClusterStatus(tx, deps.config, new Date());
      if (r.unknown || r.offline || r.recomputed) deps.log.info('cluster status changes', r);
    },
  });
}
