// Putting a revision on clusters, rolling back, and deleting: one command per cluster through the command
// channel (src/commands), queued in the same transaction that records what each cluster should now run, and
// refused as a whole — before anything is queued — when a cluster lacks the apply capability.
import type { Db } from '../db/client';
import { recordAudit, type Actor } from '../audit/store';
import type { Cluster } from '../clusters/schema';
import { listClustersByIds } from '../clusters/store';
import { addTimeline } from '../clusters/timeline';
import { APPLY_ENABLE_HINT, DEFAULT_TTL_SECONDS } from '../commands/service';
import type { CommandSignals } from '../commands/signals';
import { insertCommand } from '../commands/store';
import type { ApplyPayload, DeleteDeploymentPayload } from '../contract';
import { deletable, describeObject, objectsToPrune, unionObjects } from './manifests';
import { createRevision, resolveTargets } from './service';
import { findRevision, listTargets, lockDeployment, lockTargets, updateDeployment, upsertTarget } from './store';
import type { Deployment, DeploymentRevision } from './schema';

/** Objects one command names (the contract's bound on prune lists and multi-object deletes). */
export const MAX_OBJECTS_PER_COMMAND = 1000;

/** The first agent protocol that labels what it applies for a deployment, prunes and deletes a deployment's objects. */
export const DEPLOYMENT_PROTOCOL = 8;

export type Refusal = { clusterId: string; clusterName: string; message: string };

export type Queued = { clusterId: string; clusterName: string; commandId: string };

export type ApplyOutcome =
  | { ok: true; deployment: Deployment; revision: DeploymentRevision; queued: Queued[]; unchanged?: true }
  | { ok: false; reason: 'invalid'; field: string; message: string }
  | { ok: false; reason: 'capability_missing'; message: string; refused: Refusal[] };

const invalid = (field: string, message: string): ApplyOutcome => ({ ok: false, reason: 'invalid', field, message });

/** Why `cluster` cannot take apply or delete commands, with how to enable it; null when it can. */
export function applyRefusal(cluster: Pick<Cluster, 'name' | 'capabilities' | 'protocol'>): string | null {
  if (cluster.protocol !== null && cluster.protocol < DEPLOYMENT_PROTOCOL) {
    return `cluster "${cluster.name}" runs an agent of protocol ${cluster.protocol}, which cannot label, prune or delete a deployment's objects (protocol ${DEPLOYMENT_PROTOCOL} can): update its agent`;
  }
  if (cluster.capabilities?.apply?.enabled) return null;
  const seen = cluster.capabilities
    ? `its agent reports apply as off (${cluster.capabilities.apply?.detectedBy ?? 'not reported'})`
    : 'its agent has not reported capabilities yet';
  return `cluster "${cluster.name}" lacks the apply capability: ${seen}; ${APPLY_ENABLE_HINT}`;
}

function refuse(clusters: readonly Cluster[]): ApplyOutcome | null {
  const refused = clusters.flatMap((c) => {
    const message = applyRefusal(c);
    return message ? [{ clusterId: c.id, clusterName: c.name, message }] : [];
  });
  if (refused.length === 0) return null;
  return {
    ok: false,
    reason: 'capability_missing',
    message: `nothing was queued: ${refused.map((r) => r.message).join('; ')}`.slice(0, 4000),
    refused,
  };
}

/**
 * Which of the deployment's targets to act on: all of them (`clusterIds` null), or the listed ones, each of which
 * must be a target. The field names the first that is not.
 */
async function chooseClusters(db: Db, deployment: Deployment, clusterIds: readonly string[] | null): Promise<Cluster[] | ApplyOutcome> {
  const targets = await resolveTargets(db, deployment);
  if (clusterIds === null) {
    if (targets.length === 0) return invalid('targets', 'the deployment targets no cluster yet: choose clusters, environments or labels');
    return targets;
  }
  if (clusterIds.length === 0) return invalid('clusterIds', 'name at least one cluster, or leave it out to apply to every target');
  const byId = new Map(targets.map((c) => [c.id, c]));
  const chosen: Cluster[] = [];
  for (const [i, id] of clusterIds.entries()) {
    const c = byId.get(typeof id === 'string' ? id.toLowerCase() : '');
    if (!c) return invalid(`clusterIds[${i}]`, 'not a target of this deployment (see its targets: clusters, environments, labels)');
    if (!chosen.includes(c)) chosen.push(c);
  }
  return chosen;
}

export type ApplyOptions = { rollbackOf?: number; unchanged?: true };

/**
 * Queues revision `revisionNumber` on the chosen clusters (all targets when `clusterIds` is null): one apply command
 * each, carrying the deployment stamp and, per cluster, the objects it created earlier that this revision lacks
 * (`prune`). Every chosen cluster must have the apply capability, or nothing at all is queued.
 */
export async function applyRevision(
  db: Db,
  signals: CommandSignals,
  actor: Actor,
  deploymentId: string,
  revisionNumber: number,
  clusterIds: readonly string[] | null,
  opts: ApplyOptions = {},
): Promise<ApplyOutcome> {
  const outcome = await db.transaction(async (tx): Promise<ApplyOutcome> => {
    const deployment = await lockDeployment(tx, deploymentId);
    if (!deployment) return invalid('deployment', 'not found');
    if (deployment.status !== 'active') return invalid('deployment', `is ${deployment.status}; it cannot be applied`);
    const revision = await findRevision(tx, deployment.id, revisionNumber);
    if (!revision) return invalid('revision', `no revision ${revisionNumber} (the latest is ${deployment.latestRevision})`);
    const chosen = await chooseClusters(tx, deployment, clusterIds);
    if (!Array.isArray(chosen)) return chosen;
    const refused = refuse(chosen);
    if (refused) return refused;
    const now = new Date();
    const previous = new Map((await listTargets(tx, deployment.id)).map((t) => [t.clusterId, t]));
    const queued: Queued[] = [];
    for (const cluster of chosen) {
      const owned = previous.get(cluster.id)?.ownedObjects ?? [];
      const prune = objectsToPrune(owned, revision.objects).slice(0, MAX_OBJECTS_PER_COMMAND);
      const payload: ApplyPayload = {
        manifests: revision.content,
        defaultNamespace: deployment.namespace,
        deployment: { id: deployment.id, revision: revision.number },
        ...(prune.length ? { prune } : {}),
      };
      const what = opts.rollbackOf !== undefined ? `rollback to revision ${opts.rollbackOf} as revision ${revision.number}` : `revision ${revision.number}`;
      const command = await insertCommand(tx, {
        clusterId: cluster.id,
        type: 'apply',
        payload,
        summary: `apply deployment ${deployment.name} ${what}: ${revision.objects.length} object(s)${prune.length ? `, prune ${prune.length}` : ''}`.slice(
          0,
          500,
        ),
        createdBy: actor.userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + DEFAULT_TTL_SECONDS * 1000),
      });
      await upsertTarget(tx, {
        deploymentId: deployment.id,
        clusterId: cluster.id,
        desiredRevision: revision.number,
        status: 'pending',
        error: null,
        commandId: command.id,
        // Pessimistic until the result: some of this revision's objects may exist as soon as the agent starts.
        ownedObjects: unionObjects(owned, revision.objects),
        updatedAt: now,
      });
      const message =
        opts.rollbackOf !== undefined
          ? `${actor.email} rolled deployment ${deployment.name} back to revision ${opts.rollbackOf} (revision ${revision.number})`
          : `${actor.email} applied deployment ${deployment.name} revision ${revision.number}`;
      await addTimeline(
        tx,
        cluster.id,
        [
          {
            kind: 'deployment',
            message: `${message}: ${revision.objects.length} object(s)${prune.length ? `, pruning ${prune.map(describeObject).slice(0, 3).join(', ')}${prune.length > 3 ? ` and ${prune.length - 3} more` : ''}` : ''}`,
            details: {
              deploymentId: deployment.id,
              revision: revision.number,
              commandId: command.id,
              action: opts.rollbackOf !== undefined ? 'rollback' : 'apply',
            },
          },
        ],
        now,
      );
      queued.push({ clusterId: cluster.id, clusterName: cluster.name, commandId: command.id });
    }
    await recordAudit(tx, {
      orgId: deployment.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: opts.rollbackOf !== undefined ? 'deployment.rollback' : 'deployment.apply',
      target: deployment.id,
      details: { name: deployment.name, revision: revision.number, rollbackOf: opts.rollbackOf ?? null, clusters: queued },
      ip: actor.ip,
    });
    return { ok: true, deployment, revision, queued, ...(opts.unchanged ? { unchanged: true as const } : {}) };
  });
  // After the commit: a long-poll woken by this finds the rows.
  if (outcome.ok) for (const q of outcome.queued) await signals.publishQueued(q.clusterId);
  return outcome;
}

/**
 * A new revision holding revision `toNumber`'s content, applied to the chosen clusters. The capability is checked
 * first, so a refused rollback leaves no revision behind. When the latest revision already holds that content,
 * the latest is applied again (`unchanged`).
 */
export async function rollbackDeployment(
  db: Db,
  signals: CommandSignals,
  actor: Actor,
  deployment: Deployment,
  toNumber: number,
  clusterIds: readonly string[] | null,
): Promise<ApplyOutcome> {
  if (deployment.status !== 'active') return invalid('deployment', `is ${deployment.status}; it cannot be rolled back`);
  const old = await findRevision(db, deployment.id, toNumber);
  if (!old) return invalid('revision', `no revision ${toNumber} (the latest is ${deployment.latestRevision})`);
  const chosen = await chooseClusters(db, deployment, clusterIds);
  if (!Array.isArray(chosen)) return chosen;
  const refused = refuse(chosen);
  if (refused) return refused;
  const created = await createRevision(db, actor, deployment.id, {
    manifests: old.content,
    source: 'rollback',
    rollbackOf: old.number,
    message: `rollback to revision ${old.number}`,
  });
  if (!created.ok) return { ok: false, reason: 'invalid', field: created.field, message: created.message };
  return applyRevision(db, signals, actor, deployment.id, created.revision.number, clusterIds, {
    rollbackOf: old.number,
    ...(created.unchanged ? { unchanged: true as const } : {}),
  });
}

export type DeleteOutcome =
  | { ok: true; deployment: Deployment; queued: Queued[] }
  | { ok: false; reason: 'invalid'; field: string; message: string }
  | { ok: false; reason: 'capability_missing'; message: string; refused: Refusal[] };

/**
 * Deletes what the deployment created on each cluster — exactly the objects its targets record, never a
 * Namespace — then it counts as deleted once every cluster answered (at once when none has anything). Repeating
 * it while `deleting` re-queues what is left (a cluster whose delete failed or expired).
 */
export async function deleteDeployment(db: Db, signals: CommandSignals, actor: Actor, deploymentId: string): Promise<DeleteOutcome> {
  const outcome = await db.transaction(async (tx): Promise<DeleteOutcome> => {
    const deployment = await lockDeployment(tx, deploymentId);
    if (!deployment) return { ok: false, reason: 'invalid', field: 'deployment', message: 'not found' };
    if (deployment.status === 'deleted') return { ok: false, reason: 'invalid', field: 'deployment', message: 'is deleted already' };
    const targets = await lockTargets(tx, deployment.id);
    const work = targets.filter((t) => t.status !== 'deleted' && deletable(t.ownedObjects).length > 0);
    const clusters = new Map(
      (
        await listClustersByIds(
          tx,
          work.map((t) => t.clusterId),
        )
      ).map((c) => [c.id, c]),
    );
    const refused = refuse([...clusters.values()]);
    if (refused && !refused.ok && refused.reason === 'capability_missing') return refused;
    const now = new Date();
    const queued: Queued[] = [];
    for (const target of targets) {
      const cluster = clusters.get(target.clusterId);
      const objects = deletable(target.ownedObjects).slice(0, MAX_OBJECTS_PER_COMMAND);
      if (!cluster || objects.length === 0 || target.status === 'deleted') {
        if (target.status !== 'deleted')
          await upsertTarget(tx, {
            deploymentId: deployment.id,
            clusterId: target.clusterId,
            status: 'deleted',
            error: null,
            ownedObjects: [],
            updatedAt: now,
          });
        continue;
      }
      const payload: DeleteDeploymentPayload = { deployment: deployment.id, objects };
      const command = await insertCommand(tx, {
        clusterId: cluster.id,
        type: 'delete',
        payload,
        summary: `delete deployment ${deployment.name}: ${objects.length} object(s)`.slice(0, 500),
        createdBy: actor.userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + DEFAULT_TTL_SECONDS * 1000),
      });
      await upsertTarget(tx, { deploymentId: deployment.id, clusterId: cluster.id, status: 'deleting', error: null, commandId: command.id, updatedAt: now });
      await addTimeline(
        tx,
        cluster.id,
        [
          {
            kind: 'deployment',
            message: `${actor.email} deleted deployment ${deployment.name}: removing ${objects.length} object(s) it created (never the namespace)`,
            details: { deploymentId: deployment.id, commandId: command.id, action: 'delete' },
          },
        ],
        now,
      );
      queued.push({ clusterId: cluster.id, clusterName: cluster.name, commandId: command.id });
    }
    const updated = await updateDeployment(tx, deployment.id, queued.length ? { status: 'deleting' } : { status: 'deleted', deletedAt: now }, now);
    await recordAudit(tx, {
      orgId: deployment.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'deployment.delete',
      target: deployment.id,
      details: { name: deployment.name, namespace: deployment.namespace, clusters: queued },
      ip: actor.ip,
    });
    return { ok: true, deployment: updated, queued };
  });
  if (outcome.ok) for (const q of outcome.queued) await signals.publishQueued(q.clusterId);
  return outcome;
}
