// Queries of the command channel: queue, claim (exactly once), record results, expire, list.
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, or, gt, sql, type SQL } from 'drizzle-orm';
import { deleteBounded, type Db } from '../db/client';
import { users } from '../accounts/schema';
import type { CommandResult, CommandType } from '../contract';
import { commands, type CommandRow } from './schema';
import type { CommandStatus } from './vocabulary';

/** A delivered command with no result after this long is shown (and stored) as expired. */
export const RESULT_TIMEOUT_MS = 5 * 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type NewCommand = {
  clusterId: string;
  type: CommandType;
  payload: Record<string, unknown>;
  summary: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
};

export async function insertCommand(db: Db, input: NewCommand): Promise<CommandRow> {
  const [row] = await db.insert(commands).values(input).returning();
  return row;
}

/**
 * Hands the cluster's oldest undelivered, unexpired commands to one poller, oldest first. Exactly once:
 * rows another poller has locked are skipped, and a row claimed meanwhile fails `delivered_at is null`
 * when Postgres re-checks it under the lock — so two polls (or two replicas) never get the same id.
 */
export async function claimCommands(db: Db, clusterId: string, now: Date, limit: number): Promise<CommandRow[]> {
  const claimable = db
    .select({ id: commands.id })
    .from(commands)
    .where(and(eq(commands.clusterId, clusterId), isNull(commands.deliveredAt), eq(commands.status, 'queued'), gt(commands.expiresAt, now)))
    .orderBy(asc(commands.createdAt), asc(commands.id))
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(commands)
    .set({ deliveredAt: now, status: 'delivered' })
    .where(and(inArray(commands.id, claimable), isNull(commands.deliveredAt)))
    .returning();
  // RETURNING has no order: restore the queue's.
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
}

/**
 * Whether the cluster has a command its agent has not picked up yet (HeartbeatResponse.commandsPending), as a
 * boolean SQL expression: the heartbeat reads it in the statement that stores the beat.
 */
export function pendingCommandsExpr(clusterId: string, now: Date): SQL {
  return sql`exists (select 1 from ${commands} where ${and(eq(commands.clusterId, clusterId), isNull(commands.deliveredAt), eq(commands.status, 'queued'), gt(commands.expiresAt, now))})`;
}

export type RecordResultOutcome = { ok: true; command: CommandRow } | { ok: false; reason: 'not_found' | 'not_delivered' | 'already_reported' };

/**
 * Stores the agent's result for one of the cluster's own delivered commands, once. A result arriving
 * after the command was marked expired still lands: the agent did run it, and that is what happened.
 */
export async function recordResult(db: Db, clusterId: string, commandId: string, result: CommandResult, now: Date): Promise<RecordResultOutcome> {
  if (!UUID.test(commandId)) return { ok: false, reason: 'not_found' };
  const [row] = await db
    .update(commands)
    .set({ result, status: result.ok ? 'succeeded' : 'failed', completedAt: now })
    .where(and(eq(commands.id, commandId), eq(commands.clusterId, clusterId), isNotNull(commands.deliveredAt), isNull(commands.result)))
    .returning();
  if (row) return { ok: true, command: row };
  const existing = await findCommand(db, clusterId, commandId);
  if (!existing) return { ok: false, reason: 'not_found' };
  return { ok: false, reason: existing.deliveredAt ? 'already_reported' : 'not_delivered' };
}

/** One command of one cluster; null for another cluster's id (callers answer 404 either way). */
export async function findCommand(db: Db, clusterId: string, commandId: string): Promise<CommandRow | null> {
  if (!UUID.test(commandId)) return null;
  const [row] = await db
    .select()
    .from(commands)
    .where(and(eq(commands.id, commandId), eq(commands.clusterId, clusterId)));
  return row ?? null;
}

export type CommandListRow = CommandRow & { createdByEmail: string | null };

/** One command with its author's email; null for another cluster's id. */
export async function findCommandView(db: Db, clusterId: string, commandId: string): Promise<CommandListRow | null> {
  if (!UUID.test(commandId)) return null;
  const [row] = await db
    .select({ command: commands, email: users.email })
    .from(commands)
    .leftJoin(users, eq(users.id, commands.createdBy))
    .where(and(eq(commands.id, commandId), eq(commands.clusterId, clusterId)));
  return row ? { ...row.command, createdByEmail: row.email } : null;
}

export type CommandFilter = { type?: CommandType; status?: CommandStatus };

/**
 * Newest first, keyset by (created_at, id); `before` is the previous page's last row. The status filter
 * matches the stored status (the expiry job keeps it at most one pass behind `effectiveStatus`).
 */
export async function listCommands(
  db: Db,
  clusterId: string,
  page: { limit: number; before?: { createdAt: Date; id: string } },
  filter: CommandFilter = {},
): Promise<CommandListRow[]> {
  const conds: (SQL | undefined)[] = [eq(commands.clusterId, clusterId)];
  if (filter.type) conds.push(eq(commands.type, filter.type));
  if (filter.status) conds.push(eq(commands.status, filter.status));
  if (page.before) {
    const { createdAt, id } = page.before;
    conds.push(or(lt(commands.createdAt, createdAt), and(eq(commands.createdAt, createdAt), lt(commands.id, id))));
  }
  const rows = await db
    .select({ command: commands, email: users.email })
    .from(commands)
    .leftJoin(users, eq(users.id, commands.createdBy))
    .where(and(...conds))
    .orderBy(desc(commands.createdAt), desc(commands.id))
    .limit(page.limit);
  return rows.map((r) => ({ ...r.command, createdByEmail: r.email }));
}

/** The cluster's latest answered ping (the "last latency" on its page); null when none. */
export async function findLastPing(db: Db, clusterId: string): Promise<CommandRow | null> {
  const [row] = await db
    .select()
    .from(commands)
    .where(and(eq(commands.clusterId, clusterId), eq(commands.type, 'ping'), eq(commands.status, 'succeeded')))
    .orderBy(desc(commands.createdAt), desc(commands.id))
    .limit(1);
  return row ?? null;
}

/**
 * Marks open commands expired: queued past their deadline, or delivered with no result within
 * RESULT_TIMEOUT_MS. Returns how many changed.
 */
export async function expireCommands(db: Db, now: Date): Promise<number> {
  const rows = await db
    .update(commands)
    .set({ status: 'expired', completedAt: now })
    .where(
      or(
        and(eq(commands.status, 'queued'), lt(commands.expiresAt, now)),
        and(eq(commands.status, 'delivered'), lt(commands.deliveredAt, new Date(now.getTime() - RESULT_TIMEOUT_MS))),
      ),
    )
    .returning({ id: commands.id });
  return rows.length;
}

/** The status as of `now`, even before the expiry job has written it. */
export function effectiveStatus(row: Pick<CommandRow, 'status' | 'expiresAt' | 'deliveredAt'>, now: Date): CommandStatus {
  if (row.status === 'queued' && row.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (row.status === 'delivered' && row.deliveredAt && row.deliveredAt.getTime() + RESULT_TIMEOUT_MS <= now.getTime()) return 'expired';
  return row.status;
}

/** Finished commands (succeeded, failed, expired) created before `before`. */
export async function pruneCommands(db: Db, before: Date): Promise<number> {
  return deleteBounded(db, 'commands', sql`created_at < ${before.toISOString()}::timestamptz and status in ('succeeded', 'failed', 'expired')`);
}
