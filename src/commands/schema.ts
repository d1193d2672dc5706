import { pgTable, uuid, text, timestamp, jsonb, index, check } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { users } from '../accounts/schema';
import { clusters } from '../clusters/schema';
import type { CommandResult, CommandType } from '../contract';
import type { CommandStatus } from './vocabulary';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const commands = pgTable(
  'commands',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    type: text('type').$type<CommandType>().notNull(),
    /** The contract payload of `type`, as delivered to the agent. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** One line for lists and the audit log ("apply 3 objects: Deployment shop/web, …"); never secret values. */
    summary: text('summary').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** Delivery deadline: a queued command past it is never handed to the agent. */
    expiresAt: ts('expires_at').notNull(),
    deliveredAt: ts('delivered_at'),
    result: jsonb('result').$type<CommandResult>(),
    /** When the result arrived (or when the command expired). */
    completedAt: ts('completed_at'),
    status: text('status').$type<CommandStatus>().notNull().default('queued'),
  },
  (t) => [
    // History, newest first, keyset by (created_at, id).
    index('commands_cluster_created_idx').on(t.clusterId, t.createdAt, t.id),
    // The long-poll's claim and commandsPending: only undelivered rows, so it stays tiny.
    index('commands_undelivered_idx').on(t.clusterId, t.createdAt).where(sql`delivered_at is null`),
    // The expiry job scans only open commands.
    index('commands_open_idx').on(t.expiresAt).where(sql`status in ('queued', 'delivered')`),
    check('commands_status_check', sql`${t.status} in ('queued','delivered','succeeded','failed','expired')`),
    check('commands_type_check', sql`${t.type} in ('ping','apply','delete','self-update')`),
  ],
);

export type CommandRow = typeof commands.$inferSelect;
