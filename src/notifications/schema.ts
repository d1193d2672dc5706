import { pgTable, uuid, text, timestamp, jsonb, boolean, integer, bigserial, bigint, index, uniqueIndex, check } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { orgs } from '../orgs/schema';
import { users } from '../accounts/schema';
import { incidents } from '../incidents/schema';
import type { ChannelSettings, ChannelType, DeliveryStatus, EventKind, RoutingRule } from './vocabulary';

/** Where an org's incidents (and its descendants') are announced. */
export const notificationChannels = pgTable(
  'notification_channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: text('type').$type<ChannelType>().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** The type's settings that are not secret (URL of a webhook, SMTP host and recipients...). */
    settings: jsonb('settings').$type<ChannelSettings>().notNull(),
    /** Secret name → sealed envelope (src/security/encryption.ts, context `notification-channel:<id>:<name>`). */
    secrets: jsonb('secrets').$type<Record<string, string>>().notNull().default({}),
    rule: jsonb('rule').$type<RoutingRule>().notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('notification_channels_org_idx').on(t.orgId),
    check('notification_channels_type_check', sql`${t.type} in ('webhook','slack','pagerduty','email')`),
  ],
);

/**
 * One message sent (or to be sent) to one channel: a delivery. Its id is the `X-Niro-Delivery` a receiver
 * drops replays by; retries resend the same items under the same id.
 */
export const notificationMessages = pgTable(
  'notification_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Order of making: a channel's deliveries go out one after the other in this order (a resolve never overtakes its trigger). */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => notificationChannels.id, { onDelete: 'cascade' }),
    /** The class of its items: opened (with reopened), acknowledged, resolved, repeat, or test. */
    kind: text('kind').$type<EventKind>().notNull(),
    status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** When a worker may (re)try it. While one sends, it is pushed past the send's timeout: a lease. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, precision: 3 }).notNull(),
    /** HTTP status of the last attempt (SMTP: the reply code); null when none came back. */
    lastCode: integer('last_code'),
    lastError: text('last_error'),
    items: integer('items').notNull().default(0),
    /**
     * PagerDuty only: the dedup_key of the storm alert this message is one event of (`niro-group-<id of its
     * trigger message>`): the trigger of a storm, then its one acknowledge and its one resolve. Null: one event
     * per item, keyed by the incident id.
     */
    alertKey: text('alert_key'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, precision: 3 }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    index('notification_messages_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('notification_messages_channel_idx').on(t.channelId, t.createdAt),
    index('notification_messages_channel_pending_idx').on(t.channelId, t.seq).where(sql`${t.status} = 'pending'`),
    // A storm alert is acknowledged once and resolved once, whichever replica routes it.
    uniqueIndex('notification_messages_alert_idx').on(t.alertKey, t.kind).where(sql`${t.alertKey} is not null`),
    // Housekeeping trims the log by age.
    index('notification_messages_created_idx').on(t.createdAt),
    check('notification_messages_status_check', sql`${t.status} in ('pending','delivered','failed')`),
  ],
);

/**
 * The outbox: what each channel owes. One row per (channel, key), so routing the same transition twice (two
 * replicas, a retried pass) owes it once. key: `t:<transition id>`, or `r:<incident id>:<n>` for the n-th
 * reminder of an unacknowledged incident.
 */
export const notificationOutbox = pgTable(
  'notification_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => notificationChannels.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    transitionId: bigint('transition_id', { mode: 'number' }),
    incidentId: uuid('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<EventKind>().notNull(),
    /** Severity of the incident when the transition happened. */
    severity: text('severity').notNull(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    /** Not before: an opened item waits the channel's group window for others to join its message. */
    dueAt: timestamp('due_at', { withTimezone: true, precision: 3 }).notNull(),
    /** The message it went out in; null while it waits. */
    messageId: uuid('message_id').references(() => notificationMessages.id, { onDelete: 'cascade' }),
  },
  (t) => [
    uniqueIndex('notification_outbox_key_idx').on(t.channelId, t.key),
    index('notification_outbox_waiting_idx').on(t.channelId, t.dueAt).where(sql`${t.messageId} is null`),
    index('notification_outbox_message_idx').on(t.messageId),
    // What an incident owes a channel: its storm alert's members and their held transitions (alert-groups.ts).
    index('notification_outbox_incident_idx').on(t.incidentId, t.channelId),
  ],
);

export type NotificationChannel = typeof notificationChannels.$inferSelect;
export type NotificationMessage = typeof notificationMessages.$inferSelect;
export type OutboxItem = typeof notificationOutbox.$inferSelect;
