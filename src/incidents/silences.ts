// Silences, as Alertmanager has them: matchers (cluster, kind, workload, environment; any subset) over an
// org's subtree for a period. A silence never hides an incident; it keeps `incidents.silenced_until` set,
// which is what notifications read. That column is recomputed here whenever silences or incidents change.
import { and, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { clusters } from '../clusters/schema';
import type { Environment } from '../clusters/vocabulary';
import { users } from '../accounts/schema';
import { incidentSilences, type IncidentSilence } from './schema';
import type { IncidentKind } from './vocabulary';

export type SilenceMatchers = { clusterId: string | null; kind: IncidentKind | null; workload: string | null; environment: Environment | null };

/** What a silence is compared with: the incident, its cluster's environment, and its org with every ancestor. */
export type SilenceTarget = { clusterId: string; kind: IncidentKind; subject: string; environment: Environment; orgLineage: readonly string[] };

/**
 * Whether a silence applies to an incident at `now`: active, set by the incident's org or an ancestor,
 * and every matcher it sets equal. The SQL in refreshSilenced is this function.
 */
export function silenceMatches(s: SilenceMatchers & { orgId: string; startsAt: Date; endsAt: Date }, i: SilenceTarget, now: Date): boolean {
  return (
    s.startsAt <= now &&
    now < s.endsAt &&
    i.orgLineage.includes(s.orgId) &&
    (s.clusterId === null || s.clusterId === i.clusterId) &&
    (s.kind === null || s.kind === i.kind) &&
    (s.workload === null || s.workload === i.subject) &&
    (s.environment === null || s.environment === i.environment)
  );
}

/**
 * Sets `silenced_until` of the active (pending or open) incidents in scope to the latest end of the
 * silences matching them now, or null; writes only rows whose value changes. Scope: one cluster's, the
 * incidents of some orgs, or (empty) every active incident — the periodic pass, which catches silences
 * that started or ended since.
 * Only two kinds of incident can change: one silenced now (its silence may have ended) and one in the subtree of an
 * organization with a silence active now. The others are not read, so the periodic pass stays small however many
 * incidents a fleet has open. (Its seconds-long passes at 7,000 clusters were JIT compilation, not these rows: see
 * SESSION_SETTINGS in src/db/client.ts.)
 */
export async function refreshSilenced(db: Db, now: Date, scope: { clusterId?: string; orgIds?: readonly string[] }): Promise<number> {
  const at = now.toISOString();
  const where = scope.clusterId
    ? sql`and i.cluster_id = ${scope.clusterId}::uuid`
    : scope.orgIds
      ? scope.orgIds.length
        ? sql`and i.org_id in (${sql.join(
            scope.orgIds.map((o) => sql`${o}::uuid`),
            sql`, `,
          )})`
        : sql`and false`
      : sql``;
  const rows = await queryRows<{ id: string }>(
    db,
    sql`with recursive covered(org_id) as (
          select org_id from incident_silences where starts_at <= ${at}::timestamptz and ends_at > ${at}::timestamptz
          union
          select o.id from orgs o join covered c on o.parent_id = c.org_id),
        target as (
          select i.id, i.org_id, i.cluster_id, i.kind, i.subject, i.silenced_until, c.environment
          from incidents i join clusters c on c.id = i.cluster_id
          where i.resolved_at is null ${where} and (i.silenced_until is not null or i.org_id in (select org_id from covered))),
        lineage(org_id, ancestor) as (
          select distinct org_id, org_id from target
          union all
          select l.org_id, o.parent_id from lineage l join orgs o on o.id = l.ancestor where o.parent_id is not null),
        computed as (
          select t.id, t.silenced_until as was, (
            select max(s.ends_at) from incident_silences s
            where s.org_id in (select ancestor from lineage l where l.org_id = t.org_id)
              and s.starts_at <= ${at}::timestamptz and s.ends_at > ${at}::timestamptz
              and (s.cluster_id is null or s.cluster_id = t.cluster_id)
              and (s.kind is null or s.kind = t.kind)
              and (s.workload is null or s.workload = t.subject)
              and (s.environment is null or s.environment = t.environment)) as until
          from target t)
        update incidents i set silenced_until = computed.until
        from computed where i.id = computed.id and computed.was is distinct from computed.until
        returning i.id`,
  );
  return rows.length;
}

export type NewSilence = SilenceMatchers & { orgId: string; startsAt: Date; endsAt: Date; comment: string; createdBy: string | null };

export async function createSilence(db: Db, s: NewSilence): Promise<IncidentSilence> {
  const [row] = await db.insert(incidentSilences).values(s).returning();
  return row;
}

/** Ends a silence now (never moves an end later); null when it is not in the orgs or already over. */
export async function expireSilence(db: Db, orgIds: readonly string[], id: string, now: Date): Promise<IncidentSilence | null> {
  if (orgIds.length === 0) return null;
  const [row] = await db
    .update(incidentSilences)
    .set({
      endsAt: sql`greatest(${incidentSilences.startsAt} + interval '1 millisecond', least(${incidentSilences.endsAt}, ${now.toISOString()}::timestamptz))`,
    })
    .where(and(eq(incidentSilences.id, id), inArray(incidentSilences.orgId, [...orgIds]), gt(incidentSilences.endsAt, now)))
    .returning();
  return row ?? null;
}

export type SilenceRow = IncidentSilence & { clusterName: string | null; creatorEmail: string | null };

/** Silences set by the given orgs, newest first; `activeOnly` drops those already over. */
export async function listSilences(db: Db, orgIds: readonly string[], opts: { activeOnly: boolean; limit: number; now: Date }): Promise<SilenceRow[]> {
  if (orgIds.length === 0) return [];
  const conds = [inArray(incidentSilences.orgId, [...orgIds])];
  if (opts.activeOnly) conds.push(gt(incidentSilences.endsAt, opts.now));
  const rows = await db
    .select({ silence: incidentSilences, clusterName: clusters.name, creatorEmail: users.email })
    .from(incidentSilences)
    .leftJoin(clusters, eq(clusters.id, incidentSilences.clusterId))
    .leftJoin(users, eq(users.id, incidentSilences.createdBy))
    .where(and(...conds))
    .orderBy(desc(incidentSilences.createdAt), desc(incidentSilences.id))
    .limit(opts.limit);
  return rows.map((r) => ({ ...r.silence, clusterName: r.clusterName, creatorEmail: r.creatorEmail }));
}

export async function findSilence(db: Db, orgIds: readonly string[], id: string): Promise<SilenceRow | null> {
  if (orgIds.length === 0 || !/^[0-9a-f-]{36}$/i.test(id)) return null;
  const rows = await db
    .select({ silence: incidentSilences, clusterName: clusters.name, creatorEmail: users.email })
    .from(incidentSilences)
    .leftJoin(clusters, eq(clusters.id, incidentSilences.clusterId))
    .leftJoin(users, eq(users.id, incidentSilences.createdBy))
    .where(and(eq(incidentSilences.id, id), inArray(incidentSilences.orgId, [...orgIds])));
  const r = rows[0];
  return r ? { ...r.silence, clusterName: r.clusterName, creatorEmail: r.creatorEmail } : null;
}
