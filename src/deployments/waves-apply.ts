// How deployment rollouts and self-heal put a revision on clusters: through the deployments' one apply path
// (applyRevision), on behalf of the operator who started the rollout or turned self-heal on.
import type { Db } from '../db/client';
import type { Actor } from '../audit/store';
import type { CommandSignals } from '../commands/signals';
import { applyRevision } from './apply';
import type { ApplyWave } from './waves-engine';
import type { ApplyOne } from './self-heal';

/** The actor automatic applies are recorded under: Niro, on behalf of the user who asked for them. */
export function automaticActor(onBehalfOf: string): Actor {
  return { userId: onBehalfOf, email: 'niro', ip: null };
}

/**
 * An ApplyWave over applyRevision. Queued clusters are added to `queued`: the caller, holding the outer
 * transaction, wakes their long-polls again once it committed (a wake-up inside the transaction finds no row).
 */
export function applyWaveVia(signals: CommandSignals, queued: string[]): ApplyWave {
  return async (db: Db, rollout, clusterIds) => {
    if (!rollout.createdBy) return { ok: false, message: 'the user who started this rollout no longer exists; abort it and start a new one' };
    const res = await applyRevision(db, signals, automaticActor(rollout.createdBy), rollout.deploymentId, rollout.revision, clusterIds);
    if (!res.ok) return { ok: false, message: res.message };
    queued.push(...res.queued.map((q) => q.clusterId));
    return { ok: true };
  };
}

/** Wakes each cluster's long-poll once (after the transaction that queued its command committed). */
export async function wakeClusters(signals: CommandSignals, clusterIds: readonly string[]): Promise<void> {
  for (const id of new Set(clusterIds)) await signals.publishQueued(id);
}

/** An ApplyOne (self-heal) over applyRevision, recording queued clusters in `queued` like applyWaveVia. */
export function applyOneVia(signals: CommandSignals, queued: string[]): ApplyOne {
  return async (db, deploymentId, revision, clusterId, onBehalfOf) => {
    const res = await applyRevision(db, signals, automaticActor(onBehalfOf), deploymentId, revision, [clusterId]);
    if (!res.ok) return { ok: false, message: res.message };
    queued.push(clusterId);
    return { ok: true };
  };
}
