// The deployment rollout state machine: one pass moves every running rollout as far as its clusters' apply
// results and heartbeats allow. Time is a parameter (`now`), so tests drive it without sleeping; the job
// calls it under an advisory lock.
import type { Db } from '../db/client';
import { recordAudit } from '../audit/store';
import { listWorkloads } from '../inventory/workloads';
import { nextWaveStep } from '../rollouts/waves';
import { findRevision } from './store';
import { deploymentHealth, type DeploymentHealth } from './health';
import { judgeCluster } from './waves-gate';
import { listRolloutClusters, listRunningDeploymentRollouts, setRolloutCluster, transitionDeploymentRollout, type RolloutClusterView } from './waves-store';
import { wavePhaseOf } from './waves-vocabulary';
import type { DeploymentRollout } from './waves-schema';
import type { ObjectRef } from './vocabulary';

/**
 * Queues the rollout's revision on `clusterIds` through the deployments' apply path (one command per
 * cluster); a refusal (a cluster without the apply capability, the deployment deleted) is a value whose
 * message pauses the rollout.
 */
export type ApplyWave = (db: Db, rollout: DeploymentRollout, clusterIds: string[]) => Promise<{ ok: true } | { ok: false; message: string }>;

export type EngineOptions = {
  apply: ApplyWave;
  /** A workload still Degraded-free but not ready this long counts as Degraded (Kubernetes' progress deadline). */
  progressDeadlineMs: number;
  /** How long after its apply a workload may still be missing from the heartbeat. */
  missingGraceMs: number;
};

export type DeploymentAdvance = { rollout: DeploymentRollout; event: 'none' | 'wave-started' | 'paused' | 'completed' };

/** The deployment's health on one rollout cluster, read from its stored workloads. */
async function healthOn(db: Db, member: RolloutClusterView, objects: readonly ObjectRef[], now: Date, deadlineMs: number): Promise<DeploymentHealth> {
  const workloads = await listWorkloads(db, member.clusterId);
  return deploymentHealth({ clusterStatus: member.clusterStatus, expected: objects, workloads, now, deadlineMs });
}

/**
 * One step of one running rollout at `now`:
 * 1. each applying cluster goes through the health gate (done once applied and Healthy for the rollout's
 *    time; failed on a failed apply, an Unknown or Degraded cluster); each done cluster of a started wave
 *    that turned Degraded or Unknown is failed again;
 * 2. a failed cluster pauses the rollout with its reason (the next wave does not start);
 * 3. when the current wave is all done, the next wave's apply is queued; after the last wave the rollout
 *    is completed. Automatic pauses and the completion are audited as `niro`.
 */
export async function advanceDeploymentRollout(db: Db, rollout: DeploymentRollout, now: Date, opts: EngineOptions): Promise<DeploymentAdvance> {
  const members = await listRolloutClusters(db, rollout);
  const revision = await findRevision(db, rollout.deploymentId, rollout.revision);
  const objects = revision?.objects ?? [];
  const healthyMs = rollout.healthySeconds * 1000;
  let failed: RolloutClusterView | null = null;
  for (const m of members) {
    if (m.state !== 'applying' && m.state !== 'done') continue;
    const health = await healthOn(db, m, objects, now, opts.progressDeadlineMs);
    if (m.state === 'done') {
      if (health.health !== 'Degraded' && health.health !== 'Unknown') continue;
      m.state = 'failed';
      m.message = `turned unhealthy after its wave: ${health.message}`;
      await setRolloutCluster(db, rollout.id, m.clusterId, { state: 'failed', healthySince: null, message: m.message });
    } else {
      const v = judgeCluster({
        revision: rollout.revision,
        apply: m.apply,
        health,
        reportedSinceApply: m.lastHeartbeatAt !== null && m.lastSyncAt !== null && m.lastHeartbeatAt.getTime() >= m.lastSyncAt.getTime(),
        startedAt: m.startedAt ?? now,
        healthySince: m.healthySince,
        now,
        healthyMs,
        missingGraceMs: opts.missingGraceMs,
      });
      if (v.verdict === 'done') {
        m.state = 'done';
        await setRolloutCluster(db, rollout.id, m.clusterId, { state: 'done', healthySince: v.healthySince, finishedAt: now, message: null });
      } else if (v.verdict === 'fail') {
        m.state = 'failed';
        m.message = v.message;
        await setRolloutCluster(db, rollout.id, m.clusterId, { state: 'failed', healthySince: null, finishedAt: now, message: v.message });
      } else if (v.message !== m.message || v.healthySince?.getTime() !== m.healthySince?.getTime()) {
        await setRolloutCluster(db, rollout.id, m.clusterId, { healthySince: v.healthySince, message: v.message });
      }
    }
    if (m.state === 'failed') failed ??= m;
  }
  failed ??= members.find((m) => m.state === 'failed' && m.wave <= rollout.currentWave) ?? null;
  if (failed)
    return pause(
      db,
      rollout,
      `cluster "${failed.clusterName}": ${failed.message ?? 'failed'}`,
      { cluster: failed.clusterName, clusterId: failed.clusterId },
      now,
    );

  const step = nextWaveStep(
    members.map((m) => ({ wave: m.wave, phase: wavePhaseOf(m.state) })),
    rollout.currentWave,
    rollout.waveCount,
  );
  if (step.kind === 'hold') return { rollout, event: 'none' };
  if (step.kind === 'start') {
    const ids = members.filter((m) => m.wave === step.wave && m.state === 'waiting').map((m) => m.clusterId);
    const applied = await opts.apply(db, rollout, ids);
    if (!applied.ok) return pause(db, rollout, `wave ${step.wave + 1} could not be applied: ${applied.message}`, { wave: step.wave + 1 }, now);
    const moved = await transitionDeploymentRollout(db, rollout.id, ['running'], { currentWave: step.wave, now });
    if (!moved) return { rollout, event: 'none' };
    for (const id of ids) await setRolloutCluster(db, rollout.id, id, { state: 'applying', startedAt: now, healthySince: null, message: null });
    return { rollout: moved, event: 'wave-started' };
  }
  const done = await transitionDeploymentRollout(db, rollout.id, ['running'], { status: 'completed', currentWave: rollout.waveCount, finishedAt: now, now });
  if (!done) return { rollout, event: 'none' };
  await recordAudit(db, {
    orgId: rollout.orgId,
    actor: 'niro',
    action: 'deployment.rollout.complete',
    target: rollout.id,
    details: { deploymentId: rollout.deploymentId, revision: rollout.revision, clusters: members.filter((m) => m.state === 'done').length },
  });
  return { rollout: done, event: 'completed' };
}

async function pause(db: Db, rollout: DeploymentRollout, reason: string, details: Record<string, unknown>, now: Date): Promise<DeploymentAdvance> {
  const paused = await transitionDeploymentRollout(db, rollout.id, ['running'], { status: 'paused', pauseReason: reason, now });
  if (!paused) return { rollout, event: 'none' };
  await recordAudit(db, {
    orgId: rollout.orgId,
    actor: 'niro',
    action: 'deployment.rollout.pause',
    target: rollout.id,
    details: { deploymentId: rollout.deploymentId, revision: rollout.revision, reason, automatic: true, ...details },
  });
  return { rollout: paused, event: 'paused' };
}

/** How many running rollouts one pass takes (the oldest-updated first, so none starves). */
export const ROLLOUTS_PER_PASS = 200;

/** Advances every running rollout once. */
export async function advanceDeploymentRollouts(db: Db, now: Date, opts: EngineOptions): Promise<DeploymentAdvance[]> {
  const out: DeploymentAdvance[] = [];
  for (const rollout of await listRunningDeploymentRollouts(db, ROLLOUTS_PER_PASS)) out.push(await advanceDeploymentRollout(db, rollout, now, opts));
  return out;
}
