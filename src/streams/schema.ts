import { pgTable, uuid, text, timestamp, jsonb, bigint, index } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { users } from '../accounts/schema';
import { orgs } from '../orgs/schema';
import { clusters } from '../clusters/schema';
import type { LogFilter } from '../contract';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });
const big = (name: string) => bigint(name, { mode: 'number' });

/** What the viewer asked Kubernetes for; kept for the audit trail and for re-opening the request after a seam. */
export type LogStreamOptions = {
  follow: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  previous: boolean;
  timestamps: boolean;
  filter?: LogFilter;
};

/**
 * One live tail of one container: who opened it, on which cluster/pod/container, with which options,
 * which replica holds it (the one with the agent's WebSocket), how much it carried and why it ended.
 * Never the log contents. Open = ended_at is null; the per-cluster/per-org caps count those.
 */
export const logStreams = pgTable(
  'log_streams',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    /** The creator's email when the stream started (the audit trail outlives the account). */
    actor: text('actor').notNull(),
    namespace: text('namespace').notNull(),
    pod: text('pod').notNull(),
    container: text('container').notNull(),
    options: jsonb('options').$type<LogStreamOptions>().notNull(),
    /** The workload tail this stream is part of; null for a single-pod stream. */
    tailId: uuid('tail_id'),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** Replica holding the stream (where the agent's socket is); null while no agent has picked it up. */
    ownerReplica: text('owner_replica'),
    /** Renewed by the owner every few seconds; an old one means the owner died and another may adopt. */
    ownerSeenAt: ts('owner_seen_at'),
    /** Last sequence number handed out (lines and notes), as of the owner's last report. */
    lastSeq: big('last_seq').notNull().default(0),
    /** Kubernetes timestamp of the newest line received: where a re-opened request resumes. */
    lastTimestamp: text('last_timestamp'),
    bytes: big('bytes').notNull().default(0),
    lines: big('lines').notNull().default(0),
    droppedLines: big('dropped_lines').notNull().default(0),
    endedAt: ts('ended_at'),
    endReason: text('end_reason'),
  },
  (t) => [
    // The concurrency caps and adoption look only at open streams: partial, so they stay small.
    index('log_streams_open_cluster_idx').on(t.clusterId).where(sql`ended_at is null`),
    index('log_streams_open_org_idx').on(t.orgId).where(sql`ended_at is null`),
    index('log_streams_tail_idx').on(t.tailId).where(sql`tail_id is not null`),
  ],
);

export type LogStreamRow = typeof logStreams.$inferSelect;

/**
 * A workload tail: every pod of one owner (kind/name, optionally one namespace) across the chosen
 * clusters, merged into one view. Its pods are log_streams rows with tail_id = this id; pods that
 * appear while it runs join it.
 */
export const logTails = pgTable(
  'log_tails',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    actor: text('actor').notNull(),
    ownerKind: text('owner_kind').notNull(),
    ownerName: text('owner_name').notNull(),
    /** null = every namespace. */
    namespace: text('namespace'),
    clusterIds: uuid('cluster_ids').array().notNull(),
    container: text('container'),
    options: jsonb('options').$type<LogStreamOptions>().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    endedAt: ts('ended_at'),
    endReason: text('end_reason'),
  },
  (t) => [index('log_tails_open_idx').on(t.createdAt).where(sql`ended_at is null`)],
);

export type LogTailRow = typeof logTails.$inferSelect;
