// What the audit API answers: audit events, newest first.
import { t } from 'elysia';
import { Exact, Integer, Nullable, Page, Timestamp } from '../http/responses';

export const AuditEventJson = Exact({
  id: Integer({ description: 'Increasing: a later event has a larger id' }),
  orgId: Nullable(t.String({ description: 'null for events without an org (a failed login for an unknown email)' })),
  actor: t.String({ description: 'Who, as shown: an email, "agent", "system"' }),
  action: t.String({ description: 'e.g. org.create, member.add, cluster.delete, logs.start' }),
  target: t.String(),
  details: t.Record(t.String(), t.Unknown(), { description: 'Depends on the action; never holds secrets' }),
  ip: Nullable(t.String()),
  at: Timestamp,
});
export type AuditEventJson = typeof AuditEventJson.static;

export const AuditPage = Page('events', AuditEventJson);
export type AuditPage = typeof AuditPage.static;
