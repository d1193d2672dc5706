// Incident queries for pages, the API and ingest, scoped by the caller's org ids. Detection's writes are
// in reconcile.ts, silences in silences.ts, operator actions in lifecycle.ts.
import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { isUuid } from '../db/client';
import { clusters } from '../clusters/schema';
import type { Environment } from '../clusters/vocabulary';
import { users } from '../accounts/schema';
import { incidentSettings, incidentTransitions, incidents, type Incident, type IncidentTransition } from './schema';
import { DEFAULT_THRESHOLDS, type IncidentKind, type IncidentThresholds, type Severity } from './vocabulary';

export { worstSeverity } from './vocabulary';

/** Severities of the cluster's open incidents (cluster_offline excluded: Offline is a status of its own). */
export async function openSeverities(db: Db, clusterId: string): Promise<Severity[]> {
  const rows = await db
    .select({ severity: incidents.severity })
    .from(incidents)
    .where(and(eq(incidents.clusterId, clusterId), eq(incidents.state, 'open'), sql`${incidents.kind} <> 'cluster_offline'`));
  return rows.map((r) => r.severity);
}

export type IncidentListRow = Incident & { clusterName: string; environment: Environment; acknowledgedByEmail: string | null; resolvedByEmail: string | null };

export type IncidentFilter = {
  /** 'open' (default) or 'resolved'; pending incidents are never listed. */
  state: 'open' | 'resolved';
  severity?: Severity;
  kind?: IncidentKind;
  clusterId?: string;
  environment?: Environment;
  /** One org of the scope (its own incidents only). */
  orgId?: string;
  /** Open ones: only acknowledged (true) or only not yet (false). */
  acknowledged?: boolean;
};

const ackUsers = sql`(select email from users u where u.id = ${incidents.acknowledgedBy})`;
const resolveUsers = sql`(select email from users u where u.id = ${incidents.resolvedBy})`;

/** Incidents with their cluster's name and environment and who acknowledged or resolved them. */
function selectRows(db: Db) {
  return db
    .select({
      incident: incidents,
      clusterName: clusters.name,
      environment: clusters.environment,
      acknowledgedByEmail: sql<string | null>`${ackUsers}`,
      resolvedByEmail: sql<string | null>`${resolveUsers}`,
    })
    .from(incidents)
    .innerJoin(clusters, eq(clusters.id, incidents.clusterId));
}

function listRow(r: {
  incident: Incident;
  clusterName: string;
  environment: Environment;
  acknowledgedByEmail: string | null;
  resolvedByEmail: string | null;
}): IncidentListRow {
  const { incident, ...rest } = r;
  return { ...incident, ...rest };
}

function filterConds(orgIds: string[], f: IncidentFilter): SQL[] {
  const conds: SQL[] = [inArray(incidents.orgId, orgIds), eq(incidents.state, f.state)];
  if (f.severity) conds.push(eq(incidents.severity, f.severity));
  if (f.kind) conds.push(eq(incidents.kind, f.kind));
  if (f.clusterId) conds.push(eq(incidents.clusterId, f.clusterId));
  if (f.environment) conds.push(eq(clusters.environment, f.environment));
  if (f.orgId) conds.push(eq(incidents.orgId, f.orgId));
  if (f.acknowledged !== undefined) conds.push(f.acknowledged ? sql`${incidents.acknowledgedAt} is not null` : isNull(incidents.acknowledgedAt));
  return conds;
}

/**
 * Incidents of the given orgs' clusters matching the filter, newest first (opened_at, id), at most
 * `limit`; `before` is the previous page's last row.
 */
export async function listIncidents(
  db: Db,
  orgIds: string[],
  f: IncidentFilter,
  page: { limit: number; before?: { openedAt: Date; id: string } },
): Promise<IncidentListRow[]> {
  if (orgIds.length === 0) return [];
  const conds = filterConds(orgIds, f);
  if (page.before) conds.push(sql`(${incidents.openedAt}, ${incidents.id}) < (${page.before.openedAt.toISOString()}::timestamptz, ${page.before.id}::uuid)`);
  const rows = await selectRows(db)
    .where(and(...conds))
    .orderBy(desc(incidents.openedAt), desc(incidents.id))
    .limit(page.limit);
  return rows.map((r) => ({
    ...r.incident,
    clusterName: r.clusterName,
    environment: r.environment,
    acknowledgedByEmail: r.acknowledgedByEmail,
    resolvedByEmail: r.resolvedByEmail,
  }));
}

/** One incident of the given orgs (pending ones are not shown to anyone), or null. */
export async function findIncident(db: Db, orgIds: readonly string[], id: string): Promise<IncidentListRow | null> {
  if (orgIds.length === 0 || !isUuid(id)) return null;
  const [r] = await selectRows(db).where(and(eq(incidents.id, id), inArray(incidents.orgId, [...orgIds]), sql`${incidents.state} <> 'pending'`));
  return r
    ? { ...r.incident, clusterName: r.clusterName, environment: r.environment, acknowledgedByEmail: r.acknowledgedByEmail, resolvedByEmail: r.resolvedByEmail }
    : null;
}

export type TransitionRow = IncidentTransition & { actorEmail: string | null };

/** The incident's history, oldest first (bounded: a flapping incident's history is long). */
export async function listTransitions(db: Db, incidentId: string, limit = 200): Promise<TransitionRow[]> {
  const rows = await db
    .select({ t: incidentTransitions, actorEmail: users.email })
    .from(incidentTransitions)
    .leftJoin(users, eq(users.id, incidentTransitions.actorId))
    .where(eq(incidentTransitions.incidentId, incidentId))
    .orderBy(asc(incidentTransitions.id))
    .limit(limit);
  return rows.map((r) => ({ ...r.t, actorEmail: r.actorEmail }));
}

/** Open incidents per cluster, for badges ("2 open"). */
export async function countOpenIncidents(db: Db, clusterIds: string[]): Promise<Map<string, number>> {
  if (clusterIds.length === 0) return new Map();
  const rows = await db
    .select({ clusterId: incidents.clusterId, n: sql<number>`count(*)::int` })
    .from(incidents)
    .where(and(inArray(incidents.clusterId, clusterIds), eq(incidents.state, 'open')))
    .groupBy(incidents.clusterId);
  return new Map(rows.map((r) => [r.clusterId, Number(r.n)]));
}

export type OpenCounts = { total: number; unacknowledged: number; bySeverity: Record<Severity, number> };

/** Open incidents of the orgs by severity, and how many nobody acknowledged: the navigation's and fleet's live counts. */
export async function countOpenInScope(db: Db, orgIds: readonly string[]): Promise<OpenCounts> {
  const out: OpenCounts = { total: 0, unacknowledged: 0, bySeverity: { low: 0, medium: 0, high: 0 } };
  if (orgIds.length === 0) return out;
  const rows = await db
    .select({
      severity: incidents.severity,
      n: sql<number>`count(*)::int`,
      unacked: sql<number>`count(*) filter (where ${incidents.acknowledgedAt} is null)::int`,
    })
    .from(incidents)
    .where(and(inArray(incidents.orgId, [...orgIds]), eq(incidents.state, 'open')))
    .groupBy(incidents.severity);
  for (const r of rows) {
    out.bySeverity[r.severity] = Number(r.n);
    out.total += Number(r.n);
    out.unacknowledged += Number(r.unacked);
  }
  return out;
}

/** The org's thresholds (the defaults when it set none). */
export async function thresholdsFor(db: Db, orgId: string): Promise<IncidentThresholds> {
  const [row] = await db
    .select({ pendingAfterSeconds: incidentSettings.pendingAfterSeconds, unavailableAfterSeconds: incidentSettings.unavailableAfterSeconds })
    .from(incidentSettings)
    .where(eq(incidentSettings.orgId, orgId));
  return row ?? DEFAULT_THRESHOLDS;
}

export async function setThresholds(db: Db, orgId: string, value: IncidentThresholds, by: string | null): Promise<void> {
  await db
    .insert(incidentSettings)
    .values({ orgId, ...value, updatedBy: by })
    .onConflictDoUpdate({ target: incidentSettings.orgId, set: { ...value, updatedBy: by, updatedAt: sql`now()` } });
}
