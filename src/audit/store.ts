import { and, desc, inArray, lt, eq } from 'drizzle-orm';
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

/** Newest first, keyset-paginated by id; `before` is the last id of the previous page. */
export async function listAudit(db: Db, orgIds: string[], opts: { limit: number; before?: number; action?: string }): Promise<AuditEvent[]> {
  if (orgIds.length === 0) return [];
  const conds = [inArray(auditEvents.orgId, orgIds)];
  if (opts.before) conds.push(lt(auditEvents.id, opts.before));
  if (opts.action) conds.push(eq(auditEvents.action, opts.action));
  return db.select().from(auditEvents).where(and(...conds)).orderBy(desc(auditEvents.id)).limit(opts.limit);
}
