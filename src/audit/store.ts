import { and, desc, inArray, lt, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { auditEvents, type AuditEvent } from './schema';

/** Who did something, as services receive them and the audit log records them. */
export type Actor = { userId: string; email: string; ip: string | null };

export type AuditEntry = {
  orgId?: string | null;
  actorUserId?: string | null;
  actor: string;
  action: string;
  target?: string;
  details?: Record<string, unknown>;
  ip?: string | null;
};

/** Records one event. Callers pass public ids, never secrets, in `target` and `details`. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditEvents).values({
    orgId: entry.orgId ?? null,
    actorUserId: entry.actorUserId ?? null,
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? '',
    details: entry.details ?? {},
    ip: entry.ip ?? null,
  });
}

/**
 * How many of an org's newest rows `auditedSince` looks at: it walks the org's index backwards, so the
 * check costs the same however long the log is. An org that logs more than this within the window may
 * get a repeat row; never more than one per this many of its events.
 */
const RECENT_AUDIT_SCAN = 500;

/**
 * Whether the same event (org, action, target, address, and `details.token` when given) was recorded
 * after `since`. For events an outsider can repeat at will (a spent enrollment token retried in a
 * loop): the caller records one row per window instead of one per attempt. Race-free only when the
 * caller holds a lock that serialises the events it dedupes (e.g. the target's row, FOR UPDATE).
 */
export async function auditedSince(
  db: Db,
  event: { orgId: string; action: string; target: string; ip: string | null; token?: string },
  since: Date,
): Promise<boolean> {
  const recent = db
    .select({ action: auditEvents.action, target: auditEvents.target, ip: auditEvents.ip, details: auditEvents.details, createdAt: auditEvents.createdAt })
    .from(auditEvents)
    .where(eq(auditEvents.orgId, event.orgId))
    .orderBy(desc(auditEvents.id))
    .limit(RECENT_AUDIT_SCAN)
    .as('recent');
  const conds = [
    eq(recent.action, event.action),
    eq(recent.target, event.target),
    event.ip === null ? isNull(recent.ip) : eq(recent.ip, event.ip),
    gt(recent.createdAt, since),
  ];
  if (event.token !== undefined) conds.push(sql`${recent.details}->>'token' = ${event.token}`);
  const [hit] = await db
    .select({ action: recent.action })
    .from(recent)
    .where(and(...conds))
    .limit(1);
  return hit !== undefined;
}

/** Newest first, keyset-paginated by id; `before` is the last id of the previous page. */
export async function listAudit(db: Db, orgIds: string[], opts: { limit: number; before?: number; action?: string }): Promise<AuditEvent[]> {
  if (orgIds.length === 0) return [];
  const conds = [inArray(auditEvents.orgId, orgIds)];
  if (opts.before) conds.push(lt(auditEvents.id, opts.before));
  if (opts.action) conds.push(eq(auditEvents.action, opts.action));
  return db
    .select()
    .from(auditEvents)
    .where(and(...conds))
    .orderBy(desc(auditEvents.id))
    .limit(opts.limit);
}
