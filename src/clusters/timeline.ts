import { and, desc, eq, sql } from 'drizzle-orm';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { deleteBounded, type Db } from '../db/client';
import { clusterTimeline, type TimelineEntry } from './schema';
import type { TimelineKind } from './vocabulary';
import type { PreparedEvent } from '../inventory/prepare';

export type NewTimelineEntry = { kind: TimelineKind; message: string; details?: Record<string, unknown>; at?: Date };

export async function addTimeline(db: Db, clusterId: string, entries: NewTimelineEntry[], now: Date): Promise<void> {
  if (entries.length === 0) return;
  await db.insert(clusterTimeline).values(entries.map((e) => ({ clusterId, kind: e.kind, message: e.message, details: e.details ?? {}, at: e.at ?? now })));
}

/**
 * Records Warning events once each (by dedupe key). A repeat of a known event only updates its
 * count and last-seen time, and only when they changed, so an unchanged event list writes nothing.
 */
export async function upsertEventEntries(db: Db, clusterId: string, events: PreparedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insert(clusterTimeline)
    .values(events.map((e) => ({ clusterId, kind: 'event' as const, at: e.at, message: e.message, details: e.details, dedupeKey: e.dedupeKey })))
    .onConflictDoUpdate({
      target: [clusterTimeline.clusterId, clusterTimeline.dedupeKey],
      set: { message: sql`excluded.message`, details: sql`excluded.details` },
      setWhere: sql`${clusterTimeline.details} is distinct from excluded.details`,
    });
}

/** Where the next page starts: the last entry of the previous one. */
export type TimelineCursor = { at: Date; id: number };

/**
 * Newest first by (at, id), a total order: entries of the same instant (a heartbeat writes several at once)
 * come highest id first, and a page continues exactly after `before`.
 */
export async function listTimeline(db: Db, clusterId: string, opts: { limit: number; before?: TimelineCursor; kind?: TimelineKind }): Promise<TimelineEntry[]> {
  const conds = [eq(clusterTimeline.clusterId, clusterId)];
  if (opts.before) conds.push(sql`(${clusterTimeline.at}, ${clusterTimeline.id}) < (${opts.before.at.toISOString()}::timestamptz, ${opts.before.id})`);
  if (opts.kind) conds.push(eq(clusterTimeline.kind, opts.kind));
  return db
    .select()
    .from(clusterTimeline)
    .where(and(...conds))
    .orderBy(desc(clusterTimeline.at), desc(clusterTimeline.id))
    .limit(opts.limit);
}

/** The cursor of the page after `entries` (null when it was the last page), and back. */
export function timelineCursor(entries: readonly TimelineEntry[], limit: number): string | null {
  const last = entries[entries.length - 1];
  return entries.length === limit && last ? encodeCursor([last.at.toISOString(), last.id]) : null;
}

export function readTimelineCursor(cursor: string | undefined): TimelineCursor | undefined {
  if (!cursor) return undefined;
  const [at, id] = decodeCursor(cursor, ['time', 'int']);
  return { at, id };
}

/** Timeline entries older than `before`. */
export async function pruneTimeline(db: Db, before: Date): Promise<number> {
  return deleteBounded(db, 'cluster_timeline', sql`at < ${before.toISOString()}::timestamptz`);
}
