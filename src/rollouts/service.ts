// Operator actions on rollouts: start (one cluster or an org's fleet), pause, resume, abort. Each is audited.
// Results are values; the routes map them to statuses.
import { inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { recordAudit, type Actor } from '../audit/store';
import { clusters, type Cluster } from '../clusters/schema';
import { advanceRollout, retryFailedTargets } from './engine';
import { clustersInActiveRollouts, findActiveRollout, insertRollout, setTargetsInStates, transitionRollout, type NewTarget } from './store';
import type { Rollout } from './schema';
import { planWaves } from './waves';

/** What the control plane offers (config.agentImage / config.agentVersion). */
export type Offer = { image: string; version: string };

/** A rollout never takes more clusters than this at once (bounds the rows one request writes). */
export const MAX_ROLLOUT_CLUSTERS = 5000;

export type StartResult =
  | { ok: true; rollout: Rollout }
  | { ok: false; reason: 'active_exists'; active: Rollout | null }
  | { ok: false; reason: 'nothing_to_update' }
  | { ok: false; reason: 'too_many'; count: number };

/** Why a cluster cannot take part; null when it can. */
export function exclusionOf(cluster: Pick<Cluster, 'agentVersion' | 'capabilities' | 'status'>, offer: Offer): string | null {
  if (cluster.agentVersion === null || cluster.status === 'pending') return 'no agent has heartbeated yet';
  if (cluster.agentVersion === offer.version) return `already on agent ${offer.version}`;
  if (!cluster.capabilities?.selfUpdate?.enabled) return 'self-update capability is off (re-run the installer with NIRO_ENABLE_SELF_UPDATE=1)';
  return null;
}

/**
 * Starts a rollout over `members` (an org's fleet, or one cluster): clusters that cannot take part are
 * recorded as skipped with the reason, the rest are cut into waves (production last), and the first wave
 * is told at once. Clusters already in another active rollout are left out entirely.
 */
export async function startRollout(db: Db, actor: Actor, orgId: string, members: Cluster[], offer: Offer, now: Date, timeoutMs: number): Promise<StartResult> {
  if (members.length > MAX_ROLLOUT_CLUSTERS) return { ok: false, reason: 'too_many', count: members.length };
  return db.transaction(async (tx) => {
    const active = await findActiveRollout(tx, orgId);
    if (active) return { ok: false as const, reason: 'active_exists' as const, active };
    const busy = await clustersInActiveRollouts(
      tx,
      members.map((c) => c.id),
    );
    const free = members.filter((c) => !busy.has(c.id));
    const eligible = free.filter((c) => exclusionOf(c, offer) === null);
    if (eligible.length === 0) return { ok: false as const, reason: 'nothing_to_update' as const };
    const waves = planWaves(eligible);
    const waveOf = new Map(waves.flatMap((ids, wave) => ids.map((id) => [id, wave] as const)));
    const targets: NewTarget[] = free.map((c) => {
      const excluded = exclusionOf(c, offer);
      return { clusterId: c.id, wave: waveOf.get(c.id) ?? 0, state: excluded ? 'skipped' : 'waiting', fromVersion: c.agentVersion, message: excluded };
    });
    const inserted = await insertRollout(tx, {
      orgId,
      targetVersion: offer.version,
      targetImage: offer.image,
      createdBy: actor.userId,
      waveCount: waves.length,
      targets,
      now,
    });
    if (!inserted.ok) return { ok: false as const, reason: 'active_exists' as const, active: await findActiveRollout(tx, orgId) };
    await recordAudit(tx, {
      orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'rollout.start',
      target: inserted.rollout.id,
      details: {
        version: offer.version,
        image: offer.image,
        clusters: eligible.length,
        skipped: free.length - eligible.length,
        waves: waves.map((w) => w.length),
        ...(members.length === 1 ? { cluster: members[0]!.name, clusterId: members[0]!.id } : {}),
      },
      ip: actor.ip,
    });
    const advanced = await advanceRollout(tx, inserted.rollout, now, timeoutMs);
    return { ok: true as const, rollout: advanced.rollout };
  });
}

/** The clusters of an org subtree, at most MAX_ROLLOUT_CLUSTERS + 1 (one more says "too many"). */
export async function listRolloutMembers(db: Db, orgIds: readonly string[]): Promise<Cluster[]> {
  if (orgIds.length === 0) return [];
  return db
    .select()
    .from(clusters)
    .where(inArray(clusters.orgId, [...orgIds]))
    .limit(MAX_ROLLOUT_CLUSTERS + 1);
}

export type ActionResult = { ok: true; rollout: Rollout } | { ok: false; reason: 'wrong_status'; status: Rollout['status'] };

export type RolloutAction = 'pause' | 'resume' | 'abort';

/**
 * Pause stops telling clusters to update (those already told may still finish); resume retries failed
 * clusters with a fresh timeout and lets waves advance again; abort ends it for good (unfinished clusters
 * are skipped; agents already rolled stay on the new version).
 */
export async function actOnRollout(db: Db, actor: Actor, rollout: Rollout, action: RolloutAction, now: Date): Promise<ActionResult> {
  return db.transaction(async (tx) => {
    let changed: Rollout | null = null;
    if (action === 'pause') {
      changed = await transitionRollout(tx, rollout.id, ['running'], { status: 'paused', pauseReason: `paused by ${actor.email}`, now });
    } else if (action === 'resume') {
      changed = await transitionRollout(tx, rollout.id, ['paused'], { status: 'running', pauseReason: null, now });
      if (changed) await retryFailedTargets(tx, rollout.id, now);
    } else {
      changed = await transitionRollout(tx, rollout.id, ['running', 'paused'], { status: 'aborted', pauseReason: null, finishedAt: now, now });
      if (changed) await setTargetsInStates(tx, rollout.id, ['waiting', 'updating', 'failed'], { state: 'skipped', message: `aborted by ${actor.email}` });
    }
    if (!changed) return { ok: false as const, reason: 'wrong_status' as const, status: rollout.status };
    await recordAudit(tx, {
      orgId: rollout.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: `rollout.${action}`,
      target: rollout.id,
      details: { version: rollout.targetVersion },
      ip: actor.ip,
    });
    return { ok: true as const, rollout: changed };
  });
}
