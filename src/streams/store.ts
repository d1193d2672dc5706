// Queries of log streams: the audit/ownership rows (never log contents). Times that decide ownership
// (leases) are the database's clock, so replicas with skewed clocks agree.
import { and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { deleteBounded, queryRows } from '../db/client';
import { logStreams, logTails, type LogStreamOptions, type LogStreamRow, type LogTailRow } from './schema';

/** Advisory lock class for "count then insert" of one org's streams (the second key is the org). */
const ORG_STREAMS_LOCK = 7_301_010;

export type NewStream = {
  orgId: string;
  clusterId: string;
  createdBy: string | null;
  actor: string;
  namespace: string;
  pod: string;
  container: string;
  options: LogStreamOptions;
  tailId?: string | null;
  ownerReplica?: string | null;
};

/** Serializes stream creation within one org until the transaction ends, so caps can't be raced past. */
export async function lockOrgStreams(tx: Db, orgId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ORG_STREAMS_LOCK}, hashtext(${orgId}))`);
}

export async function countOpenStreams(db: Db, orgId: string, clusterId: string): Promise<{ org: number; cluster: number }> {
  const [row] = await queryRows<{ org: number; cluster: number }>(
    db,
    sql`select count(*)::int as org, (count(*) filter (where cluster_id = ${clusterId}))::int as cluster
        from log_streams where org_id = ${orgId} and ended_at is null`,
  );
  return { org: row?.org ?? 0, cluster: row?.cluster ?? 0 };
}

export async function insertStream(db: Db, input: NewStream): Promise<LogStreamRow> {
  const [row] = await db
    .insert(logStreams)
    .values({ ...input, ownerSeenAt: input.ownerReplica ? sql`now()` : null })
    .returning();
  return row;
}

export async function findStream(db: Db, id: string): Promise<LogStreamRow | null> {
  if (!UUID.test(id)) return null;
  const [row] = await db.select().from(logStreams).where(eq(logStreams.id, id));
  return row ?? null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isStreamId(id: string): boolean {
  return UUID.test(id);
}

/**
 * Takes over the cluster's open streams that nobody holds: never picked up, released by a replica whose
 * agent socket closed, held by a replica whose lease expired (it died), or already this replica's (its
 * socket came back). Compare-and-swap per row, so
 * two replicas adopting at once never both win one.
 */
export async function claimStreams(db: Db, clusterId: string, replica: string, leaseSeconds: number): Promise<LogStreamRow[]> {
  const candidates = await db
    .select({ id: logStreams.id, owner: logStreams.ownerReplica })
    .from(logStreams)
    .where(
      and(
        eq(logStreams.clusterId, clusterId),
        isNull(logStreams.endedAt),
        or(
          isNull(logStreams.ownerReplica),
          eq(logStreams.ownerReplica, replica),
          lt(logStreams.ownerSeenAt, sql`now() - make_interval(secs => ${leaseSeconds})`),
        ),
      ),
    )
    .limit(500);
  const claimed: LogStreamRow[] = [];
  for (const c of candidates) {
    const [row] = await db
      .update(logStreams)
      .set({ ownerReplica: replica, ownerSeenAt: sql`now()` })
      .where(
        and(
          eq(logStreams.id, c.id),
          isNull(logStreams.endedAt),
          c.owner === null
            ? isNull(logStreams.ownerReplica)
            : c.owner === replica
              ? eq(logStreams.ownerReplica, replica)
              : and(eq(logStreams.ownerReplica, c.owner), lt(logStreams.ownerSeenAt, sql`now() - make_interval(secs => ${leaseSeconds})`)),
        ),
      )
      .returning();
    if (row) claimed.push(row);
  }
  return claimed;
}

export type StreamProgress = { id: string; lastSeq: number; lastTimestamp: string | null; bytes: number; lines: number; droppedLines: number };

/**
 * Renews this replica's lease on its streams and records their progress, in one statement. Returns the
 * ids that are still open and still ours: a missing one was ended (or taken) elsewhere.
 */
export async function renewStreams(db: Db, replica: string, progress: readonly StreamProgress[]): Promise<Set<string>> {
  if (progress.length === 0) return new Set();
  const rows = await queryRows<{ id: string }>(
    db,
    sql`update log_streams l set owner_seen_at = now(), last_seq = v.seq, last_timestamp = coalesce(v.ts, l.last_timestamp),
               bytes = v.bytes, lines = v.lines, dropped_lines = v.dropped
        from (select unnest(${pgArray(progress.map((p) => p.id))}::uuid[]) as id,
                     unnest(${pgArray(progress.map((p) => p.lastSeq))}::bigint[]) as seq,
                     unnest(${pgArray(progress.map((p) => p.lastTimestamp))}::text[]) as ts,
                     unnest(${pgArray(progress.map((p) => p.bytes))}::bigint[]) as bytes,
                     unnest(${pgArray(progress.map((p) => p.lines))}::bigint[]) as lines,
                     unnest(${pgArray(progress.map((p) => p.droppedLines))}::bigint[]) as dropped) v
        where l.id = v.id and l.owner_replica = ${replica} and l.ended_at is null
        returning l.id`,
  );
  return new Set(rows.map((r) => r.id));
}

/** A Postgres array literal passed as one text parameter (works the same on postgres.js and PGlite). */
function pgArray(values: readonly (string | number | null)[]): string {
  return (
    '{' +
    values.map((v) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : '"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"')).join(',') +
    '}'
  );
}

/** Lets go of a stream (its agent socket closed) with its exact progress, so the next holder continues the seqs. */
export async function releaseStream(db: Db, replica: string, p: StreamProgress): Promise<void> {
  await db
    .update(logStreams)
    .set({
      ownerReplica: null,
      ownerSeenAt: sql`now()`,
      lastSeq: p.lastSeq,
      lastTimestamp: p.lastTimestamp,
      bytes: p.bytes,
      lines: p.lines,
      droppedLines: p.droppedLines,
    })
    .where(and(eq(logStreams.id, p.id), eq(logStreams.ownerReplica, replica), isNull(logStreams.endedAt)));
}

/**
 * Ends a stream once: the row as ended, or null when it had ended already. `progress` (the owner's exact
 * counts) is written when given; otherwise the last reported counts stay.
 */
export async function markEnded(db: Db, id: string, reason: string, progress?: StreamProgress): Promise<LogStreamRow | null> {
  const counts = progress
    ? { lastSeq: progress.lastSeq, lastTimestamp: progress.lastTimestamp, bytes: progress.bytes, lines: progress.lines, droppedLines: progress.droppedLines }
    : {};
  const [row] = await db
    .update(logStreams)
    .set({ ...counts, endedAt: sql`now()`, endReason: reason.slice(0, 500), ownerReplica: null })
    .where(and(eq(logStreams.id, id), isNull(logStreams.endedAt)))
    .returning();
  return row ?? null;
}

/**
 * Ends streams nobody holds and nobody picked up for `graceSeconds` (no agent connected, or one that went
 * away and did not come back), so they stop counting against the caps. Scoped to one org when given.
 */
export async function sweepStaleStreams(db: Db, graceSeconds: number, orgId?: string): Promise<LogStreamRow[]> {
  const stale = and(
    isNull(logStreams.endedAt),
    or(
      and(
        isNull(logStreams.ownerReplica),
        lt(sql`coalesce(${logStreams.ownerSeenAt}, ${logStreams.createdAt})`, sql`now() - make_interval(secs => ${graceSeconds})`),
      ),
      lt(logStreams.ownerSeenAt, sql`now() - make_interval(secs => ${graceSeconds * 3})`),
    ),
    orgId ? eq(logStreams.orgId, orgId) : undefined,
  );
  const ids = db.select({ id: logStreams.id }).from(logStreams).where(stale).limit(200);
  return db
    .update(logStreams)
    .set({
      endedAt: sql`now()`,
      ownerReplica: null,
      endReason: sql`case when ${logStreams.lastSeq} = 0 and ${logStreams.ownerReplica} is null then 'the cluster''s agent is not connected to this control plane' else 'the cluster''s agent disconnected and did not come back' end`,
    })
    .where(and(inArray(logStreams.id, ids), isNull(logStreams.endedAt)))
    .returning();
}

/** A caller's recent streams (newest first) for the history list. */
export async function listStreams(db: Db, orgIds: readonly string[], opts: { clusterId?: string; limit: number }): Promise<LogStreamRow[]> {
  if (orgIds.length === 0) return [];
  const conds = [inArray(logStreams.orgId, [...orgIds])];
  if (opts.clusterId) conds.push(eq(logStreams.clusterId, opts.clusterId));
  return db
    .select()
    .from(logStreams)
    .where(and(...conds))
    .orderBy(desc(logStreams.createdAt))
    .limit(opts.limit);
}

export async function insertTail(db: Db, input: Omit<typeof logTails.$inferInsert, 'id' | 'createdAt'>): Promise<LogTailRow> {
  const [row] = await db.insert(logTails).values(input).returning();
  return row;
}

export async function findTail(db: Db, id: string): Promise<LogTailRow | null> {
  if (!UUID.test(id)) return null;
  const [row] = await db.select().from(logTails).where(eq(logTails.id, id));
  return row ?? null;
}

export async function endTail(db: Db, id: string, reason: string): Promise<boolean> {
  const rows = await db
    .update(logTails)
    .set({ endedAt: sql`now()`, endReason: reason })
    .where(and(eq(logTails.id, id), isNull(logTails.endedAt)))
    .returning({ id: logTails.id });
  return rows.length > 0;
}

/** The tail's member streams, open or ended. */
export async function listTailStreams(db: Db, tailId: string): Promise<LogStreamRow[]> {
  return db.select().from(logStreams).where(eq(logStreams.tailId, tailId)).orderBy(logStreams.createdAt);
}

/** Stream and tail records (never contents) of viewers that ended before `before`. */
export async function pruneEndedStreams(db: Db, before: Date): Promise<number> {
  const at = before.toISOString();
  return (
    (await deleteBounded(db, 'log_streams', sql`ended_at < ${at}::timestamptz`)) + (await deleteBounded(db, 'log_tails', sql`ended_at < ${at}::timestamptz`))
  );
}
