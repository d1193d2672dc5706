// Detection's conditions against a cluster's incidents: one read of the cluster's active and recently
// resolved rows, then writes for the differences only (nothing when nothing changed). Every open, reopen
// and resolve writes its incident_transitions row in the caller's transaction.
import { and, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { storedWorkloadCrashLooping } from '../inventory/store';
import type { Condition } from './detection';
import { incidents, type Incident } from './schema';
import { refreshSilenced } from './silences';
import { recordTransitions, type NewTransition } from './transitions';
import { KINDS, REOPEN_WINDOW_MS, severityRank, type IncidentKind, type Severity } from './vocabulary';

export type IncidentChange = Pick<Incident, 'id' | 'kind' | 'severity' | 'subject' | 'title'>;

export type ReconcileResult = {
  opened: IncidentChange[];
  reopened: IncidentChange[];
  resolved: IncidentChange[];
  /** Open incidents whose severity changed (the cluster's status may follow). */
  escalated: IncidentChange[];
};

export function changedAnything(r: ReconcileResult): boolean {
  return r.opened.length + r.reopened.length + r.resolved.length + r.escalated.length > 0;
}

type Row = Pick<Incident, 'id' | 'kind' | 'subject' | 'state' | 'severity' | 'title' | 'details' | 'lastSeenAt' | 'resolvedAt' | 'held' | 'openedAt' | 'since'>;

const key = (kind: string, subject: string): string => `${kind}\u0000${subject}`;

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Brings the cluster's incidents of `kinds` in line with `conditions` (all of those kinds' conditions:
 * a kind in `kinds` without a condition has cleared). Per (kind, subject):
 * - no row: opens one (or a 'pending' one while a threshold kind's `opensAt` is ahead);
 * - a resolved row within REOPEN_WINDOW_MS: reopens it (same row, reopen_count + 1) — unless it was
 *   resolved by hand and the condition never cleared since (`held`);
 * - an open row: updates title/details/last seen, raises (never lowers) its severity;
 * - cleared: a pending row disappears, an open one resolves (quiet kinds wait for the periodic pass).
 * The caller holds the cluster row's lock (ingest) or is the single periodic pass.
 */
export async function reconcileIncidents(
  db: Db,
  cluster: { orgId: string; clusterId: string },
  kinds: readonly IncidentKind[],
  conditions: readonly Condition[],
  now: Date,
): Promise<ReconcileResult> {
  const result: ReconcileResult = { opened: [], reopened: [], resolved: [], escalated: [] };
  if (kinds.length === 0) return result;
  const windowStart = new Date(now.getTime() - REOPEN_WINDOW_MS);
  const rows: Row[] = await db
    .select({
      id: incidents.id,
      kind: incidents.kind,
      subject: incidents.subject,
      state: incidents.state,
      severity: incidents.severity,
      title: incidents.title,
      details: incidents.details,
      lastSeenAt: incidents.lastSeenAt,
      resolvedAt: incidents.resolvedAt,
      held: incidents.held,
      openedAt: incidents.openedAt,
      since: incidents.since,
    })
    .from(incidents)
    .where(
      and(
        eq(incidents.clusterId, cluster.clusterId),
        inArray(incidents.kind, [...kinds]),
        or(isNull(incidents.resolvedAt), sql`${incidents.resolvedAt} > ${windowStart.toISOString()}::timestamptz`, eq(incidents.held, true)),
      ),
    );
  // Per condition key: the active row if any, else the most recently resolved one.
  const byKey = new Map<string, Row>();
  for (const r of rows) {
    const k = key(r.kind, r.subject);
    const had = byKey.get(k);
    if (!had || (had.resolvedAt !== null && (r.resolvedAt === null || r.resolvedAt > had.resolvedAt))) byKey.set(k, r);
  }
  const transitions: NewTransition[] = [];
  const transition = (r: { id: string; severity: Severity }, kind: NewTransition['kind']): void => {
    transitions.push({ incidentId: r.id, orgId: cluster.orgId, clusterId: cluster.clusterId, kind, severity: r.severity, at: now });
  };
  const inserts: (typeof incidents.$inferInsert)[] = [];
  const seen = new Set<string>();

  for (const c of conditions) {
    const k = key(c.kind, c.subject);
    if (seen.has(k)) continue;
    seen.add(k);
    const row = byKey.get(k);
    const due = c.opensAt === null || c.opensAt <= now;
    if (!row) {
      inserts.push({
        orgId: cluster.orgId,
        clusterId: cluster.clusterId,
        kind: c.kind,
        severity: c.severity,
        subject: c.subject,
        title: c.title,
        details: c.details,
        state: due ? 'open' : 'pending',
        openedAt: now,
        since: c.since,
        lastSeenAt: c.seenAt,
      });
      continue;
    }
    if (row.state === 'resolved') {
      if (row.held) continue;
      // A flap: the same problem again within the window. Acknowledgement is for the previous round.
      const [re] = await db
        .update(incidents)
        .set({
          state: 'open',
          resolvedAt: null,
          resolvedBy: null,
          resolveNote: null,
          acknowledgedAt: null,
          acknowledgedBy: null,
          reopenCount: sql`${incidents.reopenCount} + 1`,
          severity: c.severity,
          title: c.title,
          details: c.details,
          lastSeenAt: c.seenAt,
        })
        .where(and(eq(incidents.id, row.id), eq(incidents.state, 'resolved')))
        .returning({ id: incidents.id, kind: incidents.kind, severity: incidents.severity, subject: incidents.subject, title: incidents.title });
      if (re) {
        result.reopened.push(re);
        transition(re, 'reopened');
      }
      continue;
    }
    const severity: Severity = severityRank(c.severity) > severityRank(row.severity) ? c.severity : row.severity;
    const promote = row.state === 'pending' && due;
    const changed = row.title !== c.title || !sameJson(row.details, c.details) || severity !== row.severity;
    const fresher = KINDS[c.kind].quietMs > 0 && c.seenAt > row.lastSeenAt;
    if (!promote && !changed && !fresher) continue;
    const [up] = await db
      .update(incidents)
      .set({
        severity,
        title: c.title,
        details: c.details,
        // Quiet kinds keep the time of their latest evidence; the others, the time they last changed.
        lastSeenAt: KINDS[c.kind].quietMs > 0 ? (fresher ? c.seenAt : row.lastSeenAt) : now,
        ...(promote ? { state: 'open' as const, openedAt: now } : {}),
      })
      .where(and(eq(incidents.id, row.id), eq(incidents.state, row.state)))
      .returning({ id: incidents.id, kind: incidents.kind, severity: incidents.severity, subject: incidents.subject, title: incidents.title });
    if (!up) continue;
    if (promote) {
      result.opened.push(up);
      transition(up, 'opened');
    } else if (severity !== row.severity && row.state === 'open') result.escalated.push(up);
  }

  // Cleared: what no condition names any more.
  const gone: string[] = [];
  const unheld: string[] = [];
  for (const [k, row] of byKey) {
    if (seen.has(k)) continue;
    if (row.state === 'resolved') {
      if (row.held) unheld.push(row.id);
    } else if (row.state === 'pending') await db.delete(incidents).where(and(eq(incidents.id, row.id), eq(incidents.state, 'pending')));
    else if (KINDS[row.kind].quietMs === 0) gone.push(row.id);
  }
  if (unheld.length) await db.update(incidents).set({ held: false }).where(inArray(incidents.id, unheld));
  if (gone.length) {
    const done = await db
      .update(incidents)
      .set({ state: 'resolved', resolvedAt: now })
      .where(and(inArray(incidents.id, gone), eq(incidents.state, 'open')))
      .returning({ id: incidents.id, kind: incidents.kind, severity: incidents.severity, subject: incidents.subject, title: incidents.title });
    for (const r of done) {
      result.resolved.push(r);
      transition(r, 'resolved');
    }
  }

  if (inserts.length) {
    const added = await db.insert(incidents).values(inserts).onConflictDoNothing().returning({
      id: incidents.id,
      kind: incidents.kind,
      severity: incidents.severity,
      subject: incidents.subject,
      title: incidents.title,
      state: incidents.state,
    });
    for (const a of added) {
      if (a.state !== 'open') continue;
      const { state: _, ...change } = a;
      result.opened.push(change);
      transition(change, 'opened');
    }
  }
  // Silences first, so whoever routes these transitions reads silenced_until as of this commit.
  if (result.opened.length || result.reopened.length) await refreshSilenced(db, now, { clusterId: cluster.clusterId });
  await recordTransitions(db, transitions);
  return result;
}

/**
 * The periodic, time-driven half (the status job, one replica at a time): opens pending incidents whose
 * threshold (the org's, at this moment) has passed on clusters still heartbeating, and resolves quiet
 * kinds whose last evidence is older than their quiet period. Unchanged beats never run detection, so
 * everything that happens only because time passed happens here. Returns the clusters touched.
 */
export type AdvanceResult = { clusterIds: string[]; opened: (IncidentChange & { clusterId: string })[]; resolved: (IncidentChange & { clusterId: string })[] };

export async function advanceIncidents(db: Db, now: Date): Promise<AdvanceResult> {
  const at = now.toISOString();
  const quiet = (Object.keys(KINDS) as IncidentKind[]).filter((k) => KINDS[k].quietMs > 0);
  const quietCase = sql.join(
    quiet.map((k) => sql`when ${k} then ${new Date(now.getTime() - KINDS[k].quietMs).toISOString()}::timestamptz`),
    sql` `,
  );
  type Changed = { id: string; org_id: string; cluster_id: string; severity: Severity; kind: IncidentKind; subject: string; title: string };
  const opened = await queryRows<Changed>(
    db,
    sql`update incidents i set state = 'open', opened_at = ${at}::timestamptz, last_seen_at = ${at}::timestamptz
        from clusters c left join incident_settings s on s.org_id = c.org_id
        where i.state = 'pending' and i.resolved_at is null and c.id = i.cluster_id
          and c.status in ('healthy', 'warning', 'critical')
          and i.since + make_interval(secs => case i.kind when 'pod_pending_too_long' then coalesce(s.pending_after_seconds, 600)
                                                         else coalesce(s.unavailable_after_seconds, 600) end) <= ${at}::timestamptz
        returning i.id, i.org_id, i.cluster_id, i.severity, i.kind, i.subject, i.title`,
  );
  const resolved = await queryRows<Changed>(
    db,
    sql`update incidents i set state = 'resolved', resolved_at = ${at}::timestamptz
        where i.state = 'open' and i.resolved_at is null and i.kind in (${sql.join(
          quiet.map((k) => sql`${k}`),
          sql`, `,
        )})
          and i.last_seen_at < (case i.kind ${quietCase} end)
          -- A pod of the workload still in CrashLoopBackOff as of its last beat keeps a crash loop open.
          and not (i.kind = 'pod_crash_looping' and ${storedWorkloadCrashLooping(sql`i.cluster_id`, sql`i.subject`)})
        returning i.id, i.org_id, i.cluster_id, i.severity, i.kind, i.subject, i.title`,
  );
  await refreshSilenced(db, now, {});
  const rows = (list: Changed[], kind: NewTransition['kind']): NewTransition[] =>
    list.map((r) => ({ incidentId: r.id, orgId: r.org_id, clusterId: r.cluster_id, kind, severity: r.severity, at: now }));
  await recordTransitions(db, [...rows(opened, 'opened'), ...rows(resolved, 'resolved')]);
  const change = (r: Changed) => ({ id: r.id, kind: r.kind, severity: r.severity, subject: r.subject, title: r.title, clusterId: r.cluster_id });
  return { clusterIds: [...new Set([...opened, ...resolved].map((r) => r.cluster_id))], opened: opened.map(change), resolved: resolved.map(change) };
}
