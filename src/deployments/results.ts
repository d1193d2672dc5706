// Command results → per-cluster deployment status. The agent's result for an apply or delete a deployment queued
// moves that cluster's target (applied / failed with the Kubernetes error, last sync time), trims what the
// deployment owns there (pruned and deleted objects), and writes the cluster timeline. Called in the same
// transaction that stores the result (src/agents/commands-api.ts) and from the command expiry pass.
import type { Db } from '../db/client';
import { addTimeline, type NewTimelineEntry } from '../clusters/timeline';
import type { CommandRow } from '../commands/schema';
import type { ObjectResult } from '../contract';
import { deletable, describeObject, objectKey } from './manifests';
import { failExpiredTargets, lockDeployment, findTargetByCommand, lockTargets, updateDeployment, upsertTarget } from './store';
import type { ObjectRef } from './vocabulary';

/** Object outcomes after which the object is no longer Niro's on that cluster. */
const GONE: readonly string[] = ['pruned', 'deleted', 'not-found', 'skipped'];

/** One line saying why a command failed: the agent's message and the first object Kubernetes refused. */
export function failureText(message: string, objects: readonly ObjectResult[]): string {
  const failed = objects.find((o) => o.action === 'failed');
  const text = failed ? `${message} — ${describeObject(failed)}: ${failed.message ?? 'failed'}` : message;
  return text.slice(0, 1024);
}

/** "2 created, 1 configured, 1 pruned" */
function countActions(objects: readonly ObjectResult[]): string {
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(o.action, (counts.get(o.action) ?? 0) + 1);
  return [...counts.entries()].map(([a, n]) => `${n} ${a}`).join(', ');
}

function withoutGone(owned: readonly ObjectRef[], named: readonly ObjectRef[], results: readonly ObjectResult[]): ObjectRef[] {
  const namedKeys = new Set(named.map(objectKey));
  const gone = new Set(results.filter((r) => GONE.includes(r.action) && namedKeys.has(objectKey(r))).map(objectKey));
  return owned.filter((o) => !gone.has(objectKey(o)));
}

/**
 * Applies a stored command result to the deployment target it belongs to; nothing when the command is not a
 * deployment's, or a newer command replaced it on that target (its result no longer decides the status).
 */
export async function recordDeploymentResult(tx: Db, command: CommandRow, now: Date): Promise<void> {
  if (!command.result || (command.type !== 'apply' && command.type !== 'delete')) return;
  const found = await findTargetByCommand(tx, command.id);
  if (!found) return;
  // Deployment first, then its target: the order apply and delete lock in, so the two never wait on each other.
  const deployment = await lockDeployment(tx, found.deploymentId);
  const target = await findTargetByCommand(tx, command.id, true);
  if (!deployment || !target) return;
  const result = command.result;
  const objects = result.details?.objects ?? [];
  const entries: NewTimelineEntry[] = [];
  const details = { deploymentId: deployment.id, commandId: command.id };
  if (command.type === 'apply') {
    const prune = ((command.payload as { prune?: ObjectRef[] }).prune ?? []) as ObjectRef[];
    const owned = withoutGone(target.ownedObjects, prune, objects);
    const revision = target.desiredRevision;
    if (result.ok) {
      await upsertTarget(tx, {
        deploymentId: target.deploymentId,
        clusterId: target.clusterId,
        status: 'applied',
        appliedRevision: revision,
        error: null,
        ownedObjects: owned,
        lastSyncAt: now,
        updatedAt: now,
      });
      entries.push({
        kind: 'deployment',
        message: `deployment ${deployment.name} revision ${revision} applied: ${countActions(objects) || result.message}`,
        details: { ...details, revision, action: 'applied' },
      });
    } else {
      const error = failureText(result.message, objects);
      await upsertTarget(tx, { deploymentId: target.deploymentId, clusterId: target.clusterId, status: 'failed', error, ownedObjects: owned, updatedAt: now });
      entries.push({
        kind: 'deployment',
        message: `deployment ${deployment.name} revision ${revision} failed to apply: ${error}`,
        details: { ...details, revision, action: 'failed' },
      });
    }
  } else {
    const named = ((command.payload as { objects?: ObjectRef[] }).objects ?? []) as ObjectRef[];
    const owned = withoutGone(target.ownedObjects, named, objects);
    const left = deletable(owned).length;
    if (result.ok && left === 0) {
      await upsertTarget(tx, {
        deploymentId: target.deploymentId,
        clusterId: target.clusterId,
        status: 'deleted',
        error: null,
        ownedObjects: [],
        updatedAt: now,
      });
      entries.push({
        kind: 'deployment',
        message: `deployment ${deployment.name} removed: ${countActions(objects) || result.message}`,
        details: { ...details, action: 'deleted' },
      });
    } else {
      const error = result.ok ? `${left} object(s) are left; delete again` : failureText(result.message, objects);
      await upsertTarget(tx, { deploymentId: target.deploymentId, clusterId: target.clusterId, status: 'failed', error, ownedObjects: owned, updatedAt: now });
      entries.push({ kind: 'deployment', message: `deployment ${deployment.name} could not be removed: ${error}`, details: { ...details, action: 'failed' } });
    }
    if (deployment.status === 'deleting') {
      const targets = await lockTargets(tx, deployment.id);
      if (targets.every((t) => t.status === 'deleted')) await updateDeployment(tx, deployment.id, { status: 'deleted', deletedAt: now }, now);
    }
  }
  await addTimeline(tx, target.clusterId, entries, now);
}

/** The expiry pass's part: targets whose command expired turn failed, each with a timeline entry. */
export async function failExpiredDeploymentTargets(tx: Db, now: Date): Promise<number> {
  const failed = await failExpiredTargets(tx, now);
  for (const t of failed) {
    await addTimeline(
      tx,
      t.clusterId,
      [
        {
          kind: 'deployment',
          message: `deployment command failed: ${t.error ?? 'expired'}`,
          details: { deploymentId: t.deploymentId, commandId: t.commandId, action: 'expired' },
        },
      ],
      now,
    );
  }
  return failed.length;
}
