// Operator actions on deployment rollouts: start, pause, resume, abort. Each is audited; results are values
// and the routes map them to statuses.
import type { Db } from '../db/client';
import { recordAudit, type Actor } from '../audit/store';
import { planWaves, type WaveCandidate } from '../rollouts/waves';
import { advanceDeploymentRollout, type EngineOptions } from './waves-engine';
import { findActiveDeploymentRollout, insertDeploymentRollout, setRolloutClustersInStates, transitionDeploymentRollout } from './waves-store';
import type { DeploymentRollout } from './waves-schema';
import { HEALTHY_SECONDS, MAX_ROLLOUT_CLUSTERS, MAX_WAVES } from './waves-vocabulary';

export type RolloutRequest = {
  revision: number;
  /** Cluster ids per wave, first wave first; targets left out go in one last wave. Absent: the shared plan. */
  waves?: string[][];
  healthySeconds?: number;
};

export type StartRolloutResult =
  | { ok: true; rollout: DeploymentRollout }
  | { ok: false; reason: 'invalid'; field: string; message: string }
  | { ok: false; reason: 'active_exists'; active: DeploymentRollout | null }
  | { ok: false; reason: 'refused'; message: string };

type Invalid = Extract<StartRolloutResult, { reason: 'invalid' }>;

const invalid = (field: string, message: string): Invalid => ({ ok: false, reason: 'invalid', field, message });

/**
 * The waves to roll `members` (the deployment's target clusters) in: the operator's own cut, checked against
 * the members (every id one of them, none twice, no empty wave) with the members left out as one last wave;
 * or, without one, the plan self-update rollouts use (one canary, then 10 %, then the rest; production last).
 */
export function cutWaves(members: readonly WaveCandidate[], requested: string[][] | undefined): { ok: true; waves: string[][] } | Invalid {
  if (members.length === 0) return invalid('targets', 'the deployment targets no cluster yet: choose clusters, environments or labels');
  if (members.length > MAX_ROLLOUT_CLUSTERS)
    return invalid('targets', `the deployment targets more than ${MAX_ROLLOUT_CLUSTERS} clusters; a rollout takes at most that many`);
  if (!requested) return { ok: true, waves: planWaves(members) };
  if (requested.length === 0 || requested.length > MAX_WAVES) return invalid('waves', `must list 1 to ${MAX_WAVES} waves`);
  const known = new Set(members.map((m) => m.id));
  const seen = new Set<string>();
  for (const [i, wave] of requested.entries()) {
    if (wave.length === 0) return invalid(`waves[${i}]`, 'must list at least one cluster id');
    for (const [j, id] of wave.entries()) {
      if (!known.has(id)) return invalid(`waves[${i}][${j}]`, `"${id.slice(0, 64)}" is not a cluster this deployment targets`);
      if (seen.has(id)) return invalid(`waves[${i}][${j}]`, `cluster ${id} is listed twice`);
      seen.add(id);
    }
  }
  const rest = members.filter((m) => !seen.has(m.id)).map((m) => m.id);
  const waves = rest.length > 0 ? [...requested, rest] : requested;
  if (waves.length > MAX_WAVES) return invalid('waves', `must list at most ${MAX_WAVES - 1} waves when some targets are left for a last wave`);
  return { ok: true, waves };
}

/**
 * Starts rolling `revision` of a deployment out to `members`, wave by wave: the first wave's apply is queued
 * at once (a refusal, such as a cluster without the apply capability, starts nothing). One active rollout
 * per deployment.
 */
export async function startDeploymentRollout(
  db: Db,
  actor: Actor,
  deployment: { id: string; orgId: string; latestRevision: number },
  members: readonly WaveCandidate[],
  req: RolloutRequest,
  now: Date,
  opts: EngineOptions,
): Promise<StartRolloutResult> {
  if (!Number.isSafeInteger(req.revision) || req.revision < 1 || req.revision > deployment.latestRevision) {
    return invalid('revision', `must be a revision of this deployment (1 to ${deployment.latestRevision})`);
  }
  const healthySeconds = req.healthySeconds ?? HEALTHY_SECONDS.default;
  if (!Number.isSafeInteger(healthySeconds) || healthySeconds < HEALTHY_SECONDS.min || healthySeconds > HEALTHY_SECONDS.max) {
    return invalid('healthySeconds', `must be a whole number of seconds from ${HEALTHY_SECONDS.min} to ${HEALTHY_SECONDS.max}`);
  }
  const cut = cutWaves(members, req.waves);
  if (!cut.ok) return cut;
  // A first wave the apply path refuses (a cluster without the apply capability) leaves nothing behind: the
  // transaction rolls back, and the refusal is the answer.
  let refusal: string | null = null;
  try {
    return await db.transaction(async (tx) => {
      const rollout = await insertDeploymentRollout(tx, {
        deploymentId: deployment.id,
        orgId: deployment.orgId,
        revision: req.revision,
        healthySeconds,
        waves: cut.waves,
        createdBy: actor.userId,
        now,
      });
      if (!rollout) return { ok: false as const, reason: 'active_exists' as const, active: await findActiveDeploymentRollout(tx, deployment.id) };
      await recordAudit(tx, {
        orgId: deployment.orgId,
        actorUserId: actor.userId,
        actor: actor.email,
        action: 'deployment.rollout.start',
        target: rollout.id,
        details: { deploymentId: deployment.id, revision: req.revision, healthySeconds, waves: cut.waves.map((w) => w.length) },
        ip: actor.ip,
      });
      const first = await advanceDeploymentRollout(tx, rollout, now, opts);
      if (first.event === 'paused') {
        refusal = first.rollout.pauseReason ?? 'the first wave could not be applied';
        tx.rollback();
      }
      return { ok: true as const, rollout: first.rollout };
    });
  } catch (e) {
    if (refusal !== null) return { ok: false, reason: 'refused', message: refusal };
    throw e;
  }
}

export type RolloutAction = 'pause' | 'resume' | 'abort';

export type ActResult =
  | { ok: true; rollout: DeploymentRollout }
  | { ok: false; reason: 'wrong_status'; status: DeploymentRollout['status'] }
  | { ok: false; reason: 'refused'; message: string };

/**
 * pause: nothing new is applied (clusters already applying keep going); resume: failed clusters are applied
 * again (the operator fixed something; server-side apply of the same revision is harmless) with a fresh
 * health clock, and waves advance again; abort: ends it (unfinished clusters are skipped; clusters already
 * applied keep the revision).
 */
export async function actOnDeploymentRollout(
  db: Db,
  actor: Actor,
  rollout: DeploymentRollout,
  action: RolloutAction,
  now: Date,
  opts: EngineOptions,
): Promise<ActResult> {
  let refusal: string | null = null;
  try {
    return await db.transaction(async (tx) => {
      let changed: DeploymentRollout | null = null;
      let clusters: string[] = [];
      if (action === 'pause') {
        changed = await transitionDeploymentRollout(tx, rollout.id, ['running'], { status: 'paused', pauseReason: `paused by ${actor.email}`, now });
      } else if (action === 'resume') {
        changed = await transitionDeploymentRollout(tx, rollout.id, ['paused'], { status: 'running', pauseReason: null, now });
        if (changed) {
          clusters = await setRolloutClustersInStates(tx, rollout.id, ['failed'], { state: 'applying', startedAt: now, healthySince: null, message: null });
          if (clusters.length > 0) {
            const applied = await opts.apply(tx, changed, clusters);
            if (!applied.ok) {
              refusal = applied.message;
              tx.rollback();
            }
          }
        }
      } else {
        changed = await transitionDeploymentRollout(tx, rollout.id, ['running', 'paused'], { status: 'aborted', pauseReason: null, finishedAt: now, now });
        if (changed)
          clusters = await setRolloutClustersInStates(tx, rollout.id, ['waiting', 'applying', 'failed'], {
            state: 'skipped',
            message: `aborted by ${actor.email}`,
          });
      }
      if (!changed) return { ok: false as const, reason: 'wrong_status' as const, status: rollout.status };
      await recordAudit(tx, {
        orgId: rollout.orgId,
        actorUserId: actor.userId,
        actor: actor.email,
        action: `deployment.rollout.${action}`,
        target: rollout.id,
        details: { deploymentId: rollout.deploymentId, revision: rollout.revision, ...(action === 'pause' ? {} : { clusters: clusters.length }) },
        ip: actor.ip,
      });
      return { ok: true as const, rollout: changed };
    });
  } catch (e) {
    if (refusal !== null) return { ok: false, reason: 'refused', message: refusal };
    throw e;
  }
}
