import { pgTable, uuid, text, timestamp, integer, jsonb, index, uniqueIndex, check, primaryKey } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { users } from '../accounts/schema';
import { orgs } from '../orgs/schema';
import { clusters } from '../clusters/schema';
import { commands } from '../commands/schema';
import type { DeploymentSource, DeploymentStatus, ObjectRef, RevisionSource, TargetSelector, TargetStatus } from './vocabulary';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** A named, versioned set of manifests in one namespace, owned by an org and targeted at clusters of its subtree. */
export const deployments = pgTable(
  'deployments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    /** A DNS label, unique per org among deployments not deleted. */
    name: text('name').notNull(),
    /** Every object of every revision lives here (checked at import). */
    namespace: text('namespace').notNull(),
    source: text('source').$type<DeploymentSource>().notNull(),
    /** Which clusters it goes to; resolved within the org's subtree at apply time. */
    targets: jsonb('targets').$type<TargetSelector>().notNull().default({}),
    status: text('status').$type<DeploymentStatus>().notNull().default('active'),
    /** Number of the newest revision (0 before the first). */
    latestRevision: integer('latest_revision').notNull().default(0),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    deletedAt: ts('deleted_at'),
  },
  (t) => [
    uniqueIndex('deployments_org_name_idx').on(t.orgId, sql`lower(${t.name})`).where(sql`status <> 'deleted'`),
    index('deployments_org_idx').on(t.orgId, t.name),
    check('deployments_status_check', sql`${t.status} in ('active','deleting','deleted')`),
    check('deployments_source_check', sql`${t.source} in ('builder','import','git')`),
  ],
);

/**
 * One immutable version of a deployment's manifests (no store function updates a row). Numbered 1, 2, … per
 * deployment; `sha256` is of `content`, so equal contents are recognised without comparing text.
 */
export const deploymentRevisions = pgTable(
  'deployment_revisions',
  {
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    /** The manifests as multi-document YAML (normalised from what was imported or built). */
    content: text('content').notNull(),
    sha256: text('sha256').notNull(),
    source: text('source').$type<RevisionSource>().notNull(),
    /** The builder's form as submitted (builder revisions only), so the form can be reopened. */
    builderForm: jsonb('builder_form'),
    gitCommit: text('git_commit'),
    message: text('message'),
    /** For a rollback: the revision whose content it copies. */
    rollbackOf: integer('rollback_of'),
    /** The objects of `content`, in order: what an apply creates, a later revision prunes, a delete removes. */
    objects: jsonb('objects').$type<ObjectRef[]>().notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.deploymentId, t.number] }),
    check('deployment_revisions_source_check', sql`${t.source} in ('builder','import','git','rollback')`),
    check('deployment_revisions_number_check', sql`${t.number} >= 1`),
  ],
);

/** One cluster of a deployment: what it should run, what it last ran, and how the last command went. */
export const deploymentTargets = pgTable(
  'deployment_targets',
  {
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    /** The revision last sent to the cluster. */
    desiredRevision: integer('desired_revision'),
    /** The revision the agent last applied completely; null before the first success. */
    appliedRevision: integer('applied_revision'),
    status: text('status').$type<TargetStatus>().notNull().default('pending'),
    /** Why the last command failed (the Kubernetes error, or the delivery deadline). */
    error: text('error'),
    /** The last command sent for this target; its result moves `status`. */
    commandId: uuid('command_id').references(() => commands.id, { onDelete: 'set null' }),
    /**
     * Objects Niro may have created on this cluster for the deployment: the applied revision's, plus an
     * in-flight or failed revision's (some of those may exist), minus what was pruned. A later revision prunes
     * what is here and not in it; a delete removes all of it.
     */
    ownedObjects: jsonb('owned_objects').$type<ObjectRef[]>().notNull().default([]),
    /** When the agent last reported a successful apply. */
    lastSyncAt: ts('last_sync_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.deploymentId, t.clusterId] }),
    index('deployment_targets_cluster_idx').on(t.clusterId),
    // A command result finds its target by command id.
    index('deployment_targets_command_idx').on(t.commandId),
    check('deployment_targets_status_check', sql`${t.status} in ('pending','applying','applied','failed','deleting','deleted')`),
  ],
);

export type Deployment = typeof deployments.$inferSelect;
export type DeploymentRevision = typeof deploymentRevisions.$inferSelect;
export type DeploymentTarget = typeof deploymentTargets.$inferSelect;
