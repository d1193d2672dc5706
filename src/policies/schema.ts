import { pgTable, uuid, text, timestamp, jsonb, index, uniqueIndex, check } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { orgs } from '../orgs/schema';
import { clusters } from '../clusters/schema';
import { users } from '../accounts/schema';
import type { Severity } from './severity';
import type { PolicyCategory, RuleId } from './vocabulary';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** Why an open finding stopped being open. */
export const RESOLUTIONS = ['fixed', 'workload_removed', 'rule_disabled', 'exempt'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/**
 * One rule broken by one workload: at most one open row per (cluster, workload, rule); a finding that
 * comes back after it was resolved opens a new row, so resolved rows are its history.
 */
export const policyFindings = pgTable(
  'policy_findings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    namespace: text('namespace').notNull(),
    workloadKind: text('workload_kind').notNull(),
    workloadName: text('workload_name').notNull(),
    ruleId: text('rule_id').$type<RuleId>().notNull(),
    category: text('category').$type<PolicyCategory>().notNull(),
    /** Adjusted by the cluster's environment when last evaluated (a change of environment re-evaluates). */
    severity: text('severity').$type<Severity>().notNull(),
    message: text('message').notNull(),
    /** Containers that break the rule; empty for pod-level rules. */
    containers: jsonb('containers').$type<string[]>().notNull().default([]),
    firstSeenAt: ts('first_seen_at').notNull(),
    /** The last evaluation that found it (evaluations run when the workload's template, labels, replicas or PDB change). */
    lastSeenAt: ts('last_seen_at').notNull(),
    resolvedAt: ts('resolved_at'),
    resolution: text('resolution').$type<Resolution>(),
  },
  (t) => [
    uniqueIndex('policy_findings_open_idx').on(t.clusterId, t.namespace, t.workloadKind, t.workloadName, t.ruleId).where(sql`${t.resolvedAt} is null`),
    index('policy_findings_cluster_seen_idx').on(t.clusterId, t.firstSeenAt.desc(), t.id.desc()),
    check('policy_findings_severity_check', sql`${t.severity} in ('low','medium','high')`),
    check('policy_findings_category_check', sql`${t.category} in ('security','reliability','efficiency')`),
    check('policy_findings_resolution_check', sql`${t.resolution} is null or ${t.resolution} in ('fixed','workload_removed','rule_disabled','exempt')`),
  ],
);

/**
 * An org's own policy settings. Rules disabled here are off for the org and its whole subtree (the union
 * along the ancestors: a descendant can turn more off, never back on). Exempt namespaces: the nearest org
 * (itself, then up) that set a list decides; null = inherit, and at the root the default list.
 */
export const policyOrgSettings = pgTable('policy_org_settings', {
  orgId: uuid('org_id')
    .primaryKey()
    .references(() => orgs.id, { onDelete: 'cascade' }),
  disabledRules: jsonb('disabled_rules').$type<RuleId[]>().notNull().default([]),
  exemptNamespaces: jsonb('exempt_namespaces').$type<string[] | null>(),
  updatedAt: ts('updated_at').notNull(),
  updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
});

/**
 * A finding accepted for one workload until `expiresAt`. Applied when findings are read (a waived finding
 * stays stored and open, shown as waived), so expiry takes effect the instant it passes, with no job.
 */
export const policyWaivers = pgTable(
  'policy_waivers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    namespace: text('namespace').notNull(),
    workloadKind: text('workload_kind').notNull(),
    workloadName: text('workload_name').notNull(),
    ruleId: text('rule_id').$type<RuleId>().notNull(),
    reason: text('reason').notNull(),
    expiresAt: ts('expires_at').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('policy_waivers_workload_idx').on(t.clusterId, t.namespace, t.workloadKind, t.workloadName, t.ruleId, t.expiresAt)],
);

export type PolicyFindingRow = typeof policyFindings.$inferSelect;
export type PolicyWaiver = typeof policyWaivers.$inferSelect;
export type PolicyOrgSettings = typeof policyOrgSettings.$inferSelect;
