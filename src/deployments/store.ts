// Queries of deployments, their revisions and their per-cluster targets. Plain functions, executor first; the
// services own the transactions.
import { and, asc, desc, eq, gt, inArray, lt, ne, or, sql } from 'drizzle-orm';
import { isUuid, type Db } from '../db/client';
import { users } from '../accounts/schema';
import { clusters } from '../clusters/schema';
import { commands, type CommandRow } from '../commands/schema';
import { deployments, deploymentRevisions, deploymentTargets, type Deployment, type DeploymentRevision, type DeploymentTarget } from './schema';
import type { DeploymentSource, ObjectRef, RevisionSource, TargetSelector, TargetStatus } from './vocabulary';

export type NewDeployment = {
  orgId: string;
  name: string;
  namespace: string;
  source: DeploymentSource;
  targets: TargetSelector;
  createdBy: string | null;
};

export async function insertDeployment(db: Db, input: NewDeployment): Promise<{ ok: true; deployment: Deployment } | { ok: false; reason: 'name_taken' }> {
  // The only unique key a new row can hit is (org, lower(name)) among deployments not deleted. No exception:
  // the caller's transaction stays usable.
  const [row] = await db.insert(deployments).values(input).onConflictDoNothing().returning();
  return row ? { ok: true, deployment: row } : { ok: false, reason: 'name_taken' };
}

/** The deployment if it belongs to one of `orgIds` (deleted ones included); null otherwise (callers answer 404). */
export async function findDeployment(db: Db, id: string, orgIds: readonly string[]): Promise<Deployment | null> {
  if (!isUuid(id) || orgIds.length === 0) return null;
  const [row] = await db
    .select()
    .from(deployments)
    .where(and(eq(deployments.id, id), inArray(deployments.orgId, [...orgIds])));
  return row ?? null;
}

/** Locks the deployment row for the rest of the transaction (revision numbering, apply, delete serialise on it). */
export async function lockDeployment(tx: Db, id: string): Promise<Deployment | null> {
  if (!isUuid(id)) return null;
  const [row] = await tx.select().from(deployments).where(eq(deployments.id, id)).for('update');
  return row ?? null;
}

export async function updateDeployment(
  db: Db,
  id: string,
  patch: Partial<Pick<Deployment, 'targets' | 'status' | 'latestRevision' | 'deletedAt'>>,
  now: Date,
): Promise<Deployment> {
  const [row] = await db
    .update(deployments)
    .set({ ...patch, updatedAt: now })
    .where(eq(deployments.id, id))
    .returning();
  return row;
}

export type DeploymentListFilter = { orgIds: readonly string[]; includeDeleted?: boolean };

/** A page of deployments by name then id; `after` is the (name, id) of the previous page's last row. */
export async function listDeployments(db: Db, f: DeploymentListFilter, page: { limit: number; after?: [string, string] }): Promise<Deployment[]> {
  if (f.orgIds.length === 0) return [];
  const conds = [inArray(deployments.orgId, [...f.orgIds])];
  if (!f.includeDeleted) conds.push(ne(deployments.status, 'deleted'));
  if (page.after) {
    const [name, id] = page.after;
    conds.push(or(gt(deployments.name, name), and(eq(deployments.name, name), gt(deployments.id, id)))!);
  }
  return db
    .select()
    .from(deployments)
    .where(and(...conds))
    .orderBy(asc(deployments.name), asc(deployments.id))
    .limit(page.limit);
}

export type NewRevision = {
  deploymentId: string;
  number: number;
  content: string;
  sha256: string;
  source: RevisionSource;
  builderForm: unknown;
  gitCommit: string | null;
  message: string | null;
  rollbackOf: number | null;
  objects: ObjectRef[];
  createdBy: string | null;
  createdAt: Date;
};

/** Revisions are written once and never updated: there is no update function on purpose. */
export async function insertRevision(db: Db, input: NewRevision): Promise<DeploymentRevision> {
  const [row] = await db.insert(deploymentRevisions).values(input).returning();
  return row;
}

export async function findRevision(db: Db, deploymentId: string, number: number): Promise<DeploymentRevision | null> {
  if (!Number.isSafeInteger(number) || number < 1) return null;
  const [row] = await db
    .select()
    .from(deploymentRevisions)
    .where(and(eq(deploymentRevisions.deploymentId, deploymentId), eq(deploymentRevisions.number, number)));
  return row ?? null;
}

export type RevisionListRow = Omit<DeploymentRevision, 'content' | 'builderForm'> & { createdByEmail: string | null };

/** Newest first without their content; `before` is the previous page's last number. */
export async function listRevisions(db: Db, deploymentId: string, page: { limit: number; before?: number }): Promise<RevisionListRow[]> {
  const conds = [eq(deploymentRevisions.deploymentId, deploymentId)];
  if (page.before !== undefined) conds.push(lt(deploymentRevisions.number, page.before));
  const rows = await db
    .select({
      deploymentId: deploymentRevisions.deploymentId,
      number: deploymentRevisions.number,
      sha256: deploymentRevisions.sha256,
      source: deploymentRevisions.source,
      gitCommit: deploymentRevisions.gitCommit,
      message: deploymentRevisions.message,
      rollbackOf: deploymentRevisions.rollbackOf,
      objects: deploymentRevisions.objects,
      createdBy: deploymentRevisions.createdBy,
      createdAt: deploymentRevisions.createdAt,
      createdByEmail: users.email,
    })
    .from(deploymentRevisions)
    .leftJoin(users, eq(users.id, deploymentRevisions.createdBy))
    .where(and(...conds))
    .orderBy(desc(deploymentRevisions.number))
    .limit(page.limit);
  return rows;
}

/** A target with its cluster's name and its last command's delivery state (status reads derive from it). */
export type TargetRow = DeploymentTarget & {
  clusterName: string;
  clusterOrgId: string;
  command: Pick<CommandRow, 'status' | 'deliveredAt' | 'expiresAt'> | null;
};

const targetColumns = {
  target: deploymentTargets,
  clusterName: clusters.name,
  clusterOrgId: clusters.orgId,
  commandStatus: commands.status,
  commandDeliveredAt: commands.deliveredAt,
  commandExpiresAt: commands.expiresAt,
};

type TargetSelect = {
  target: DeploymentTarget;
  clusterName: string;
  clusterOrgId: string;
  commandStatus: CommandRow['status'] | null;
  commandDeliveredAt: Date | null;
  commandExpiresAt: Date | null;
};

function targetRowOf(r: TargetSelect): TargetRow {
  return {
    ...r.target,
    clusterName: r.clusterName,
    clusterOrgId: r.clusterOrgId,
    command: r.commandStatus && r.commandExpiresAt ? { status: r.commandStatus, deliveredAt: r.commandDeliveredAt, expiresAt: r.commandExpiresAt } : null,
  };
}

/** The deployment's clusters by cluster name. */
export async function listTargets(db: Db, deploymentId: string): Promise<TargetRow[]> {
  const rows = await db
    .select(targetColumns)
    .from(deploymentTargets)
    .innerJoin(clusters, eq(clusters.id, deploymentTargets.clusterId))
    .leftJoin(commands, eq(commands.id, deploymentTargets.commandId))
    .where(eq(deploymentTargets.deploymentId, deploymentId))
    .orderBy(asc(clusters.name), asc(clusters.id));
  return rows.map(targetRowOf);
}

/** The targets of many deployments at once (a list page), by deployment id. */
export async function listTargetsOf(db: Db, deploymentIds: readonly string[]): Promise<Map<string, TargetRow[]>> {
  const out = new Map<string, TargetRow[]>();
  if (deploymentIds.length === 0) return out;
  const rows = await db
    .select(targetColumns)
    .from(deploymentTargets)
    .innerJoin(clusters, eq(clusters.id, deploymentTargets.clusterId))
    .leftJoin(commands, eq(commands.id, deploymentTargets.commandId))
    .where(inArray(deploymentTargets.deploymentId, [...deploymentIds]))
    .orderBy(asc(clusters.name), asc(clusters.id));
  for (const r of rows) {
    const list = out.get(r.target.deploymentId) ?? [];
    list.push(targetRowOf(r));
    out.set(r.target.deploymentId, list);
  }
  return out;
}

export type ClusterDeploymentRow = TargetRow & { deployment: Deployment };

/** The deployments on one cluster (not deleted ones), by deployment name. Bounded by `limit`. */
export async function listClusterDeployments(db: Db, clusterId: string, limit: number): Promise<ClusterDeploymentRow[]> {
  const rows = await db
    .select({ ...targetColumns, deployment: deployments })
    .from(deploymentTargets)
    .innerJoin(deployments, eq(deployments.id, deploymentTargets.deploymentId))
    .innerJoin(clusters, eq(clusters.id, deploymentTargets.clusterId))
    .leftJoin(commands, eq(commands.id, deploymentTargets.commandId))
    .where(and(eq(deploymentTargets.clusterId, clusterId), ne(deployments.status, 'deleted')))
    .orderBy(asc(deployments.name), asc(deployments.id))
    .limit(limit);
  return rows.map((r) => ({ ...targetRowOf(r), deployment: r.deployment }));
}

export async function findTarget(db: Db, deploymentId: string, clusterId: string): Promise<DeploymentTarget | null> {
  const [row] = await db
    .select()
    .from(deploymentTargets)
    .where(and(eq(deploymentTargets.deploymentId, deploymentId), eq(deploymentTargets.clusterId, clusterId)));
  return row ?? null;
}

/** The target whose latest command is `commandId`; null when none (or superseded). `lock`: FOR UPDATE. */
export async function findTargetByCommand(tx: Db, commandId: string, lock = false): Promise<DeploymentTarget | null> {
  if (!isUuid(commandId)) return null;
  const query = tx.select().from(deploymentTargets).where(eq(deploymentTargets.commandId, commandId));
  const [row] = lock ? await query.for('update') : await query;
  return row ?? null;
}

export type TargetWrite = {
  deploymentId: string;
  clusterId: string;
  desiredRevision?: number | null;
  appliedRevision?: number | null;
  status: TargetStatus;
  error?: string | null;
  commandId?: string | null;
  ownedObjects?: ObjectRef[];
  lastSyncAt?: Date | null;
  updatedAt: Date;
};

/** Creates the target or overwrites the given columns of it. */
export async function upsertTarget(db: Db, write: TargetWrite): Promise<DeploymentTarget> {
  const { deploymentId, clusterId, ...set } = write;
  const [row] = await db
    .insert(deploymentTargets)
    .values(write)
    .onConflictDoUpdate({ target: [deploymentTargets.deploymentId, deploymentTargets.clusterId], set })
    .returning();
  return row;
}

/**
 * Targets waiting on a command that expired (never delivered, or no result in time) turn failed, with the
 * reason. Returns them (for the cluster timeline). A late result still lands afterwards (results.ts).
 */
export async function failExpiredTargets(db: Db, now: Date): Promise<DeploymentTarget[]> {
  return db
    .update(deploymentTargets)
    .set({
      status: 'failed',
      error: sql`case when ${commands.deliveredAt} is null
        then 'the agent did not pick the command up before it expired (is the cluster online?)'
        else 'the agent took the command but sent no result in time' end`,
      updatedAt: now,
    })
    .from(commands)
    .where(
      and(eq(commands.id, deploymentTargets.commandId), eq(commands.status, 'expired'), inArray(deploymentTargets.status, ['pending', 'applying', 'deleting'])),
    )
    .returning();
}

/** Locks a deployment's targets (delete counts them while results may land). */
export async function lockTargets(tx: Db, deploymentId: string): Promise<DeploymentTarget[]> {
  return tx.select().from(deploymentTargets).where(eq(deploymentTargets.deploymentId, deploymentId)).for('update');
}

/** Deployments (not deleted) in `orgIds`. */
export async function countDeployments(db: Db, orgIds: readonly string[]): Promise<number> {
  if (orgIds.length === 0) return 0;
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(deployments)
    .where(and(inArray(deployments.orgId, [...orgIds]), ne(deployments.status, 'deleted')));
  return Number(row?.n ?? 0);
}
