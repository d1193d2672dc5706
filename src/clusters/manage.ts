// Operator actions on clusters, shared by the JSON API and the pages: each one audits itself and
// writes the cluster timeline where the action shows there.
import type { Db } from '../db/client';
import type { AgentKeyCache } from '../deps';
import { recordAudit } from '../audit/store';
import type { Actor } from '../audit/store';
import type { Org } from '../orgs/schema';
import { createCluster, deleteCluster, updateCluster } from './store';
import { issueEnrollmentToken, type IssuedToken } from './enrollment';
import { reevaluateClusterPolicies } from '../policies/evaluate';
import { addTimeline } from './timeline';
import { labelLines } from './labels';
import type { Cluster } from './schema';
import { CLUSTER_NAME_MAX, CLUSTER_NAME_PATTERN, CLUSTER_NAME_RULE, suggestClusterName, type Environment } from './vocabulary';

const NAME = new RegExp(`^${CLUSTER_NAME_PATTERN}$`, 'v');

/**
 * A name the rule accepts (a DNS label, see vocabulary.ts), trimmed, or a message naming the problem and a
 * name that would do. `current`: a cluster's own name passes unchanged, so one named before the rule can
 * still have its environment changed.
 */
export function checkClusterName(raw: string, current?: string): { ok: true; name: string } | { ok: false; message: string } {
  const name = raw.trim();
  if (!name) return { ok: false, message: 'name: must not be empty' };
  if (name === current || (name.length <= CLUSTER_NAME_MAX && NAME.test(name))) return { ok: true, name };
  const suggestion = suggestClusterName(name);
  return { ok: false, message: `name: must be ${CLUSTER_NAME_RULE}${suggestion ? ` — e.g. "${suggestion}"` : ''}` };
}

export type CreateResult = { ok: true; cluster: Cluster; issued: IssuedToken } | { ok: false; reason: 'name_taken' };

export async function createClusterWithToken(db: Db, actor: Actor, org: Org, input: { name: string; environment: Environment }): Promise<CreateResult> {
  const created = await createCluster(db, { orgId: org.id, name: input.name, environment: input.environment, createdBy: actor.userId });
  if (!created.ok) return created;
  const issued = await issueEnrollmentToken(db, created.cluster.id, actor.userId);
  if (!issued.ok) throw new Error(`a new cluster could not get a token: ${issued.reason}`);
  await recordAudit(db, {
    orgId: org.id,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'cluster.create',
    target: created.cluster.id,
    details: { name: input.name, environment: input.environment, token: `niro_enr_${issued.issued.publicId}` },
    ip: actor.ip,
  });
  return { ok: true, cluster: created.cluster, issued: issued.issued };
}

export type ChangeResult = { ok: true; cluster: Cluster } | { ok: false; reason: 'name_taken' };

/** Labels as one line for the timeline: `site=berlin, tier=edge`, or `(none)`. */
function labelsText(labels: Record<string, string>): string {
  const text = labelLines(labels).split('\n').filter(Boolean).join(', ');
  return text || '(none)';
}

/** `patch.labels` must have passed checkLabels (sorted keys, so an unchanged set compares equal). */
export async function changeCluster(
  db: Db,
  actor: Actor,
  cluster: Cluster,
  patch: { name?: string; environment?: Environment; labels?: Record<string, string> },
): Promise<ChangeResult> {
  const changes: Record<string, { from: string; to: string }> = {};
  const details: Record<string, { from: unknown; to: unknown }> = {};
  if (patch.name !== undefined && patch.name !== cluster.name) changes.name = { from: cluster.name, to: patch.name };
  if (patch.environment !== undefined && patch.environment !== cluster.environment) changes.environment = { from: cluster.environment, to: patch.environment };
  Object.assign(details, changes);
  if (patch.labels !== undefined && labelLines(patch.labels) !== labelLines(cluster.labels)) {
    changes.labels = { from: labelsText(cluster.labels), to: labelsText(patch.labels) };
    details.labels = { from: cluster.labels, to: patch.labels };
  }
  if (Object.keys(changes).length === 0) return { ok: true, cluster };
  const res = await updateCluster(db, cluster.id, patch);
  if (!res.ok) return res;
  const text = Object.entries(changes)
    .map(([k, v]) => `${k} ${v.from} → ${v.to}`)
    .join(', ');
  await addTimeline(db, cluster.id, [{ kind: 'settings', message: `${actor.email} changed ${text}`, details }], new Date());
  // Policy severities follow the environment (production raises, dev lowers) and some rules apply to production only.
  if (changes.environment) await reevaluateClusterPolicies(db, cluster.id, new Date());
  await recordAudit(db, {
    orgId: cluster.orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'cluster.update',
    target: cluster.id,
    details,
    ip: actor.ip,
  });
  return res;
}

export type NewTokenResult = { ok: true; issued: IssuedToken } | { ok: false; reason: 'enrolled' | 'not_found' };

export async function regenerateToken(db: Db, actor: Actor, cluster: Cluster): Promise<NewTokenResult> {
  const res = await issueEnrollmentToken(db, cluster.id, actor.userId);
  if (!res.ok) return res;
  await addTimeline(
    db,
    cluster.id,
    [
      {
        kind: 'token',
        message: `${actor.email} created a new enrollment token (earlier ones no longer work)`,
        details: { token: `niro_enr_${res.issued.publicId}` },
      },
    ],
    new Date(),
  );
  await recordAudit(db, {
    orgId: cluster.orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'cluster.token',
    target: cluster.id,
    details: { token: `niro_enr_${res.issued.publicId}` },
    ip: actor.ip,
  });
  return res;
}

/** Deletes the cluster; its agent key leaves this replica's `agentKeys` at once (the others hear it on the bus). */
export async function removeCluster(db: Db, actor: Actor, cluster: Cluster, agentKeys: AgentKeyCache): Promise<void> {
  await deleteCluster(db, cluster);
  if (cluster.agentKeyPublicId) agentKeys.forget(cluster.agentKeyPublicId);
  await recordAudit(db, {
    orgId: cluster.orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'cluster.delete',
    target: cluster.id,
    details: { name: cluster.name, agentKey: cluster.agentKeyPublicId ? `niro_agent_${cluster.agentKeyPublicId}` : null },
    ip: actor.ip,
  });
}

export const UNINSTALL_COMMAND = 'kubectl delete namespace niro-system';
