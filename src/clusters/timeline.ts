import { and, desc, eq, lt, sql } from 'drizzle-orm';
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

/** Newest first; `beforeId` is the last id of the previous page. */
export async function listTimeline(db: Db, clusterId: string, opts: { limit: number; beforeId?: number; kind?: TimelineKind }): Promise<TimelineEntry[]> {
  const conds = [eq(clusterTimeline.clusterId, clusterId)];
  if (opts.beforeId !== undefined) conds.push(lt(clusterTimeline.id, opts.beforeId));
  if (opts.kind) conds.push(eq(clusterTimeline.kind, opts.kind));
  return db.select().from(clusterTimeline).where(and(...conds)).orderBy(desc(clusterTimeline.id)).limit(opts.limit);
}

/** Timeline entries older than `before`. */
export async function pruneTimeline(db: Db, before: Date): Promise<number> {
  return deleteBounded(db, 'cluster_timeline', sql`at < ${before.toISOString()}::timestamptz`);
}
