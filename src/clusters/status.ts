// The status job: clusters that stopped heartbeating become Unknown, then Offline (opening a
// cluster_offline incident); threshold incidents open and quiet ones close (advanceIncidents). Exactly one replica runs
// each pass (advisory lock); the clock is a parameter so tests move time instead of sleeping.
import { sql } from 'drizzle-orm';
import type { Config } from '../config';
import { LOCKS, queryRows, type Db } from '../db/client';
import { startLockedJob, type Job, type JobDeps } from '../db/jobs';
import type { Condition } from '../incidents/detection';
import { advanceIncidents, reconcileIncidents, type IncidentChange } from '../incidents/reconcile';
import { incidentTimeline } from '../incidents/timeline';
import { severityFor } from '../incidents/vocabulary';
import { addTimeline } from './timeline';
import { STATUS_LABEL, type ClusterStatus, type Environment } from './vocabulary';
import { unknownAfterMs } from './status-rules';
import { recomputeClusterStatus } from './status-recompute';

/** Clusters that went Unknown / Offline, whose status was recomputed, and incidents the pass opened / resolved. */
export type DetectionResult = { unknown: number; offline: number; recomputed: number; incidentsOpened: number; incidentsResolved: number };

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
          for no key update skip locked)
        update clusters c set status = 'offline', status_since = ${nowIso}::timestamptz
        from stale where c.id = stale.id
        returning c.id, c.org_id, c.name, c.environment, stale.status as old_status`,
  );
  for (const c of offline) {
    const away = Math.round(config.offlineAfterSeconds / 60);
    const condition: Condition = {
      kind: 'cluster_offline',
      subject: '',
      severity: severityFor('cluster_offline', c.environment),
      title: `Cluster ${c.name} is offline: no heartbeat for over ${away >= 1 ? `${away} min` : `${config.offlineAfterSeconds} s`}`,
      details: { offlineAfterSeconds: config.offlineAfterSeconds },
      since: now,
      seenAt: now,
      opensAt: null,
    };
    const changes = await reconcileIncidents(db, { orgId: c.org_id, clusterId: c.id }, ['cluster_offline'], [condition], now);
    await addTimeline(
      db,
      c.id,
      [{ kind: 'status', message: `${STATUS_LABEL[c.old_status]} → Offline`, details: { from: c.old_status, to: 'offline' } }, ...incidentTimeline(changes)],
      now,
    );
  }

  const unknown = await queryRows<Transition>(
    db,
    sql`with stale as (
          select id, status from clusters
          where last_heartbeat_at < ${unknownBefore}::timestamptz and status in ('healthy', 'warning', 'critical')
          for no key update skip locked)
        update clusters c set status = 'unknown', status_since = ${nowIso}::timestamptz
        from stale where c.id = stale.id
        returning c.id, c.org_id, c.name, c.environment, stale.status as old_status`,
  );
  for (const c of unknown)
    await addTimeline(db, c.id, [{ kind: 'status', message: `${STATUS_LABEL[c.old_status]} → Unknown`, details: { from: c.old_status, to: 'unknown' } }], now);

  // Time-driven incident changes: thresholds passed (pending → open), quiet kinds that went quiet.
  const advanced = await advanceIncidents(db, now);
  for (const id of advanced.clusterIds) {
    const mine = (list: (IncidentChange & { clusterId: string })[]) => list.filter((i) => i.clusterId === id);
    await addTimeline(db, id, incidentTimeline({ opened: mine(advanced.opened), reopened: [], resolved: mine(advanced.resolved), escalated: [] }), now);
  }
  let recomputed = 0;
  for (const id of advanced.clusterIds) if (await recomputeClusterStatus(db, id, now)) recomputed++;
  return { unknown: unknown.length, offline: offline.length, recomputed, incidentsOpened: advanced.opened.length, incidentsResolved: advanced.resolved.length };
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
      if (r.unknown || r.offline || r.recomputed || r.incidentsOpened || r.incidentsResolved) deps.log.info('cluster status changes', r);
    },
  });
}
