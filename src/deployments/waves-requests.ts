// What the deployment-operations API and pages both do with a caller's request: find the deployment or rollout
// in scope, start / pause / resume / abort a rollout, re-apply on one cluster, switch self-heal. Refusals are
// HttpErrors, so each surface renders them its own way. Wake-ups go out after the transactions commit.
import type { Db } from '../db/client';
import { recordAudit, type Actor } from '../audit/store';
import type { CommandSignals } from '../commands/signals';
import type { Caller } from '../http/caller';
import { HttpError, badRequest, notFound } from '../http/errors';
import { roleAtLeast } from '../orgs/store';
import { requireCluster } from '../clusters/access';
import { applyRevision } from './apply';
import { resolveTargets } from './service';
import { findTarget } from './store';
import { requireDeployment } from './access';
import type { Deployment } from './schema';
import { actOnDeploymentRollout, startDeploymentRollout, type RolloutAction, type RolloutRequest } from './waves-actions';
import { applyWaveVia, wakeClusters } from './waves-apply';
import { engineOptions } from './waves-job';
import { findDeploymentRollout, setSelfHeal } from './waves-store';
import type { DeploymentRollout } from './waves-schema';
import type { Role } from '../orgs/schema';

/** The deployment in the caller's orgs (the one scope check, else 404), with `minRole` in its org (else 403). */
export async function requireDeploymentFor(db: Db, caller: Caller, id: string, minRole: Role = 'viewer'): Promise<Deployment> {
  return (await requireDeployment(db, caller, id, minRole)).deployment;
}

/** The apply path said no (a cluster without the apply capability): nothing was queued. */
const refused = (message: string): HttpError => new HttpError(409, 'capability_missing', message);

/** Whether the caller may operate (member) the deployment's org. */
export function canOperate(caller: Caller, deployment: Pick<Deployment, 'orgId'>): boolean {
  const org = caller.orgs.find((o) => o.id === deployment.orgId);
  return !!org && roleAtLeast(org.role, 'member');
}

/** A rollout of that deployment, else 404. */
export async function requireDeploymentRollout(db: Db, caller: Caller, deployment: Deployment, rolloutId: string): Promise<DeploymentRollout> {
  const rollout = await findDeploymentRollout(
    db,
    rolloutId,
    caller.orgs.map((o) => o.id),
  );
  if (!rollout || rollout.deploymentId !== deployment.id) throw notFound('rollout');
  return rollout;
}

/** Starts a rollout in waves of the deployment's revision over its targets (member). */
export async function startRolloutAsCaller(
  db: Db,
  signals: CommandSignals,
  caller: Caller,
  actor: Actor,
  id: string,
  req: Partial<RolloutRequest>,
): Promise<DeploymentRollout> {
  const deployment = await requireDeploymentFor(db, caller, id, 'member');
  if (deployment.status !== 'active') throw new HttpError(409, 'deployment_deleted', `deployment: is ${deployment.status}; it cannot be rolled out`);
  const members = await resolveTargets(db, deployment);
  const queued: string[] = [];
  const res = await startDeploymentRollout(
    db,
    actor,
    deployment,
    members,
    { revision: req.revision ?? deployment.latestRevision, waves: req.waves, healthySeconds: req.healthySeconds },
    new Date(),
    engineOptions(applyWaveVia(signals, queued)),
  );
  if (!res.ok) {
    if (res.reason === 'invalid') throw badRequest(`${res.field}: ${res.message}`);
    if (res.reason === 'refused') throw new HttpError(409, 'capability_missing', res.message);
    throw new HttpError(
      409,
      'deployment_rollout_active',
      `the deployment already has a ${res.active?.status ?? 'running'} rollout${res.active ? ` (${res.active.id})` : ''}; finish or abort it first`,
    );
  }
  await wakeClusters(signals, queued);
  return res.rollout;
}

/** Pause, resume or abort a rollout of the deployment (member). */
export async function actOnRolloutAsCaller(
  db: Db,
  signals: CommandSignals,
  caller: Caller,
  actor: Actor,
  id: string,
  rolloutId: string,
  action: RolloutAction,
): Promise<DeploymentRollout> {
  const deployment = await requireDeploymentFor(db, caller, id, 'member');
  const rollout = await requireDeploymentRollout(db, caller, deployment, rolloutId);
  const queued: string[] = [];
  const res = await actOnDeploymentRollout(db, actor, rollout, action, new Date(), engineOptions(applyWaveVia(signals, queued)));
  if (!res.ok)
    throw res.reason === 'refused' ? refused(res.message) : new HttpError(409, 'rollout_finished', `the rollout is ${res.status}; it cannot ${action}`);
  await wakeClusters(signals, queued);
  return res.rollout;
}

/** Applies the cluster's current revision (the applied one, else the one last sent) to it again (member). */
export async function reapplyAsCaller(
  db: Db,
  signals: CommandSignals,
  caller: Caller,
  actor: Actor,
  id: string,
  clusterId: string,
): Promise<{ deployment: Deployment; revision: number; commandId: string }> {
  const deployment = await requireDeploymentFor(db, caller, id, 'member');
  const { cluster } = await requireCluster(db, caller, clusterId, 'member');
  const target = await findTarget(db, deployment.id, cluster.id);
  const revision = target?.appliedRevision ?? target?.desiredRevision ?? null;
  if (revision === null)
    throw new HttpError(409, 'not_applied', `deployment ${deployment.name} was never applied to cluster "${cluster.name}"; apply it first`);
  const res = await applyRevision(db, signals, actor, deployment.id, revision, [cluster.id]);
  if (!res.ok) {
    throw res.reason === 'capability_missing' ? refused(res.message) : badRequest(`${res.field}: ${res.message}`);
  }
  return { deployment, revision, commandId: res.queued[0]!.commandId };
}

/** Turns the deployment's self-heal on or off (member); audited. */
export async function setSelfHealAsCaller(db: Db, caller: Caller, actor: Actor, id: string, enabled: boolean): Promise<Deployment> {
  const deployment = await requireDeploymentFor(db, caller, id, 'member');
  if (deployment.status !== 'active') throw new HttpError(409, 'deployment_deleted', `deployment: is ${deployment.status}; self-heal cannot change`);
  await db.transaction(async (tx) => {
    await setSelfHeal(tx, deployment.id, enabled, actor.userId, new Date());
    await recordAudit(tx, {
      orgId: deployment.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: enabled ? 'deployment.self-heal.enable' : 'deployment.self-heal.disable',
      target: deployment.id,
      details: { name: deployment.name },
      ip: actor.ip,
    });
  });
  return deployment;
}
