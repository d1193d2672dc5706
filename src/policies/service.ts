// What operators do to policies: turn rules off and set exempt namespaces for an org (re-evaluating the
// clusters it reaches), waive a finding for a workload. Each action is audited.
import type { Db } from '../db/client';
import type { Actor } from '../audit/store';
import { recordAudit } from '../audit/store';
import { addTimeline } from '../clusters/timeline';
import type { Org } from '../orgs/schema';
import { reevaluateClusterPolicies } from './evaluate';
import type { PolicyWaiver } from './schema';
import { clusterIdsInSubtree, createWaiver, findOrgSettings, revokeWaiver, saveOrgSettings } from './store';
import { RULE_IDS, workloadSubject, type RuleId } from './vocabulary';

/** Longest a waiver may last: a year; a waiver is a decision to revisit, not a permanent off switch. */
export const MAX_WAIVER_DAYS = 365;
export const MAX_WAIVER_REASON = 500;
export const MAX_EXEMPT_NAMESPACES = 50;

/** Re-evaluates every cluster an org's settings reach, one transaction per cluster. */
export async function reevaluateOrgPolicies(db: Db, orgId: string, now: Date): Promise<number> {
  const ids = await clusterIdsInSubtree(db, orgId);
  for (const id of ids) await reevaluateClusterPolicies(db, id, now);
  return ids.length;
}

export type SettingsChange = { disabledRules: RuleId[]; exemptNamespaces: string[] | null };

/** Saves an org's own settings; when they changed, audits and re-evaluates its subtree's clusters. */
export async function changePolicySettings(db: Db, actor: Actor, org: Org, next: SettingsChange, now: Date): Promise<{ changed: boolean; clusters: number }> {
  const prev = await findOrgSettings(db, org.id);
  const disabledRules = RULE_IDS.filter((r) => next.disabledRules.includes(r));
  const exemptNamespaces = next.exemptNamespaces ? [...new Set(next.exemptNamespaces)].sort() : null;
  const before = { disabledRules: prev?.disabledRules ?? [], exemptNamespaces: prev?.exemptNamespaces ?? null };
  if (JSON.stringify(before) === JSON.stringify({ disabledRules, exemptNamespaces })) return { changed: false, clusters: 0 };
  await saveOrgSettings(db, org.id, { disabledRules, exemptNamespaces }, actor.userId, now);
  await recordAudit(db, {
    orgId: org.id,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'policy.settings',
    target: org.id,
    details: { from: before, to: { disabledRules, exemptNamespaces } },
    ip: actor.ip,
  });
  return { changed: true, clusters: await reevaluateOrgPolicies(db, org.id, now) };
}

export type WaiveInput = {
  cluster: { id: string; orgId: string };
  workload: { namespace: string; kind: string; name: string };
  ruleId: RuleId;
  reason: string;
  expiresAt: Date;
};

/** Waives one rule for one workload until `expiresAt` (read-time: the finding shows as waived at once, and no longer once it expires). */
export async function waiveFinding(db: Db, actor: Actor, input: WaiveInput, now: Date): Promise<PolicyWaiver> {
  return db.transaction(async (tx) => {
    const waiver = await createWaiver(
      tx,
      {
        clusterId: input.cluster.id,
        workload: input.workload,
        ruleId: input.ruleId,
        reason: input.reason,
        expiresAt: input.expiresAt,
        createdBy: actor.userId,
      },
      now,
    );
    const subject = workloadSubject(input.workload);
    await recordAudit(tx, {
      orgId: input.cluster.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'policy.waive',
      target: input.cluster.id,
      details: { waiverId: waiver.id, workload: subject, rule: input.ruleId, reason: input.reason, expiresAt: input.expiresAt.toISOString() },
      ip: actor.ip,
    });
    await addTimeline(
      tx,
      input.cluster.id,
      [
        {
          kind: 'policy',
          message: `${actor.email} waived ${input.ruleId} on ${subject} until ${input.expiresAt.toISOString().slice(0, 10)}`,
          details: { waiverId: waiver.id, workload: subject, rule: input.ruleId },
        },
      ],
      now,
    );
    return waiver;
  });
}

export async function revokePolicyWaiver(db: Db, actor: Actor, waiver: PolicyWaiver & { orgId: string }, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await revokeWaiver(tx, waiver.id, now);
    await recordAudit(tx, {
      orgId: waiver.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'policy.unwaive',
      target: waiver.clusterId,
      details: {
        waiverId: waiver.id,
        workload: workloadSubject({ namespace: waiver.namespace, kind: waiver.workloadKind, name: waiver.workloadName }),
        rule: waiver.ruleId,
      },
      ip: actor.ip,
    });
  });
}

/** The reason and expiry of a waiver as a client sent them, checked; the message names the field. */
export function checkWaiver(
  input: { reason: string; expiresAt: Date | null },
  now: Date,
  field = { reason: 'reason', expiresAt: 'expiresAt' },
): { ok: true; reason: string; expiresAt: Date } | { ok: false; message: string } {
  const reason = input.reason.trim();
  if (reason === '') return { ok: false, message: `${field.reason}: must say why the finding is accepted` };
  if (reason.length > MAX_WAIVER_REASON) return { ok: false, message: `${field.reason}: at most ${MAX_WAIVER_REASON} characters` };
  const at = input.expiresAt;
  if (!at || Number.isNaN(at.getTime())) return { ok: false, message: `${field.expiresAt}: must be a date-time` };
  if (at.getTime() <= now.getTime()) return { ok: false, message: `${field.expiresAt}: must be in the future` };
  if (at.getTime() > now.getTime() + MAX_WAIVER_DAYS * 86_400_000) return { ok: false, message: `${field.expiresAt}: at most ${MAX_WAIVER_DAYS} days ahead` };
  return { ok: true, reason, expiresAt: at };
}

/** "namespace/Kind/name" → its parts, or null when it is not three non-empty parts. */
export function parseWorkloadSubject(s: string): { namespace: string; kind: string; name: string } | null {
  const parts = s.split('/');
  return parts.length === 3 && parts.every((p) => p !== '') ? { namespace: parts[0], kind: parts[1], name: parts[2] } : null;
}
