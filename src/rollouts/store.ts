// Queries of the rollouts domain: plain functions taking the executor (db or tx) first.
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { deleteBounded, type Db } from '../db/client';
import { clusters } from '../clusters/schema';
import type { ClusterStatus } from '../clusters/vocabulary';
import { agentRollouts, agentRolloutTargets, type Rollout, type RolloutTarget } from './schema';
import { ACTIVE_ROLLOUT_STATUSES, ROLLOUT_STATUSES, type RolloutStatus, type TargetState } from './vocabulary';

export type NewTarget = { clusterId: string; wave: number; state: TargetState; fromVersion: string | null; message: string | null };

export type InsertRolloutResult = { ok: true; rollout: Rollout } | { ok: false; reason: 'active_exists' };

/** Inserts a rollout and its targets; refused when the org already has one running or paused (the partial unique index). */
export async function insertRollout(
  db: Db,
  input: { orgId: string; targetVersion: string; targetImage: string; createdBy: string | null; waveCount: number; targets: NewTarget[]; now: Date },
): Promise<InsertRolloutResult> {
  const [rollout] = await db
    .insert(agentRollouts)
    .values({
      orgId: input.orgId,
      targetVersion: input.targetVersion,
      targetImage: input.targetImage,
      waveCount: input.waveCount,
      createdBy: input.createdBy,
      createdAt: input.now,
      updatedAt: input.now,
    })
    .onConflictDoNothing()
    .returning();
  if (!rollout) return { ok: false, reason: 'active_exists' };
  if (input.targets.length > 0) await db.insert(agentRolloutTargets).values(input.targets.map((t) => ({ ...t, rolloutId: rollout.id })));
  return { ok: true, rollout };
}

export async function findRollout(db: Db, id: string, orgIds: readonly string[]): Promise<Rollout | null> {
  if (orgIds.length === 0) return null;
  const [row] = await db
    .select()
    .from(agentRollouts)
    .where(and(eq(agentRollouts.id, id), inArray(agentRollouts.orgId, [...orgIds])));
  return row ?? null;
}

/** The org's running or paused rollout, if any. */
export async function findActiveRollout(db: Db, orgId: string): Promise<Rollout | null> {
  const [row] = await db
    .select()
    .from(agentRollouts)
    .where(and(eq(agentRollouts.orgId, orgId), inArray(agentRollouts.status, ['running', 'paused'])));
  return row ?? null;
}

/** Newest first, at most `limit`. */
export async function listRollouts(db: Db, orgIds: readonly string[], limit: number): Promise<Rollout[]> {
  if (orgIds.length === 0) return [];
  return db
    .select()
    .from(agentRollouts)
    .where(inArray(agentRollouts.orgId, [...orgIds]))
    .orderBy(desc(agentRollouts.createdAt), desc(agentRollouts.id))
    .limit(limit);
}

/** The running rollouts, for the job; the lock row-locks them against an operator's pause in flight. */
export async function listRunningRollouts(db: Db): Promise<Rollout[]> {
  return db.select().from(agentRollouts).where(eq(agentRollouts.status, 'running')).for('update');
}

export type TargetView = RolloutTarget & {
  clusterName: string;
  environment: string;
  agentVersion: string | null;
  clusterStatus: ClusterStatus;
  lastHeartbeatAt: Date | null;
};

/** A rollout's clusters with what the engine reads of each, wave by wave, by name. */
export async function listTargets(db: Db, rolloutId: string): Promise<TargetView[]> {
  const rows = await db
    .select({
      target: agentRolloutTargets,
      clusterName: clusters.name,
      environment: clusters.environment,
      agentVersion: clusters.agentVersion,
      clusterStatus: clusters.status,
      lastHeartbeatAt: clusters.lastHeartbeatAt,
    })
    .from(agentRolloutTargets)
    .innerJoin(clusters, eq(clusters.id, agentRolloutTargets.clusterId))
    .where(eq(agentRolloutTargets.rolloutId, rolloutId))
    .orderBy(agentRolloutTargets.wave, clusters.name);
  return rows.map((r) => ({
    ...r.target,
    clusterName: r.clusterName,
    environment: r.environment,
    agentVersion: r.agentVersion,
    clusterStatus: r.clusterStatus,
    lastHeartbeatAt: r.lastHeartbeatAt,
  }));
}

export async function setTarget(
  db: Db,
  rolloutId: string,
  clusterId: string,
  patch: { state: TargetState; toldAt?: Date | null; finishedAt?: Date | null; message?: string | null },
): Promise<void> {
  await db
    .update(agentRolloutTargets)
    .set(patch)
    .where(and(eq(agentRolloutTargets.rolloutId, rolloutId), eq(agentRolloutTargets.clusterId, clusterId)));
}

/** Moves the targets of a rollout in `from` states to `to` (abort, resume). */
export async function setTargetsInStates(
  db: Db,
  rolloutId: string,
  from: TargetState[],
  patch: { state: TargetState; toldAt?: Date | null; message?: string | null },
): Promise<void> {
  await db
    .update(agentRolloutTargets)
    .set(patch)
    .where(and(eq(agentRolloutTargets.rolloutId, rolloutId), inArray(agentRolloutTargets.state, from)));
}

/**
 * Changes a rollout's status only if it is still in `from` (so a pause racing the job's advance is decided
 * by whichever commits first, never both). Returns the updated row, or null when it was not in `from`.
 */
export async function transitionRollout(
  db: Db,
  id: string,
  from: RolloutStatus[],
  patch: { status?: RolloutStatus; pauseReason?: string | null; currentWave?: number; finishedAt?: Date | null; now: Date },
): Promise<Rollout | null> {
  const { now, ...rest } = patch;
  const [row] = await db
    .update(agentRollouts)
    .set({ ...rest, updatedAt: now })
    .where(and(eq(agentRollouts.id, id), inArray(agentRollouts.status, from)))
    .returning();
  return row ?? null;
}

/**
 * What the heartbeat answer tells this cluster's agent: the image of a running rollout that has told this
 * cluster to update and not yet seen it back, as a SQL expression giving `{"image","version"}` JSON or null
 * (the heartbeat reads it in the statement that stores the beat). One indexed probe: the partial index holds
 * only the clusters being updated right now.
 */
export function agentUpdateExpr(clusterId: string): SQL {
  return sql`(select json_build_object('image', r.target_image, 'version', r.target_version)
    from ${agentRolloutTargets} t join ${agentRollouts} r on r.id = t.rollout_id
    where t.cluster_id = ${clusterId} and t.state = 'updating' and r.status = 'running' limit 1)`;
}

/** Clusters (of `clusterIds`) in a running or paused rollout's unfinished part: a second rollout must not take them. */
export async function clustersInActiveRollouts(db: Db, clusterIds: readonly string[]): Promise<Set<string>> {
  if (clusterIds.length === 0) return new Set();
  const rows = await db
    .select({ id: agentRolloutTargets.clusterId })
    .from(agentRolloutTargets)
    .innerJoin(agentRollouts, eq(agentRollouts.id, agentRolloutTargets.rolloutId))
    .where(
      and(
        inArray(agentRolloutTargets.clusterId, [...clusterIds]),
        inArray(agentRolloutTargets.state, ['waiting', 'updating', 'failed']),
        sql`${agentRollouts.status} in ('running', 'paused')`,
      ),
    );
  return new Set(rows.map((r) => r.id));
}

/**
 * Deletes finished rollouts (completed or aborted) that finished before `before`; their targets go with them
 * (on delete cascade). Running and paused ones are never touched, however old. Bounded per pass.
 */
export async function pruneRollouts(db: Db, before: Date): Promise<number> {
  const finished = ROLLOUT_STATUSES.filter((s) => !ACTIVE_ROLLOUT_STATUSES.includes(s));
  const statuses = sql.join(
    finished.map((s) => sql`${s}`),
    sql`, `,
  );
  return deleteBounded(db, 'agent_rollouts', sql`status in (${statuses}) and coalesce(finished_at, updated_at) < ${before.toISOString()}::timestamptz`);
}
