import { pgTable, uuid, text, timestamp, jsonb, index, uniqueIndex, check, bigserial, integer, boolean } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { orgs } from '../orgs/schema';
import { clusters } from '../clusters/schema';
import { users } from '../accounts/schema';
import { INCIDENT_KINDS, type IncidentKind, type IncidentState, type Severity, type TransitionKind } from './vocabulary';
import type { Environment } from '../clusters/vocabulary';

const KIND_LIST = sql.raw(INCIDENT_KINDS.map((k) => `'${k}'`).join(','));

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
    /** What inside the cluster: the workload "ns/Kind/name" (a bare pod "ns/Pod/name"), the node name, "" for the cluster itself. */
    subject: text('subject').notNull().default(''),
    title: text('title').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    /** pending (waiting for its threshold, shown nowhere), open, resolved. */
    state: text('state').$type<IncidentState>().notNull().default('open'),
    /** When it opened (for a pending one: when it was first detected; set again when it opens). */
    openedAt: timestamp('opened_at', { withTimezone: true, precision: 3 }).notNull(),
    /** Since when the condition holds (a pod's creation, a workload's first short beat): threshold kinds open at since + threshold. */
    since: timestamp('since', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** The latest evidence of the condition; a quiet kind (crash loop, OOM) resolves once this is older than its quiet period. */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, precision: 3 }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, precision: 3 }),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true, precision: 3 }),
    acknowledgedBy: uuid('acknowledged_by').references(() => users.id, { onDelete: 'set null' }),
    /** While in the future no notification is sent for this incident; kept in step with silences. */
    silencedUntil: timestamp('silenced_until', { withTimezone: true, precision: 3 }),
    /** Times it fired again within the reopen window after resolving (flap damping: same row). */
    reopenCount: integer('reopen_count').notNull().default(0),
    resolvedBy: uuid('resolved_by').references(() => users.id, { onDelete: 'set null' }),
    resolveNote: text('resolve_note'),
    /**
     * Resolved by hand while the condition still held: detection leaves it resolved (no reopen) until a
     * beat sees the condition gone; a later return then reopens or opens as usual.
     */
    held: boolean('held').notNull().default(false),
  },
  (t) => [
    // At most one open incident per condition: detection can re-run without duplicating.
    uniqueIndex('incidents_open_idx').on(t.clusterId, t.kind, t.subject).where(sql`${t.resolvedAt} is null`),
    index('incidents_org_opened_idx').on(t.orgId, t.openedAt),
    // Reconciliation reads a cluster's active rows and those resolved within the reopen window.
    index('incidents_cluster_resolved_idx').on(t.clusterId, t.resolvedAt),
    // The periodic pass: pending rows to open, quiet ones to resolve.
    index('incidents_active_idx').on(t.state, t.kind).where(sql`${t.resolvedAt} is null`),
    check('incidents_kind_check', sql`${t.kind} in (${KIND_LIST})`),
    check('incidents_state_check', sql`${t.state} in ('pending','open','resolved')`),
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

/**
 * A silence: while now is in [startsAt, endsAt), incidents in the org's subtree matching every set
 * matcher (null = any) send no notification (incidents.silenced_until). Expiring early sets endsAt.
 */
export const incidentSilences = pgTable(
  'incident_silences',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    clusterId: uuid('cluster_id').references(() => clusters.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<IncidentKind>(),
    /** A workload subject "ns/Kind/name". */
    workload: text('workload'),
    environment: text('environment').$type<Environment>(),
    startsAt: timestamp('starts_at', { withTimezone: true, precision: 3 }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true, precision: 3 }).notNull(),
    comment: text('comment').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('incident_silences_org_idx').on(t.orgId, t.endsAt), check('incident_silences_period_check', sql`${t.endsAt} > ${t.startsAt}`)],
);

export type IncidentSilence = typeof incidentSilences.$inferSelect;

/** Per-org thresholds of the threshold kinds; an org without a row uses DEFAULT_THRESHOLDS. */
export const incidentSettings = pgTable('incident_settings', {
  orgId: uuid('org_id')
    .primaryKey()
    .references(() => orgs.id, { onDelete: 'cascade' }),
  pendingAfterSeconds: integer('pending_after_seconds').notNull(),
  unavailableAfterSeconds: integer('unavailable_after_seconds').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
});
