// Queries of the policies domain: findings, per-org settings and waivers. Plain functions taking the
// executor first; the caller owns the transaction.
import { and, desc, eq, gt, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { isUuid, pgArrayLiteral, queryRows, type Db } from '../db/client';
import { clusters } from '../clusters/schema';
import type { Environment } from '../clusters/vocabulary';
import type { Severity } from './severity';
import { policyFindings, policyOrgSettings, policyWaivers, type PolicyFindingRow, type PolicyOrgSettings, type PolicyWaiver, type Resolution } from './schema';
import { DEFAULT_EXEMPT_NAMESPACES, isRuleId, type PolicyCategory, type PolicyFinding, type RuleId } from './vocabulary';

/** A workload as findings and waivers name it. */
export type WorkloadKey = { namespace: string; kind: string; name: string };

export function workloadKeyOf(row: { namespace: string; workloadKind: string; workloadName: string }): WorkloadKey {
  return { namespace: row.namespace, kind: row.workloadKind, name: row.workloadName };
}

/** What applies to one org's clusters: the union of disabled rules up the tree, and the nearest exempt list. */
export type EffectivePolicySettings = { disabled: Set<RuleId>; exemptNamespaces: string[] };

export async function loadEffectiveSettings(db: Db, orgId: string): Promise<EffectivePolicySettings> {
  const rows = await queryRows<{ depth: number; disabled_rules: string[] | null; exempt_namespaces: string[] | null }>(
    db,
    sql`with recursive chain(id, parent_id, depth) as (
          select id, parent_id, 0 from orgs where id = ${orgId}
          union all
          select o.id, o.parent_id, chain.depth + 1 from orgs o join chain on o.id = chain.parent_id
        )
        select chain.depth, s.disabled_rules, s.exempt_namespaces
        from chain left join policy_org_settings s on s.org_id = chain.id
        order by chain.depth`,
  );
  const disabled = new Set<RuleId>();
  let exempt: string[] | null = null;
  for (const r of rows) {
    for (const id of r.disabled_rules ?? []) if (isRuleId(id)) disabled.add(id);
    if (exempt === null && r.exempt_namespaces) exempt = r.exempt_namespaces;
  }
  return { disabled, exemptNamespaces: exempt ?? [...DEFAULT_EXEMPT_NAMESPACES] };
}

export async function findOrgSettings(db: Db, orgId: string): Promise<PolicyOrgSettings | null> {
  const [row] = await db.select().from(policyOrgSettings).where(eq(policyOrgSettings.orgId, orgId));
  return row ?? null;
}

export async function saveOrgSettings(
  db: Db,
  orgId: string,
  values: { disabledRules: RuleId[]; exemptNamespaces: string[] | null },
  by: string | null,
  now: Date,
): Promise<void> {
  const row = { orgId, disabledRules: values.disabledRules, exemptNamespaces: values.exemptNamespaces, updatedAt: now, updatedBy: by };
  await db.insert(policyOrgSettings).values(row).onConflictDoUpdate({ target: policyOrgSettings.orgId, set: row });
}

/** Open findings of a cluster; of the given workloads only when `workloads` is passed. */
export async function listOpenFindings(db: Db, clusterId: string, workloads?: readonly WorkloadKey[]): Promise<PolicyFindingRow[]> {
  const conds: SQL[] = [eq(policyFindings.clusterId, clusterId), isNull(policyFindings.resolvedAt)];
  if (workloads) {
    if (workloads.length === 0) return [];
    const arr = (f: (w: WorkloadKey) => string) => sql`${pgArrayLiteral(workloads.map(f))}::text::text[]`;
    conds.push(
      sql`(${policyFindings.namespace}, ${policyFindings.workloadKind}, ${policyFindings.workloadName}) in (select * from unnest(${arr((w) => w.namespace)}, ${arr((w) => w.kind)}, ${arr((w) => w.name)}))`,
    );
  }
  return db
    .select()
    .from(policyFindings)
    .where(and(...conds));
}

export type NewFinding = WorkloadKey & { finding: PolicyFinding };

/** Rows or ids per statement: a first beat of a big cluster opens tens of thousands of findings, and one statement takes at most 65,535 parameters. */
const CHUNK = 2000;

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

/** Inserts new open findings (a concurrent insert of the same open finding is skipped, not duplicated). */
export async function insertFindings(db: Db, clusterId: string, rows: readonly NewFinding[], now: Date): Promise<void> {
  for (const chunk of chunks(rows)) await insertChunk(db, clusterId, chunk, now);
}

async function insertChunk(db: Db, clusterId: string, rows: readonly NewFinding[], now: Date): Promise<void> {
  await db
    .insert(policyFindings)
    .values(
      rows.map((r) => ({
        clusterId,
        namespace: r.namespace,
        workloadKind: r.kind,
        workloadName: r.name,
        ruleId: r.finding.ruleId,
        category: r.finding.category,
        severity: r.finding.severity,
        message: r.finding.message,
        containers: r.finding.containers,
        firstSeenAt: now,
        lastSeenAt: now,
      })),
    )
    .onConflictDoNothing();
}

/** Still open: the latest evaluation's words and severity, seen now (one statement per chunk). */
export async function refreshFindings(db: Db, rows: readonly { id: string; finding: PolicyFinding }[], now: Date): Promise<void> {
  for (const chunk of chunks(rows)) {
    const arr = (f: (r: { id: string; finding: PolicyFinding }) => string, type: string) => sql`${pgArrayLiteral(chunk.map(f))}::text::${sql.raw(type)}[]`;
    await db.execute(sql`
      update policy_findings p
      set severity = u.severity, message = u.message, containers = u.containers::jsonb, last_seen_at = ${now.toISOString()}::timestamptz
      from unnest(${arr((r) => r.id, 'uuid')}, ${arr((r) => r.finding.severity, 'text')}, ${arr((r) => r.finding.message, 'text')}, ${arr((r) => JSON.stringify(r.finding.containers), 'text')})
        as u(id, severity, message, containers)
      where p.id = u.id`);
  }
}

export async function touchFindings(db: Db, ids: readonly string[], now: Date): Promise<void> {
  for (const chunk of chunks(ids)) await db.update(policyFindings).set({ lastSeenAt: now }).where(inArray(policyFindings.id, chunk));
}

export async function resolveFindings(db: Db, ids: readonly string[], resolution: Resolution, now: Date): Promise<void> {
  for (const chunk of chunks(ids))
    await db
      .update(policyFindings)
      .set({ resolvedAt: now, resolution })
      .where(and(inArray(policyFindings.id, chunk), isNull(policyFindings.resolvedAt)));
}

/** A finding as lists show it: with its cluster and the waiver in force at `now`, if any. */
export type FindingListRow = PolicyFindingRow & {
  clusterName: string;
  orgId: string;
  environment: Environment;
  waiver: { id: string; reason: string; expiresAt: Date } | null;
};

export type FindingFilter = {
  id?: string;
  state?: 'open' | 'resolved';
  clusterId?: string;
  severity?: Severity;
  environment?: Environment;
  category?: PolicyCategory;
  ruleId?: RuleId;
  /** "namespace/Kind/name" */
  workload?: WorkloadKey;
  /** include (default), exclude or only the findings waived at `now`. */
  waived?: 'include' | 'exclude' | 'only';
};

export type FindingCursor = { at: Date; id: string };

/** The waiver in force at `now` for the outer query's finding row, as JSON (null when none). Written against
 * the table name, not drizzle columns: inside the subquery an unqualified column would bind to the waiver. */
const activeWaiver = (now: Date) => sql`(
  select json_build_object('id', w.id, 'reason', w.reason, 'expiresAt', w.expires_at)
  from policy_waivers w
  where w.cluster_id = policy_findings.cluster_id and w.namespace = policy_findings.namespace
    and w.workload_kind = policy_findings.workload_kind and w.workload_name = policy_findings.workload_name
    and w.rule_id = policy_findings.rule_id and w.revoked_at is null and w.expires_at > ${now.toISOString()}::timestamptz
  order by w.expires_at desc limit 1)`;

/**
 * Findings of clusters in `orgIds`, newest first by (first seen, id) — a total order, so keyset pages
 * neither skip nor repeat. Waivers are applied as of `now`.
 */
export async function listFindings(
  db: Db,
  orgIds: readonly string[],
  f: FindingFilter,
  page: { limit: number; before?: FindingCursor },
  now: Date,
): Promise<FindingListRow[]> {
  if (orgIds.length === 0) return [];
  const waiver = activeWaiver(now);
  const conds: (SQL | undefined)[] = [
    inArray(clusters.orgId, [...orgIds]),
    f.state === 'resolved' ? sql`${policyFindings.resolvedAt} is not null` : isNull(policyFindings.resolvedAt),
    f.id ? eq(policyFindings.id, f.id) : undefined,
    f.clusterId ? eq(policyFindings.clusterId, f.clusterId) : undefined,
    f.severity ? eq(policyFindings.severity, f.severity) : undefined,
    f.environment ? eq(clusters.environment, f.environment) : undefined,
    f.category ? eq(policyFindings.category, f.category) : undefined,
    f.ruleId ? eq(policyFindings.ruleId, f.ruleId) : undefined,
    f.workload
      ? and(
          eq(policyFindings.namespace, f.workload.namespace),
          eq(policyFindings.workloadKind, f.workload.kind),
          eq(policyFindings.workloadName, f.workload.name),
        )
      : undefined,
    f.waived === 'exclude' ? sql`${waiver} is null` : f.waived === 'only' ? sql`${waiver} is not null` : undefined,
    page.before
      ? or(
          lt(policyFindings.firstSeenAt, page.before.at),
          and(eq(policyFindings.firstSeenAt, page.before.at), sql`${policyFindings.id} < ${page.before.id}::uuid`),
        )
      : undefined,
  ];
  const rows = await db
    .select({
      f: policyFindings,
      clusterName: clusters.name,
      orgId: clusters.orgId,
      environment: clusters.environment,
      waiver: sql<{ id: string; reason: string; expiresAt: string } | null>`${waiver}`,
    })
    .from(policyFindings)
    .innerJoin(clusters, eq(clusters.id, policyFindings.clusterId))
    .where(and(...conds))
    .orderBy(desc(policyFindings.firstSeenAt), desc(policyFindings.id))
    .limit(page.limit);
  return rows.map((r) => ({
    ...r.f,
    clusterName: r.clusterName,
    orgId: r.orgId,
    environment: r.environment,
    waiver: r.waiver ? { id: r.waiver.id, reason: r.waiver.reason, expiresAt: new Date(r.waiver.expiresAt) } : null,
  }));
}

/** One finding if its cluster is in `orgIds`; null otherwise (callers answer 404). */
export async function findFinding(db: Db, id: string, orgIds: readonly string[]): Promise<(PolicyFindingRow & { orgId: string }) | null> {
  if (!isUuid(id) || orgIds.length === 0) return null;
  const [row] = await db
    .select({ f: policyFindings, orgId: clusters.orgId })
    .from(policyFindings)
    .innerJoin(clusters, eq(clusters.id, policyFindings.clusterId))
    .where(and(eq(policyFindings.id, id), inArray(clusters.orgId, [...orgIds])));
  return row ? { ...row.f, orgId: row.orgId } : null;
}

export async function createWaiver(
  db: Db,
  w: { clusterId: string; workload: WorkloadKey; ruleId: RuleId; reason: string; expiresAt: Date; createdBy: string | null },
  now: Date,
): Promise<PolicyWaiver> {
  const [row] = await db
    .insert(policyWaivers)
    .values({
      clusterId: w.clusterId,
      namespace: w.workload.namespace,
      workloadKind: w.workload.kind,
      workloadName: w.workload.name,
      ruleId: w.ruleId,
      reason: w.reason,
      expiresAt: w.expiresAt,
      createdBy: w.createdBy,
      createdAt: now,
    })
    .returning();
  return row;
}

export type WaiverListRow = PolicyWaiver & { clusterName: string; orgId: string };

/** Waivers in force at `now` of clusters in `orgIds`, soonest to expire first (bounded by `limit`). */
export async function listActiveWaivers(db: Db, orgIds: readonly string[], now: Date, limit: number, clusterId?: string): Promise<WaiverListRow[]> {
  if (orgIds.length === 0) return [];
  const rows = await db
    .select({ w: policyWaivers, clusterName: clusters.name, orgId: clusters.orgId })
    .from(policyWaivers)
    .innerJoin(clusters, eq(clusters.id, policyWaivers.clusterId))
    .where(
      and(
        inArray(clusters.orgId, [...orgIds]),
        isNull(policyWaivers.revokedAt),
        gt(policyWaivers.expiresAt, now),
        clusterId ? eq(policyWaivers.clusterId, clusterId) : undefined,
      ),
    )
    .orderBy(policyWaivers.expiresAt, policyWaivers.id)
    .limit(limit);
  return rows.map((r) => ({ ...r.w, clusterName: r.clusterName, orgId: r.orgId }));
}

export async function findWaiver(db: Db, id: string, orgIds: readonly string[]): Promise<(PolicyWaiver & { orgId: string }) | null> {
  if (!isUuid(id) || orgIds.length === 0) return null;
  const [row] = await db
    .select({ w: policyWaivers, orgId: clusters.orgId })
    .from(policyWaivers)
    .innerJoin(clusters, eq(clusters.id, policyWaivers.clusterId))
    .where(and(eq(policyWaivers.id, id), inArray(clusters.orgId, [...orgIds])));
  return row ? { ...row.w, orgId: row.orgId } : null;
}

export async function revokeWaiver(db: Db, id: string, now: Date): Promise<void> {
  await db
    .update(policyWaivers)
    .set({ revokedAt: now })
    .where(and(eq(policyWaivers.id, id), isNull(policyWaivers.revokedAt)));
}

/** Open-finding counts per severity in `orgIds` (not waived at `now`), for the navigation and the page head. */
export async function countOpenFindings(db: Db, orgIds: readonly string[], now: Date): Promise<Record<Severity, number>> {
  const out: Record<Severity, number> = { low: 0, medium: 0, high: 0 };
  if (orgIds.length === 0) return out;
  const rows = await db
    .select({ severity: policyFindings.severity, n: sql<number>`count(*)::int` })
    .from(policyFindings)
    .innerJoin(clusters, eq(clusters.id, policyFindings.clusterId))
    .where(and(inArray(clusters.orgId, [...orgIds]), isNull(policyFindings.resolvedAt), sql`${activeWaiver(now)} is null`))
    .groupBy(policyFindings.severity);
  for (const r of rows) out[r.severity] = r.n;
  return out;
}

/** Ids of the clusters of an org and all its descendants (whom its policy settings reach). */
export async function clusterIdsInSubtree(db: Db, orgId: string): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`with recursive tree(id) as (
          select id from orgs where id = ${orgId}
          union all
          select o.id from orgs o join tree on o.parent_id = tree.id
        )
        select c.id from clusters c join tree on c.org_id = tree.id order by c.id`,
  );
  return rows.map((r) => r.id);
}
