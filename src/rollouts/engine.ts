// The rollout state machine: one pass moves every running rollout as far as the clusters' heartbeats allow.
// Time is a parameter (`now`), so tests drive it without sleeping; the job calls it under an advisory lock.
import type { Db } from '../db/client';
import { LOCKS } from '../db/client';
import { startLockedJob, type Job, type JobDeps } from '../db/jobs';
import { recordAudit } from '../audit/store';
import { listRunningRollouts, listTargets, setTarget, setTargetsInStates, transitionRollout, type TargetView } from './store';
import type { Rollout } from './schema';
import type { ClusterStatus } from '../clusters/vocabulary';
import { nextWaveStep } from './waves';

/** Statuses of a cluster whose agent is not heartbeating (or never did): it has not "come back". */
const NOT_BACK: readonly ClusterStatus[] = ['pending', 'unknown', 'offline'];

/** Whether the cluster heartbeated, after it was told, with the rollout's version. */
export function cameBack(target: TargetView, version: string): boolean {
  if (!target.toldAt || target.agentVersion !== version || NOT_BACK.includes(target.clusterStatus)) return false;
  return target.lastHeartbeatAt !== null && target.lastHeartbeatAt.getTime() >= target.toldAt.getTime();
}

export type AdvanceOutcome = { rollout: Rollout; event: 'none' | 'wave-started' | 'paused' | 'completed' };

/**
 * One step of one running rollout at `now`:
 * 1. updating targets that came back are done; those told longer than `timeoutMs` ago are failed;
 * 2. a failed target pauses the rollout with the reason (the wave does not proceed);
 * 3. when the current wave is all done or skipped, the next wave's clusters are told (their heartbeat
 *    answers now carry `update`); after the last wave the rollout is completed.
 * Waves whose clusters were all skipped pass at once. Audits automatic pauses and completion as `niro`.
 */
export async function advanceRollout(db: Db, rollout: Rollout, now: Date, timeoutMs: number): Promise<AdvanceOutcome> {
  const targets = await listTargets(db, rollout.id);
  const failed: TargetView[] = [];
  for (const target of targets) {
    if (target.state !== 'updating') continue;
    if (cameBack(target, rollout.targetVersion)) {
      target.state = 'done';
      await setTarget(db, rollout.id, target.clusterId, { state: 'done', finishedAt: now, message: null });
    } else if (target.toldAt && now.getTime() - target.toldAt.getTime() >= timeoutMs) {
      const seconds = Math.round(timeoutMs / 1000);
      const seen = target.agentVersion ? `still reports ${target.agentVersion}` : 'never reported a version';
      target.state = 'failed';
      target.message = `did not heartbeat with agent ${rollout.targetVersion} within ${seconds} s (${seen}, status ${target.clusterStatus})`;
      await setTarget(db, rollout.id, target.clusterId, { state: 'failed', finishedAt: now, message: target.message });
    }
    if (target.state === 'failed') failed.push(target);
  }
  const stuck = failed[0] ?? targets.find((t) => t.state === 'failed' && t.wave === rollout.currentWave);
  if (stuck) {
    const reason = `cluster "${stuck.clusterName}" ${stuck.message ?? 'did not come back'}`;
    const paused = await transitionRollout(db, rollout.id, ['running'], { status: 'paused', pauseReason: reason, now });
    if (!paused) return { rollout, event: 'none' };
    await recordAudit(db, {
      orgId: rollout.orgId,
      actor: 'niro',
      action: 'rollout.pause',
      target: rollout.id,
      details: { reason, cluster: stuck.clusterName, clusterId: stuck.clusterId, automatic: true },
    });
    return { rollout: paused, event: 'paused' };
  }

  const step = nextWaveStep(
    targets.map((t) => ({ wave: t.wave, phase: t.state === 'updating' ? 'active' : t.state })),
    rollout.currentWave,
    rollout.waveCount,
  );
  if (step.kind === 'hold') return { rollout, event: 'none' };
  if (step.kind === 'start')
    return tell(
      db,
      rollout,
      targets.filter((t) => t.wave === step.wave && t.state === 'waiting'),
      step.wave,
      now,
    );
  const done = await transitionRollout(db, rollout.id, ['running'], { status: 'completed', currentWave: rollout.waveCount, finishedAt: now, now });
  if (!done) return { rollout, event: 'none' };
  await recordAudit(db, {
    orgId: rollout.orgId,
    actor: 'niro',
    action: 'rollout.complete',
    target: rollout.id,
    details: {
      version: rollout.targetVersion,
      updated: targets.filter((t) => t.state === 'done').length,
      skipped: targets.filter((t) => t.state === 'skipped').length,
    },
  });
  return { rollout: done, event: 'completed' };
}

/** Starts a wave: its waiting clusters are told from `now` (the timeout counts from here). */
async function tell(db: Db, rollout: Rollout, targets: TargetView[], wave: number, now: Date): Promise<AdvanceOutcome> {
  const moved = await transitionRollout(db, rollout.id, ['running'], { currentWave: wave, now });
  if (!moved) return { rollout, event: 'none' };
  for (const target of targets) {
    if (target.state === 'waiting') await setTarget(db, rollout.id, target.clusterId, { state: 'updating', toldAt: now });
  }
  return { rollout: moved, event: 'wave-started' };
}

/** Advances every running rollout once. */
export async function advanceRollouts(db: Db, now: Date, timeoutMs: number): Promise<AdvanceOutcome[]> {
  const out: AdvanceOutcome[] = [];
  for (const rollout of await listRunningRollouts(db)) out.push(await advanceRollout(db, rollout, now, timeoutMs));
  return out;
}

/** Resume puts failed clusters back to updating with a fresh timeout: the operator fixed something, try again. */
export async function retryFailedTargets(db: Db, rolloutId: string, now: Date): Promise<void> {
  await setTargetsInStates(db, rolloutId, ['failed'], { state: 'updating', toldAt: now, message: null });
}

/**
 * The rollout job: every replica runs it, one at a time does the pass (advisory lock), so waves advance
 * whichever replica the agents' heartbeats land on.
 */
export function startRolloutJob(deps: JobDeps & { intervalMs: number; timeoutMs: number }): Job {
  return startLockedJob(deps, {
    name: 'rollouts',
    lock: LOCKS.rolloutJob,
    intervalMs: deps.intervalMs,
    pass: async (tx) => {
      await advanceRollouts(tx, new Date(), deps.timeoutMs);
    },
  });
}
