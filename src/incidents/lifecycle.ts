// What operators do to incidents: acknowledge, resolve by hand with a note, silence and expire a
// silence. Each is one transaction: the change, its transition row (notifications follow it), the
// audit entry, and the cluster's status when an open incident went away.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { recordAudit, type Actor } from '../audit/store';
import { recomputeClusterStatus } from '../clusters/status-recompute';
import { incidents } from './schema';
import { createSilence, expireSilence, refreshSilenced, type NewSilence } from './silences';
import { recordTransitions } from './transitions';
import { setThresholds, type IncidentListRow } from './store';
import type { IncidentThresholds } from './vocabulary';
import type { IncidentSilence } from './schema';

export type ActionResult = { ok: true } | { ok: false; reason: 'not_open' | 'already_acknowledged' };

/** Acknowledges an open incident (who, when). An acknowledged one stays open; re-acknowledging is refused. */
export async function acknowledgeIncident(db: Db, actor: Actor, incident: IncidentListRow, now: Date): Promise<ActionResult> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(incidents)
      .set({ acknowledgedAt: now, acknowledgedBy: actor.userId })
      .where(and(eq(incidents.id, incident.id), eq(incidents.state, 'open'), sql`${incidents.acknowledgedAt} is null`))
      .returning({ severity: incidents.severity });
    if (!row) return { ok: false, reason: incident.state !== 'open' ? 'not_open' : 'already_acknowledged' };
    await recordTransitions(tx, [
      {
        incidentId: incident.id,
        orgId: incident.orgId,
        clusterId: incident.clusterId,
        kind: 'acknowledged',
        severity: row.severity,
        actorId: actor.userId,
        at: now,
      },
    ]);
    await recordAudit(tx, {
      orgId: incident.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'incident.acknowledge',
      target: incident.id,
      details: { kind: incident.kind, cluster: incident.clusterId, subject: incident.subject },
      ip: actor.ip,
    });
    return { ok: true };
  });
}

/**
 * Resolves an open incident by hand with a note. If the condition still holds, detection leaves it
 * resolved (held) until it clears once; then a return reopens it as any flap would.
 */
export async function resolveIncidentByHand(db: Db, actor: Actor, incident: IncidentListRow, note: string, now: Date): Promise<ActionResult> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(incidents)
      .set({ state: 'resolved', resolvedAt: now, resolvedBy: actor.userId, resolveNote: note, held: true })
      .where(and(eq(incidents.id, incident.id), eq(incidents.state, 'open')))
      .returning({ severity: incidents.severity });
    if (!row) return { ok: false, reason: 'not_open' };
    await recordTransitions(tx, [
      {
        incidentId: incident.id,
        orgId: incident.orgId,
        clusterId: incident.clusterId,
        kind: 'resolved',
        severity: row.severity,
        actorId: actor.userId,
        note,
        at: now,
      },
    ]);
    await recordAudit(tx, {
      orgId: incident.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'incident.resolve',
      target: incident.id,
      details: { kind: incident.kind, cluster: incident.clusterId, subject: incident.subject, note },
      ip: actor.ip,
    });
    await recomputeClusterStatus(tx, incident.clusterId, now);
    return { ok: true };
  });
}

/** Creates a silence and marks what it matches now; `subtree` is the org's subtree (whose incidents it may cover). */
export async function silence(db: Db, actor: Actor, s: Omit<NewSilence, 'createdBy'>, subtree: readonly string[], now: Date): Promise<IncidentSilence> {
  return db.transaction(async (tx) => {
    const created = await createSilence(tx, { ...s, createdBy: actor.userId });
    await refreshSilenced(tx, now, { orgIds: subtree });
    await recordAudit(tx, {
      orgId: s.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'incident.silence',
      target: created.id,
      details: {
        cluster: s.clusterId,
        kind: s.kind,
        workload: s.workload,
        environment: s.environment,
        startsAt: s.startsAt.toISOString(),
        endsAt: s.endsAt.toISOString(),
        comment: s.comment,
      },
      ip: actor.ip,
    });
    return created;
  });
}

/** Ends a silence early; null when it is not the caller's or already over. */
export async function expireSilenceNow(
  db: Db,
  actor: Actor,
  orgIds: readonly string[],
  id: string,
  subtreeOf: (orgId: string) => string[],
  now: Date,
): Promise<IncidentSilence | null> {
  return db.transaction(async (tx) => {
    const ended = await expireSilence(tx, orgIds, id, now);
    if (!ended) return null;
    await refreshSilenced(tx, now, { orgIds: subtreeOf(ended.orgId) });
    await recordAudit(tx, {
      orgId: ended.orgId,
      actorUserId: actor.userId,
      actor: actor.email,
      action: 'incident.silence_expire',
      target: ended.id,
      ip: actor.ip,
    });
    return ended;
  });
}

/** Sets an org's thresholds (the caller checked the admin role), audited. */
export async function saveThresholds(db: Db, actor: Actor, orgId: string, value: IncidentThresholds): Promise<void> {
  await db.transaction(async (tx) => {
    await setThresholds(tx, orgId, value, actor.userId);
    await recordAudit(tx, { orgId, actorUserId: actor.userId, actor: actor.email, action: 'incident.thresholds', target: orgId, details: value, ip: actor.ip });
  });
}
