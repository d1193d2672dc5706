import { pgTable, uuid, text, timestamp, jsonb, index, uniqueIndex, check } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { orgs } from '../orgs/schema';
import { clusters } from '../clusters/schema';
import type { IncidentKind, Severity } from './vocabulary';

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
