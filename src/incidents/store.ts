import { and, desc, eq, getTableColumns, inArray, isNotNull, isNull, lt, notInArray, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { clusters } from '../clusters/schema';
import type { Environment } from '../clusters/vocabulary';
import { storedPodCrashLooping } from '../inventory/store';
import { incidents, type Incident } from './schema';
import type { IncidentKind, Severity } from './vocabulary';

const RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3 };

/**
 * Policy severity of an incident kind in an environment. Every kind here is high by default (the
 * seeds' "crash loop, node not ready" are Critical); a dev cluster's problems are one step lower, so
 * a crash-looping experiment shows Warning, not Critical. Offline stays high everywhere.
 */
export function severityFor(kind: IncidentKind, environment: Environment): Severity {
  return environment === 'dev' && kind !== 'cluster_offline' ? 'medium' : 'high';
}

export function worstSeverity(severities: readonly Severity[]): Severity | null {
  let worst: Severity | null = null;
  for (const s of severities) if (!worst || RANK[s] > RANK[worst]) worst = s;
  return worst;
}

export type NewIncident = {
  orgId: string;
  clusterId: string;
  kind: IncidentKind;
  severity: Severity;
  subject: string;
  title: string;
  details?: Record<string, unknown>;
};

/**
 * Opens incidents, or refreshes `last_seen_at`/details of the one already open for the same
 * (cluster, kind, subject). Returns only the newly opened ones.
 */
export async function openIncidents(db: Db, list: NewIncident[], now: Date): Promise<Incident[]> {
  if (list.length === 0) return [];
  const rows = await db
    .insert(incidents)
    .values(list.map((i) => ({ ...i, details: i.details ?? {}, openedAt: now, lastSeenAt: now })))
    .onConflictDoUpdate({
      target: [incidents.clusterId, incidents.kind, incidents.subject],
      targetWhere: isNull(incidents.resolvedAt),
      set: { lastSeenAt: sql`excluded.last_seen_at`, details: sql`excluded.details` },
    })
    // xmax = 0 only on a freshly inserted row version: tells opened from refreshed.
    .returning({ ...getTableColumns(incidents), inserted: sql<boolean>`(xmax = 0)` });
  return rows.filter((r) => r.inserted).map(({ inserted: _, ...row }) => row);
}

export type ResolveFilter = {
  kind: IncidentKind;
  /** Only these subjects; omitted = any subject of the kind. */
  subjects?: string[];
  /** Every subject except these. */
  exceptSubjects?: string[];
  /** Only incidents not seen getting worse since this time (quiet period). */
  quietSince?: Date;
};

/** Resolves the cluster's open incidents matching the filter; returns the ones resolved. */
export async function resolveIncidents(db: Db, clusterId: string, filter: ResolveFilter, now: Date): Promise<Incident[]> {
  if (filter.subjects && filter.subjects.length === 0) return [];
  const conds = [eq(incidents.clusterId, clusterId), eq(incidents.kind, filter.kind), isNull(incidents.resolvedAt)];
  if (filter.subjects) conds.push(inArray(incidents.subject, filter.subjects));
  if (filter.exceptSubjects && filter.exceptSubjects.length) conds.push(notInArray(incidents.subject, filter.exceptSubjects));
  if (filter.quietSince) conds.push(lt(incidents.lastSeenAt, filter.quietSince));
  return db
    .update(incidents)
    .set({ resolvedAt: now })
    .where(and(...conds))
    .returning();
}

/** Subjects of the cluster's open incidents of one kind (usually none: one indexed lookup). */
export async function openSubjects(db: Db, clusterId: string, kind: IncidentKind): Promise<Set<string>> {
  const rows = await db
    .select({ subject: incidents.subject })
    .from(incidents)
    .where(and(eq(incidents.clusterId, clusterId), eq(incidents.kind, kind), isNull(incidents.resolvedAt)));
  return new Set(rows.map((r) => r.subject));
}

/** Severities of the cluster's open incidents (cluster_offline excluded: Offline is a status of its own). */
export async function openSeverities(db: Db, clusterId: string): Promise<Severity[]> {
  const rows = await db
    .select({ severity: incidents.severity })
    .from(incidents)
    .where(and(eq(incidents.clusterId, clusterId), isNull(incidents.resolvedAt), sql`${incidents.kind} <> 'cluster_offline'`));
  return rows.map((r) => r.severity);
}

/**
 * Crash-loop incidents quiet for the whole period whose pod is not in CrashLoopBackOff any more
 * (or is gone). Returns the cluster ids touched, so their status can be recomputed.
 */
export async function resolveQuietCrashLoops(db: Db, quietSince: Date, now: Date): Promise<string[]> {
  const rows = await queryRows<{ cluster_id: string }>(
    db,
    sql`update incidents i set resolved_at = ${now.toISOString()}::timestamptz
        where i.kind = 'pod_crash_looping' and i.resolved_at is null and i.last_seen_at < ${quietSince.toISOString()}::timestamptz
          and not ${storedPodCrashLooping(sql`i.cluster_id`, sql`i.subject`)}
        returning i.cluster_id`,
  );
  return [...new Set(rows.map((r) => r.cluster_id))];
}

export type IncidentListRow = Incident & { clusterName: string; environment: Environment };

/**
 * Open or resolved incidents of the given orgs' clusters, newest first, at most `limit`; `before` is
 * the (opened_at, id) of the previous page's last row.
 */
export async function listIncidents(
  db: Db,
  orgIds: string[],
  opts: { state: 'open' | 'resolved'; limit: number; clusterId?: string; before?: { openedAt: Date; id: string } },
): Promise<IncidentListRow[]> {
  if (orgIds.length === 0) return [];
  const conds = [inArray(incidents.orgId, orgIds), opts.state === 'open' ? isNull(incidents.resolvedAt) : isNotNull(incidents.resolvedAt)];
  if (opts.clusterId) conds.push(eq(incidents.clusterId, opts.clusterId));
  if (opts.before) conds.push(sql`(${incidents.openedAt}, ${incidents.id}) < (${opts.before.openedAt.toISOString()}::timestamptz, ${opts.before.id}::uuid)`);
  const rows = await db
    .select({ incident: incidents, clusterName: clusters.name, environment: clusters.environment })
    .from(incidents)
    .innerJoin(clusters, eq(clusters.id, incidents.clusterId))
    .where(and(...conds))
    .orderBy(desc(incidents.openedAt), desc(incidents.id))
    .limit(opts.limit);
  return rows.map((r) => ({ ...r.incident, clusterName: r.clusterName, environment: r.environment }));
}

/** Open incidents per cluster, for badges ("2 open"). */
export async function countOpenIncidents(db: Db, clusterIds: string[]): Promise<Map<string, number>> {
  if (clusterIds.length === 0) return new Map();
  const rows = await db
    .select({ clusterId: incidents.clusterId, n: sql<number>`count(*)::int` })
    .from(incidents)
    .where(and(inArray(incidents.clusterId, clusterIds), isNull(incidents.resolvedAt)))
    .groupBy(incidents.clusterId);
  return new Map(rows.map((r) => [r.clusterId, Number(r.n)]));
}
