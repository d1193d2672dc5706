// What the API and the pages both do with a caller's request: find a rollout in scope, start a fleet
// rollout, act on one. Refusals are HttpErrors, so each surface renders them its own way.
import type { Db } from '../db/client';
import type { Actor } from '../audit/store';
import type { Caller } from '../http/caller';
import { HttpError, notFound } from '../http/errors';
import { requireOrg } from '../orgs/access';
import { subtreeOf } from '../orgs/store';
import { requireCluster } from '../clusters/access';
import type { Cluster } from '../clusters/schema';
import { findRollout } from './store';
import { actOnRollout, listRolloutMembers, MAX_ROLLOUT_CLUSTERS, startRollout, type Offer, type RolloutAction, type StartResult } from './service';
import type { Rollout } from './schema';

/** The rollout by id within the caller's orgs, else 404 (another org's rollout answers the same as none). */
export async function requireRollout(db: Db, caller: Caller, id: string): Promise<Rollout> {
  const rollout = await findRollout(
    db,
    id,
    caller.orgs.map((o) => o.id),
  );
  if (!rollout) throw notFound('rollout');
  return rollout;
}

/** Maps a refused start to the API's error. */
export function startRefusal(res: Exclude<StartResult, { ok: true }>): HttpError {
  switch (res.reason) {
    case 'active_exists':
      return new HttpError(
        409,
        'rollout_active',
        `the organization already has a ${res.active?.status ?? 'running'} rollout${res.active ? ` (${res.active.id})` : ''}; finish or abort it first`,
      );
    case 'nothing_to_update':
      return new HttpError(
        409,
        'nothing_to_update',
        'no cluster can update: each is on the offered agent version, lacks the self-update capability, has no agent yet, or is in another rollout',
      );
    case 'too_many':
      return new HttpError(
        400,
        'invalid_request',
        `orgId: the organization has more than ${MAX_ROLLOUT_CLUSTERS} clusters; start rollouts per child organization`,
      );
  }
}

/** Starts a rollout over the org's fleet and its children (admin of that org). */
export async function startFleetRollout(db: Db, caller: Caller, actor: Actor, orgId: string, offer: Offer, timeoutMs: number): Promise<Rollout> {
  const org = requireOrg(caller, orgId, 'admin');
  const members = await listRolloutMembers(
    db,
    subtreeOf(caller.orgs, org.id).map((o) => o.id),
  );
  const res = await startRollout(db, actor, org.id, members, offer, new Date(), timeoutMs);
  if (!res.ok) throw startRefusal(res);
  return res.rollout;
}

/** Pause, resume or abort a rollout in the caller's orgs (member of its org). */
export async function actAsCaller(db: Db, caller: Caller, actor: Actor, id: string, action: RolloutAction): Promise<Rollout> {
  const rollout = await requireRollout(db, caller, id);
  requireOrg(caller, rollout.orgId, 'member');
  const res = await actOnRollout(db, actor, rollout, action, new Date());
  if (!res.ok) throw new HttpError(409, 'rollout_finished', `the rollout is ${res.status}; it cannot ${action}`);
  return res.rollout;
}

/** Starts a one-cluster rollout (member of its org); the refusal is a value, so the page can flash it. */
export async function startClusterUpdate(
  db: Db,
  caller: Caller,
  actor: Actor,
  clusterId: string,
  offer: Offer,
  timeoutMs: number,
): Promise<{ cluster: Cluster; res: StartResult }> {
  const { cluster } = await requireCluster(db, caller, clusterId, 'member');
  return { cluster, res: await startRollout(db, actor, cluster.orgId, [cluster], offer, new Date(), timeoutMs) };
}
