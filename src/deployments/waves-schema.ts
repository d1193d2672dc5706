// Tables of deployment rollouts in waves and of drift self-heal. Kept apart from the deployments' own tables:
// a rollout drives the same apply path a plain apply does, wave by wave.
import { pgTable, uuid, text, timestamp, integer, boolean, index, check, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { users } from '../accounts/schema';
import { orgs } from '../orgs/schema';
import { clusters } from '../clusters/schema';
import { deployments } from './schema';
import type { RolloutClusterState, DeploymentRolloutStatus } from './waves-vocabulary';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** One revision of a deployment rolled out to its clusters wave by wave, each wave healthy for a while before the next. */
export const deploymentRollouts = pgTable(
  'deployment_rollouts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    /** The deployment's org (tenancy reads it without a join). */
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    revision: integer('revision').notNull(),
    status: text('status').$type<DeploymentRolloutStatus>().notNull().default('running'),
    /** Why it is paused (names the cluster and what went wrong, or who paused it); null otherwise. */
    pauseReason: text('pause_reason'),
    /** The wave being worked on (0-based); waves before it are done. */
    currentWave: integer('current_wave').notNull().default(0),
    waveCount: integer('wave_count').notNull(),
    /** How long each cluster of a wave must stay applied and Healthy before the next wave starts. */
    healthySeconds: integer('healthy_seconds').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    index('deployment_rollouts_deployment_idx').on(t.deploymentId, t.createdAt),
    // One active rollout per deployment: two would send its clusters different revisions.
    uniqueIndex('deployment_rollouts_one_active_idx').on(t.deploymentId).where(sql`status in ('running', 'paused')`),
    check('deployment_rollouts_status_check', sql`${t.status} in ('running','paused','completed','aborted')`),
    check('deployment_rollouts_healthy_seconds_check', sql`${t.healthySeconds} between 0 and 3600`),
  ],
);

/** One cluster of a deployment rollout, in its wave. */
export const deploymentRolloutClusters = pgTable(
  'deployment_rollout_clusters',
  {
    rolloutId: uuid('rollout_id')
      .notNull()
      .references(() => deploymentRollouts.id, { onDelete: 'cascade' }),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    wave: integer('wave').notNull(),
    state: text('state').$type<RolloutClusterState>().notNull().default('waiting'),
    /** When its apply was queued (its wave started, or a resume re-applied it). */
    startedAt: ts('started_at'),
    /** Since when it has been applied and Healthy without a break; null while it is not. */
    healthySince: ts('healthy_since'),
    finishedAt: ts('finished_at'),
    /** Why it failed or was skipped; what it waits for while applying. */
    message: text('message'),
  },
  (t) => [
    primaryKey({ columns: [t.rolloutId, t.clusterId] }),
    index('deployment_rollout_clusters_cluster_idx').on(t.clusterId),
    check('deployment_rollout_clusters_state_check', sql`${t.state} in ('waiting','applying','done','failed','skipped')`),
  ],
);

/** A deployment's self-heal switch: when on, drift seen on a cluster re-applies the current revision there. */
export const deploymentSelfHeal = pgTable('deployment_self_heal', {
  deploymentId: uuid('deployment_id')
    .primaryKey()
    .references(() => deployments.id, { onDelete: 'cascade' }),
  enabled: boolean('enabled').notNull().default(false),
  updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/**
 * The heal history of one deployment on one cluster: how often in a row drift came back after a heal, and when
 * the next heal may run (the wait doubles with each heal in a row, so a fight with another controller slows down).
 */
export const deploymentHeals = pgTable(
  'deployment_heals',
  {
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    lastHealAt: ts('last_heal_at').notNull(),
    /** Heals in a row, each finding drift again; back to 0 when the cluster was seen in sync for a full wait. */
    streak: integer('streak').notNull().default(1),
    nextAllowedAt: ts('next_allowed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.deploymentId, t.clusterId] })],
);

export type DeploymentRollout = typeof deploymentRollouts.$inferSelect;
export type DeploymentRolloutCluster = typeof deploymentRolloutClusters.$inferSelect;
export type DeploymentHeal = typeof deploymentHeals.$inferSelect;
