import { pgTable, uuid, text, timestamp, bigserial, jsonb, index } from 'drizzle-orm/pg-core';

/** Append-only. Never holds secrets: tokens appear by their public id, never in full. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The org the event belongs to; null for events without one (e.g. a failed login for an unknown email). */
    orgId: uuid('org_id'),
    actorUserId: uuid('actor_user_id'),
    /** Who, as shown: an email, "agent", "system". */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull().default(''),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    ip: text('ip'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('audit_org_time_idx').on(t.orgId, t.id), index('audit_actor_idx').on(t.actorUserId, t.id)],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
