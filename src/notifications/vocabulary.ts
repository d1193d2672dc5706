// The words a notification channel and its deliveries are described with. Pure (no db, no config): the
// store, the API and the views share them.
import type { Severity } from '../incidents/vocabulary';

export const CHANNEL_TYPES = ['webhook', 'slack', 'pagerduty', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const CHANNEL_TYPE_LABEL: Record<ChannelType, string> = {
  webhook: 'Webhook',
  slack: 'Slack',
  pagerduty: 'PagerDuty',
  email: 'E-mail',
};

/**
 * What one outbox item announces: a transition, or a reminder that an incident is still open and nobody
 * acknowledged it (`repeat`). Items of one class and channel that fall due together go out as one message.
 */
export const EVENT_KINDS = ['opened', 'reopened', 'acknowledged', 'resolved', 'repeat', 'test'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * pending: waiting for its first send or a retry; delivered: the receiver answered 2xx (SMTP: accepted);
 * failed: retried for a day, or refused for good (a 4xx other than 408/429), then given up.
 */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** How an SMTP connection is secured: TLS from the first byte (465), STARTTLS required (587), or none (local relays). */
export const SMTP_TLS_MODES = ['tls', 'starttls', 'none'] as const;
export type SmtpTlsMode = (typeof SMTP_TLS_MODES)[number];

export const DEFAULT_PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';

/** Seconds an opened incident waits for others to join its message (Alertmanager's group_wait). */
export const DEFAULT_GROUP_WAIT_SECONDS = 30;
export const MAX_GROUP_WAIT_SECONDS = 600;
/** Re-notify bound: at most once a week, at least every 5 minutes; 0 = never. */
export const MAX_REPEAT_MINUTES = 7 * 24 * 60;
export const MIN_REPEAT_MINUTES = 5;

/** Which transitions a channel announces, and for which incidents. Empty lists match everything. */
export type RoutingRule = {
  minSeverity: Severity;
  environments: string[];
  kinds: string[];
  clusterIds: string[];
  onOpen: boolean;
  onAcknowledge: boolean;
  onResolve: boolean;
  /** Re-notify an open, unacknowledged, unsilenced incident every this many minutes; 0 = never. */
  repeatMinutes: number;
  groupWaitSeconds: number;
};

export const DEFAULT_RULE: RoutingRule = {
  minSeverity: 'low',
  environments: [],
  kinds: [],
  clusterIds: [],
  onOpen: true,
  onAcknowledge: false,
  onResolve: true,
  repeatMinutes: 0,
  groupWaitSeconds: DEFAULT_GROUP_WAIT_SECONDS,
};

/** The settings of each channel type that are not secret (shown and returned as they are). */
export type WebhookSettings = { url: string };
export type SlackSettings = Record<string, never>;
export type PagerDutySettings = { url: string };
export type EmailSettings = { host: string; port: number; tls: SmtpTlsMode; user: string | null; from: string; to: string[] };
export type ChannelSettings = WebhookSettings | SlackSettings | PagerDutySettings | EmailSettings;

/** The secrets of each type, by name: sealed at rest, shown masked, never returned. */
export const SECRET_NAMES: Record<ChannelType, readonly string[]> = {
  webhook: ['secret'],
  slack: ['url'],
  pagerduty: ['routingKey'],
  email: ['password'],
};

export const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3 };
