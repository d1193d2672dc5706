import { pgTable, uuid, text, timestamp, integer, index, check, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { users } from '../accounts/schema';
import { orgs } from '../orgs/schema';
import { clusters } from '../clusters/schema';
import type { RolloutStatus, TargetState } from './vocabulary';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** A self-update rollout: every listed cluster's agent rolled to one image, wave by wave. */
export const agentRollouts = pgTable(
  'agent_rollouts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The org it was started in; its clusters are that org's subtree (or the one cluster of a single update). */
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    targetVersion: text('target_version').notNull(),
    targetImage: text('target_image').notNull(),
    status: text('status').$type<RolloutStatus>().notNull().default('running'),
    /** Why it is paused (a timeout names the cluster; an operator's pause says so); null otherwise. */
    pauseReason: text('pause_reason'),
    /** The wave being worked on (0-based); waves before it are done. */
    currentWave: integer('current_wave').notNull().default(0),
    waveCount: integer('wave_count').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    index('agent_rollouts_org_created_idx').on(t.orgId, t.createdAt),
    // One active rollout per org: two would tell the same agents different things.
    uniqueIndex('agent_rollouts_one_active_idx').on(t.orgId).where(sql`status in ('running', 'paused')`),
    check('agent_rollouts_status_check', sql`${t.status} in ('running','paused','completed','aborted')`),
  ],
);

/** One cluster of a rollout, in its wave. */
export const agentRolloutTargets = pgTable(
  'agent_rollout_targets',
  {
    rolloutId: uuid('rollout_id')
      .notNull()
      .references(() => agentRollouts.id, { onDelete: 'cascade' }),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    wave: integer('wave').notNull(),
    state: text('state').$type<TargetState>().notNull().default('waiting'),
    /** The agent version the cluster reported when the rollout started. */
    fromVersion: text('from_version'),
    /** When its wave started: the timeout counts from here. */
    toldAt: ts('told_at'),
    finishedAt: ts('finished_at'),
    /** Why it was skipped or failed. */
    message: text('message'),
  },
  (t) => [
    primaryKey({ columns: [t.rolloutId, t.clusterId] }),
    // The heartbeat asks "is this cluster told to update?": only updating rows, so the index stays tiny.
    index('agent_rollout_targets_updating_idx').on(t.clusterId).where(sql`state = 'updating'`),
    check('agent_rollout_targets_state_check', sql`${t.state} in ('waiting','updating','done','failed','skipped')`),
  ],
);

export type Rollout = typeof agentRollouts.$inferSelect;
export type RolloutTarget = typeof agentRolloutTargets.$inferSelect;
