import { pgTable, uuid, text, timestamp, jsonb, index, uniqueIndex, check, bigserial } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { orgs } from '../orgs/schema';
import { clusters } from '../clusters/schema';
import { users } from '../accounts/schema';
import type { IncidentKind, Severity, TransitionKind } from './vocabulary';

export const incidents = pgTable(
  'incidents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<IncidentKind>().notNull(),
    severity: text('severity').$type<Severity>().notNull(),
    /** What inside the cluster: "namespace/pod" for pods, the node name, "" for the cluster itself. */
    subject: text('subject').notNull().default(''),
    title: text('title').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    openedAt: timestamp('opened_at', { withTimezone: true, precision: 3 }).notNull(),
    /** Last time the condition was seen getting worse (a restart climbing); drives quiet-period resolution. */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, precision: 3 }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, precision: 3 }),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true, precision: 3 }),
    acknowledgedBy: uuid('acknowledged_by').references(() => users.id, { onDelete: 'set null' }),
    /** While in the future no notification is sent for this incident; kept in step with silences. */
    silencedUntil: timestamp('silenced_until', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    // At most one open incident per condition: detection can re-run without duplicating.
    uniqueIndex('incidents_open_idx').on(t.clusterId, t.kind, t.subject).where(sql`${t.resolvedAt} is null`),
    index('incidents_org_opened_idx').on(t.orgId, t.openedAt),
    check('incidents_kind_check', sql`${t.kind} in ('cluster_offline','pod_crash_looping','node_not_ready')`),
    check('incidents_severity_check', sql`${t.severity} in ('low','medium','high')`),
  ],
);

export type Incident = typeof incidents.$inferSelect;

/**
 * Every change of an incident a notification may follow, written in the same transaction as the
 * change. The notifications router turns unrouted ones into outbox rows and stamps `routed_at`.
 */
export const incidentTransitions = pgTable(
  'incident_transitions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    incidentId: uuid('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<TransitionKind>().notNull(),
    /** The incident's severity at that moment. */
    severity: text('severity').$type<Severity>().notNull(),
    /** Who did it; null when Niro did (detection). */
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    note: text('note'),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    routedAt: timestamp('routed_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    index('incident_transitions_unrouted_idx').on(t.at).where(sql`${t.routedAt} is null`),
    index('incident_transitions_incident_idx').on(t.incidentId, t.id),
    check('incident_transitions_kind_check', sql`${t.kind} in ('opened','reopened','acknowledged','resolved')`),
  ],
);

export type IncidentTransition = typeof incidentTransitions.$inferSelect;
