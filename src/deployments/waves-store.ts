// Queries of deployment rollouts and self-heal: plain functions taking the executor (db or tx) first.
import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import { deleteBounded, isUuid, type Db } from '../db/client';
import { clusters } from '../clusters/schema';
import type { ClusterStatus } from '../clusters/vocabulary';
import { deployments, deploymentTargets } from './schema';
import {
  deploymentHeals,
  deploymentRolloutClusters,
  deploymentRollouts,
  deploymentSelfHeal,
  type DeploymentHeal,
  type DeploymentRollout,
  type DeploymentRolloutCluster,
} from './waves-schema';
import type { DeploymentRolloutStatus, RolloutClusterState } from './waves-vocabulary';
import type { ApplyFacts } from './waves-gate';

export type NewRolloutCluster = { clusterId: string; wave: number };

/** Inserts a rollout and its clusters (all waiting); null when the deployment already has an active one. */
export async function insertDeploymentRollout(
  db: Db,
  input: { deploymentId: string; orgId: string; revision: number; healthySeconds: number; waves: string[][]; createdBy: string | null; now: Date },
): Promise<DeploymentRollout | null> {
  const [rollout] = await db
    .insert(deploymentRollouts)
    .values({
      deploymentId: input.deploymentId,
      orgId: input.orgId,
      revision: input.revision,
      healthySeconds: input.healthySeconds,
      waveCount: input.waves.length,
      createdBy: input.createdBy,
      createdAt: input.now,
      updatedAt: input.now,
    })
    .onConflictDoNothing()
    .returning();
  if (!rollout) return null;
  const rows = input.waves.flatMap((ids, wave) => ids.map((clusterId) => ({ rolloutId: rollout.id, clusterId, wave })));
  if (rows.length > 0) await db.insert(deploymentRolloutClusters).values(rows);
  return rollout;
}

/** The rollout if it belongs to one of `orgIds`; null otherwise (callers answer 404). */
export async function findDeploymentRollout(db: Db, id: string, orgIds: readonly string[]): Promise<DeploymentRollout | null> {
  if (!isUuid(id) || orgIds.length === 0) return null;
  const [row] = await db
    .select()
    .from(deploymentRollouts)
    .where(and(eq(deploymentRollouts.id, id), inArray(deploymentRollouts.orgId, [...orgIds])));
  return row ?? null;
}

/** The deployment's running or paused rollout, if any. */
export async function findActiveDeploymentRollout(db: Db, deploymentId: string): Promise<DeploymentRollout | null> {
  const [row] = await db
    .select()
    .from(deploymentRollouts)
    .where(and(eq(deploymentRollouts.deploymentId, deploymentId), inArray(deploymentRollouts.status, ['running', 'paused'])));
  return row ?? null;
}

/** The deployment's rollouts, newest first, at most `limit`. */
export async function listDeploymentRollouts(db: Db, deploymentId: string, limit: number): Promise<DeploymentRollout[]> {
  return db
    .select()
    .from(deploymentRollouts)
    .where(eq(deploymentRollouts.deploymentId, deploymentId))
    .orderBy(desc(deploymentRollouts.createdAt), desc(deploymentRollouts.id))
    .limit(limit);
}

/** The running rollouts for the job, row-locked against an operator's pause or abort in flight; bounded per pass. */
export async function listRunningDeploymentRollouts(db: Db, limit: number): Promise<DeploymentRollout[]> {
  return db
    .select()
    .from(deploymentRollouts)
    .where(eq(deploymentRollouts.status, 'running'))
    .orderBy(asc(deploymentRollouts.updatedAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export type RolloutClusterView = DeploymentRolloutCluster & {
  clusterName: string;
  clusterStatus: ClusterStatus;
  lastHeartbeatAt: Date | null;
  /** When the agent last reported a successful apply of the deployment here. */
  lastSyncAt: Date | null;
  /** The deployment's target row on this cluster (the apply path's view); null before anything was queued. */
  apply: ApplyFacts;
};

/** A rollout's clusters with what the engine and the page read of each, wave by wave, by name. */
export async function listRolloutClusters(db: Db, rollout: Pick<DeploymentRollout, 'id' | 'deploymentId'>): Promise<RolloutClusterView[]> {
  const rows = await db
    .select({
      member: deploymentRolloutClusters,
      clusterName: clusters.name,
      clusterStatus: clusters.status,
      lastHeartbeatAt: clusters.lastHeartbeatAt,
      status: deploymentTargets.status,
      appliedRevision: deploymentTargets.appliedRevision,
      desiredRevision: deploymentTargets.desiredRevision,
      error: deploymentTargets.error,
      lastSyncAt: deploymentTargets.lastSyncAt,
    })
    .from(deploymentRolloutClusters)
    .innerJoin(clusters, eq(clusters.id, deploymentRolloutClusters.clusterId))
    .leftJoin(
      deploymentTargets,
      and(eq(deploymentTargets.deploymentId, rollout.deploymentId), eq(deploymentTargets.clusterId, deploymentRolloutClusters.clusterId)),
    )
    .where(eq(deploymentRolloutClusters.rolloutId, rollout.id))
    .orderBy(asc(deploymentRolloutClusters.wave), asc(clusters.name));
  return rows.map((r) => ({
    ...r.member,
    clusterName: r.clusterName,
    clusterStatus: r.clusterStatus,
    lastHeartbeatAt: r.lastHeartbeatAt,
    lastSyncAt: r.lastSyncAt,
    apply: r.status === null ? null : { status: r.status, appliedRevision: r.appliedRevision, desiredRevision: r.desiredRevision, error: r.error },
  }));
}

export async function setRolloutCluster(
  db: Db,
  rolloutId: string,
  clusterId: string,
  patch: { state?: RolloutClusterState; startedAt?: Date | null; healthySince?: Date | null; finishedAt?: Date | null; message?: string | null },
): Promise<void> {
  await db
    .update(deploymentRolloutClusters)
    .set(patch)
    .where(and(eq(deploymentRolloutClusters.rolloutId, rolloutId), eq(deploymentRolloutClusters.clusterId, clusterId)));
}

/** Moves the clusters of a rollout in `from` states to `patch` (abort, resume); returns the moved cluster ids. */
export async function setRolloutClustersInStates(
  db: Db,
  rolloutId: string,
  from: RolloutClusterState[],
  patch: { state: RolloutClusterState; startedAt?: Date | null; healthySince?: Date | null; message?: string | null },
): Promise<string[]> {
  const rows = await db
    .update(deploymentRolloutClusters)
    .set(patch)
    .where(and(eq(deploymentRolloutClusters.rolloutId, rolloutId), inArray(deploymentRolloutClusters.state, from)))
    .returning({ clusterId: deploymentRolloutClusters.clusterId });
  return rows.map((r) => r.clusterId);
}

/**
 * Changes a rollout only if its status is still in `from` (a pause racing the job is decided by whichever
 * commits first). Returns the updated row, or null when it was not in `from`.
 */
export async function transitionDeploymentRollout(
  db: Db,
  id: string,
  from: DeploymentRolloutStatus[],
  patch: { status?: DeploymentRolloutStatus; pauseReason?: string | null; currentWave?: number; finishedAt?: Date | null; now: Date },
): Promise<DeploymentRollout | null> {
  const { now, ...rest } = patch;
  const [row] = await db
    .update(deploymentRollouts)
    .set({ ...rest, updatedAt: now })
    .where(and(eq(deploymentRollouts.id, id), inArray(deploymentRollouts.status, from)))
    .returning();
  return row ?? null;
}

/** Deletes finished rollouts that finished before `before` (their clusters go with them). Bounded per pass. */
export async function pruneDeploymentRollouts(db: Db, before: Date): Promise<number> {
  return deleteBounded(
    db,
    'deployment_rollouts',
    sql`status in ('completed', 'aborted') and coalesce(finished_at, updated_at) < ${before.toISOString()}::timestamptz`,
  );
}

// --- self-heal ---

export async function isSelfHealEnabled(db: Db, deploymentId: string): Promise<boolean> {
  const [row] = await db.select({ enabled: deploymentSelfHeal.enabled }).from(deploymentSelfHeal).where(eq(deploymentSelfHeal.deploymentId, deploymentId));
  return row?.enabled ?? false;
}

export async function setSelfHeal(db: Db, deploymentId: string, enabled: boolean, userId: string | null, now: Date): Promise<void> {
  await db
    .insert(deploymentSelfHeal)
    .values({ deploymentId, enabled, updatedBy: userId, updatedAt: now })
    .onConflictDoUpdate({ target: deploymentSelfHeal.deploymentId, set: { enabled, updatedBy: userId, updatedAt: now } });
}

/** Deployments with self-heal on, among `deploymentIds`. */
export async function selfHealingAmong(db: Db, deploymentIds: readonly string[]): Promise<Set<string>> {
  if (deploymentIds.length === 0) return new Set();
  const rows = await db
    .select({ id: deploymentSelfHeal.deploymentId })
    .from(deploymentSelfHeal)
    .where(and(inArray(deploymentSelfHeal.deploymentId, [...deploymentIds]), eq(deploymentSelfHeal.enabled, true)));
  return new Set(rows.map((r) => r.id));
}

export async function findHeal(db: Db, deploymentId: string, clusterId: string): Promise<DeploymentHeal | null> {
  const [row] = await db
    .select()
    .from(deploymentHeals)
    .where(and(eq(deploymentHeals.deploymentId, deploymentId), eq(deploymentHeals.clusterId, clusterId)));
  return row ?? null;
}

export async function writeHeal(db: Db, heal: DeploymentHeal): Promise<void> {
  const { deploymentId, clusterId, ...set } = heal;
  await db
    .insert(deploymentHeals)
    .values(heal)
    .onConflictDoUpdate({ target: [deploymentHeals.deploymentId, deploymentHeals.clusterId], set });
}

/** Heal rows whose wait ended long ago (the streak is over); kept small by housekeeping. */
export async function pruneHeals(db: Db, before: Date): Promise<number> {
  const rows = await db.delete(deploymentHeals).where(lte(deploymentHeals.nextAllowedAt, before)).returning({ id: deploymentHeals.deploymentId });
  return rows.length;
}

export type OpsTarget = {
  clusterId: string;
  clusterName: string;
  clusterStatus: ClusterStatus;
  status: string;
  appliedRevision: number | null;
  desiredRevision: number | null;
  error: string | null;
  lastSyncAt: Date | null;
};

/** The deployment's clusters (its target rows) with each cluster's status, by cluster name; bounded. */
export async function listOpsTargets(db: Db, deploymentId: string, limit: number): Promise<OpsTarget[]> {
  return db
    .select({
      clusterId: deploymentTargets.clusterId,
      clusterName: clusters.name,
      clusterStatus: clusters.status,
      status: deploymentTargets.status,
      appliedRevision: deploymentTargets.appliedRevision,
      desiredRevision: deploymentTargets.desiredRevision,
      error: deploymentTargets.error,
      lastSyncAt: deploymentTargets.lastSyncAt,
    })
    .from(deploymentTargets)
    .innerJoin(clusters, eq(clusters.id, deploymentTargets.clusterId))
    .where(and(eq(deploymentTargets.deploymentId, deploymentId), sql`${deploymentTargets.status} <> 'deleted'`))
    .orderBy(asc(clusters.name), asc(clusters.id))
    .limit(limit);
}

export type SelfHealingDeployment = { id: string; orgId: string; name: string; enabledBy: string | null };

/** Active deployments with self-heal on, for the job; bounded per pass. */
export async function listSelfHealingDeployments(db: Db, limit: number): Promise<SelfHealingDeployment[]> {
  return db
    .select({ id: deployments.id, orgId: deployments.orgId, name: deployments.name, enabledBy: deploymentSelfHeal.updatedBy })
    .from(deploymentSelfHeal)
    .innerJoin(deployments, eq(deployments.id, deploymentSelfHeal.deploymentId))
    .where(and(eq(deploymentSelfHeal.enabled, true), eq(deployments.status, 'active')))
    .orderBy(asc(deployments.id))
    .limit(limit);
}
