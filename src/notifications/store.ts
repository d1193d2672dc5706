// Queries of the notifications domain: channels (scoped by org), and each channel's delivery log.
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { isUuid, type Db } from '../db/client';
import { notificationChannels, notificationMessages, type NotificationChannel, type NotificationMessage } from './schema';
import type { ChannelSettings, ChannelType, RoutingRule } from './vocabulary';
import { isLiveAlert } from './alert-groups';

/** Most channels one org may have: each costs a rule check per transition. */
export const MAX_CHANNELS_PER_ORG = 50;

export type NewChannel = {
  id: string;
  orgId: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  settings: ChannelSettings;
  secrets: Record<string, string>;
  rule: RoutingRule;
  createdBy: string | null;
};

export async function countChannels(db: Db, orgId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(notificationChannels).where(eq(notificationChannels.orgId, orgId));
  return Number(row?.n ?? 0);
}

export async function insertChannel(db: Db, channel: NewChannel, now: Date): Promise<NotificationChannel> {
  const [row] = await db
    .insert(notificationChannels)
    .values({ ...channel, createdAt: now, updatedAt: now })
    .returning();
  return row;
}

export type ChannelPatch = Partial<Pick<NotificationChannel, 'name' | 'enabled' | 'settings' | 'secrets' | 'rule'>>;

export async function updateChannel(db: Db, id: string, patch: ChannelPatch, now: Date): Promise<NotificationChannel | null> {
  const [row] = await db
    .update(notificationChannels)
    .set({ ...patch, updatedAt: now })
    .where(eq(notificationChannels.id, id))
    .returning();
  return row ?? null;
}

export async function deleteChannel(db: Db, id: string): Promise<void> {
  await db.delete(notificationChannels).where(eq(notificationChannels.id, id));
}

/** The channel if it belongs to one of `orgIds` (the caller's scope); null otherwise, as if it did not exist. */
export async function findChannel(db: Db, id: string, orgIds: readonly string[]): Promise<NotificationChannel | null> {
  if (orgIds.length === 0 || !isUuid(id)) return null;
  const [row] = await db
    .select()
    .from(notificationChannels)
    .where(and(eq(notificationChannels.id, id), inArray(notificationChannels.orgId, [...orgIds])));
  return row ?? null;
}

/** Channels of the given orgs, by org then name. Bounded: MAX_CHANNELS_PER_ORG per org. */
export async function listChannels(db: Db, orgIds: readonly string[]): Promise<NotificationChannel[]> {
  if (orgIds.length === 0) return [];
  return db
    .select()
    .from(notificationChannels)
    .where(inArray(notificationChannels.orgId, [...orgIds]))
    .orderBy(notificationChannels.orgId, notificationChannels.name)
    .limit(MAX_CHANNELS_PER_ORG * orgIds.length);
}

/** A channel's deliveries, newest first; `before` is the (created_at, id) of the previous page's last one. */
export async function listMessages(
  db: Db,
  channelId: string,
  opts: { limit: number; before?: { createdAt: Date; id: string } },
): Promise<NotificationMessage[]> {
  const conds = [eq(notificationMessages.channelId, channelId)];
  if (opts.before)
    conds.push(
      sql`(${notificationMessages.createdAt}, ${notificationMessages.id}) < (${opts.before.createdAt.toISOString()}::timestamptz, ${opts.before.id}::uuid)`,
    );
  return db
    .select()
    .from(notificationMessages)
    .where(and(...conds))
    .orderBy(desc(notificationMessages.createdAt), desc(notificationMessages.id))
    .limit(opts.limit);
}

/**
 * Deletes deliveries made before `before` that are finished (delivered or failed); returns how many went. The
 * trigger of a PagerDuty storm alert still live stays: its items say which incidents the alert waits for.
 */
export async function pruneMessages(db: Db, before: Date): Promise<number> {
  const gone = await db
    .delete(notificationMessages)
    .where(and(sql`${notificationMessages.status} <> 'pending'`, lt(notificationMessages.createdAt, before), sql`not ${isLiveAlert('notification_messages')}`))
    .returning({ id: notificationMessages.id });
  return gone.length;
}
