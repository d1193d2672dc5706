// What the notifications API answers: channels (secrets masked, never returned), deliveries, test outcomes.
import { t } from 'elysia';
import { Count, Exact, Integer, Nullable, OneOf, Page, Timestamp } from '../http/responses';
import { SEVERITIES } from '../incidents/vocabulary';
import { CHANNEL_TYPES, DELIVERY_STATUSES, EVENT_KINDS, SMTP_TLS_MODES } from './vocabulary';

export const ChannelSettingsJson = Exact(
  {
    url: t.Optional(t.String({ description: 'webhook: where it POSTs; pagerduty: the Events API v2 endpoint' })),
    host: t.Optional(t.String({ description: 'email: SMTP host' })),
    port: t.Optional(Integer({ description: 'email: SMTP port' })),
    tls: t.Optional(OneOf(SMTP_TLS_MODES, { description: 'email: tls (from the first byte), starttls (required), none' })),
    user: t.Optional(Nullable(t.String({ description: 'email: SMTP user; null without authentication' }))),
    from: t.Optional(t.String()),
    to: t.Optional(t.Array(t.String())),
  },
  { description: 'The settings of the channel’s type that are not secret' },
);

export const RoutingRuleJson = Exact({
  minSeverity: OneOf(SEVERITIES),
  environments: t.Array(t.String(), { description: 'Only incidents of clusters in these environments; empty = all' }),
  kinds: t.Array(t.String(), { description: 'Only these incident kinds; empty = all' }),
  clusterIds: t.Array(t.String(), { description: 'Only these clusters; empty = all' }),
  onOpen: t.Boolean({ description: 'Announce opened and reopened incidents' }),
  onAcknowledge: t.Boolean(),
  onResolve: t.Boolean(),
  repeatMinutes: Count({ description: 'Re-notify an open, unacknowledged, unsilenced incident this often; 0 = never' }),
  groupWaitSeconds: Count({ description: 'How long the first announcement waits for others to join its message' }),
});

export const ChannelJson = Exact({
  id: t.String(),
  orgId: t.String({ description: 'The channel applies to incidents of this org and all its descendants' }),
  name: t.String(),
  type: OneOf(CHANNEL_TYPES),
  enabled: t.Boolean(),
  settings: ChannelSettingsJson,
  secrets: t.Record(t.String(), Nullable(t.String()), {
    description: 'Each secret of the type, masked ("••••" and at most its last 4 characters), or null when unset; the value is never returned',
  }),
  rule: RoutingRuleJson,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ChannelJson = typeof ChannelJson.static;

export const ChannelList = Exact({ channels: t.Array(ChannelJson) });
export type ChannelList = typeof ChannelList.static;

export const DeliveryJson = Exact({
  id: t.String({ description: 'The delivery id a webhook receiver sees in X-Niro-Delivery (the same on every retry)' }),
  kind: OneOf(EVENT_KINDS, { description: 'What it announces: opened (with reopened), acknowledged, resolved, repeat (a reminder) or test' }),
  status: OneOf(DELIVERY_STATUSES, { description: 'pending (waiting for a first send or a retry), delivered, failed (given up)' }),
  incidents: Count({ description: 'Incidents it names' }),
  attempts: Count(),
  lastCode: Nullable(Integer({ description: 'HTTP status (SMTP reply code) of the last attempt' })),
  lastError: Nullable(t.String()),
  createdAt: Timestamp,
  lastAttemptAt: Nullable(Timestamp),
  nextAttemptAt: Nullable(Timestamp, { description: 'When it is (re)tried; null once delivered or failed' }),
  deliveredAt: Nullable(Timestamp),
  pagerDutyAlert: Nullable(
    t.String({
      description:
        'PagerDuty: the dedup_key of the storm alert this delivery triggers, acknowledges or resolves; null: one event per incident, keyed by its id',
    }),
  ),
});
export type DeliveryJson = typeof DeliveryJson.static;

export const DeliveryPage = Page('deliveries', DeliveryJson);
export type DeliveryPage = typeof DeliveryPage.static;

export const TestResultJson = Exact({
  deliveryId: t.String(),
  ok: t.Boolean(),
  code: Nullable(Integer()),
  error: Nullable(t.String({ description: 'Why it failed, as the delivery log shows it' })),
});
export type TestResultJson = typeof TestResultJson.static;
