// What each channel type is sent, as pure functions of a message (so the shapes are tested without I/O).
// Everything in an item that came from a cluster (titles, names) is untrusted text: Slack's mrkdwn is escaped.
import { KINDS, type IncidentKind } from '../incidents/vocabulary';
import type { EventKind } from './vocabulary';

export type MessageItem = {
  event: EventKind;
  incidentId: string;
  incidentKind: string;
  severity: string;
  title: string;
  subject: string;
  clusterId: string;
  clusterName: string;
  environment: string;
  /** When the transition happened (for a reminder: when the incident opened). */
  at: Date;
  /** The incident in Niro's UI. */
  url: string;
};

export type OutgoingMessage = {
  /** The delivery id (`X-Niro-Delivery`). */
  id: string;
  kind: EventKind;
  items: MessageItem[];
  /** Niro's base URL, for links. */
  publicUrl: string;
  sentAt: Date;
  /** PagerDuty: the dedup_key of the storm alert this message is one event of; absent, one event per item. */
  alertKey?: string | null;
};

/** A message names at most this many incidents one by one; the rest are counted. */
export const MAX_LISTED = 20;

const VERB: Record<EventKind, string> = {
  opened: 'opened',
  reopened: 'reopened',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
  repeat: 'still open, not acknowledged',
  test: 'test',
};

const worstOf = (items: MessageItem[]): string =>
  items.some((i) => i.severity === 'high') ? 'high' : items.some((i) => i.severity === 'medium') ? 'medium' : 'low';

/** One line of headline: "Incident opened: …" for one, "30 incidents opened on 2 clusters" for a storm. */
export function headline(m: OutgoingMessage): string {
  if (m.kind === 'test') return 'Niro test notification: this channel works';
  if (m.items.length === 1) {
    const i = m.items[0];
    return `[${i.severity}] Incident ${VERB[i.event]}: ${i.title}`;
  }
  const clusters = new Set(m.items.map((i) => i.clusterId)).size;
  return `[${worstOf(m.items)}] ${m.items.length} incidents ${VERB[m.kind]} on ${clusters} cluster${clusters === 1 ? '' : 's'}`;
}

function itemLine(i: MessageItem): string {
  return `${i.severity.toUpperCase()} ${i.clusterName} (${i.environment}): ${i.title}${i.event !== 'opened' && i.event !== 'repeat' ? ` — ${i.event}` : ''}`;
}

/** The generic webhook's JSON body (documented in the README). */
export function webhookBody(m: OutgoingMessage): Record<string, unknown> {
  return {
    version: 1,
    deliveryId: m.id,
    kind: m.kind,
    summary: headline(m),
    sentAt: m.sentAt.toISOString(),
    count: m.items.length,
    incidents: m.items.map((i) => ({
      id: i.incidentId,
      event: i.event,
      kind: i.incidentKind,
      severity: i.severity,
      title: i.title,
      subject: i.subject,
      cluster: { id: i.clusterId, name: i.clusterName, environment: i.environment },
      at: i.at.toISOString(),
      url: i.url,
    })),
  };
}

/** Slack's mrkdwn reserves &, < and >: untrusted text could otherwise write links or mentions. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack incoming-webhook body: `text` (the notification's fallback) and Block Kit `blocks`. */
export function slackBody(m: OutgoingMessage): { text: string; blocks: Record<string, unknown>[] } {
  const listed = m.items.slice(0, MAX_LISTED);
  const lines = listed.map((i) => `• <${i.url}|${slackEscape(itemLine(i))}>`);
  if (m.items.length > listed.length) lines.push(`…and ${m.items.length - listed.length} more`);
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: headline(m).slice(0, 150) } }];
  if (lines.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 3000) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${m.publicUrl}/incidents|Open Niro>` }] });
  return { text: slackEscape(headline(m)), blocks };
}

const PD_SEVERITY: Record<string, string> = { high: 'critical', medium: 'error', low: 'warning' };
const PD_ACTION: Partial<Record<EventKind, 'trigger' | 'acknowledge' | 'resolve'>> = {
  opened: 'trigger',
  reopened: 'trigger',
  acknowledged: 'acknowledge',
  resolved: 'resolve',
};

/** "edge-1" or "3 clusters (edge-1, edge-2, edge-3)"; names bounded. */
function clustersPhrase(items: MessageItem[]): string {
  const names = [...new Set(items.map((i) => i.clusterName))];
  if (names.length === 1) return `cluster ${names[0]}`;
  const shown = names.slice(0, 5).join(', ');
  return `${names.length} clusters (${shown}${names.length > 5 ? ', …' : ''})`;
}

/** "28 crash-looping, 2 OOM-killed": counts by kind, most first. */
function kindsPhrase(items: MessageItem[]): string {
  const counts = new Map<string, number>();
  for (const i of items) {
    const label = KINDS[i.incidentKind as IncidentKind]?.label ?? i.incidentKind;
    const word = /^[A-Z][a-z]/.test(label) ? label[0].toLowerCase() + label.slice(1) : label;
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

/**
 * A storm alert's one event: the trigger summarises its incidents (count, clusters, kinds; the first
 * MAX_LISTED listed in custom_details), the acknowledge and resolve carry only the alert's dedup_key.
 */
function stormAlertEvent(m: OutgoingMessage, routingKey: string, dedupKey: string): Record<string, unknown>[] {
  const action = PD_ACTION[m.kind];
  if (!action) return [];
  if (action !== 'trigger') return [{ routing_key: routingKey, event_action: action, dedup_key: dedupKey }];
  const clusters = new Set(m.items.map((i) => i.clusterId));
  const url = clusters.size === 1 ? m.items[0].url : `${m.publicUrl}/incidents`;
  const listed = m.items.slice(0, MAX_LISTED);
  return [
    {
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: dedupKey,
      payload: {
        summary: `${m.items.length} incidents on ${clustersPhrase(m.items)}: ${kindsPhrase(m.items)}`.slice(0, 1024),
        source: clusters.size === 1 ? m.items[0].clusterName : 'niro',
        severity: PD_SEVERITY[worstOf(m.items)] ?? 'error',
        timestamp: (m.items[0]?.at ?? m.sentAt).toISOString(),
        group: new Set(m.items.map((i) => i.environment)).size === 1 ? m.items[0].environment : undefined,
        class: 'incident_storm',
        custom_details: {
          count: m.items.length,
          clusters: [...new Set(m.items.map((i) => i.clusterName))].slice(0, MAX_LISTED),
          incidents: listed.map((i) => ({
            id: i.incidentId,
            kind: i.incidentKind,
            severity: i.severity,
            cluster: i.clusterName,
            environment: i.environment,
            subject: i.subject,
            title: i.title.slice(0, 200),
          })),
          more: m.items.length - listed.length,
        },
      },
      client: 'Niro',
      client_url: url,
      links: [{ href: url, text: 'Incidents in Niro' }],
    },
  ];
}

/**
 * PagerDuty Events API v2 events, one per incident: the incident id is the `dedup_key`, so PagerDuty's alert
 * follows ours (trigger, acknowledge, resolve); a storm alert's message is one event under the alert's key.
 * Reminders send nothing (PagerDuty escalates on its own).
 */
export function pagerDutyEvents(m: OutgoingMessage, routingKey: string): Record<string, unknown>[] {
  if (m.alertKey && m.kind !== 'test') return stormAlertEvent(m, routingKey, m.alertKey);
  if (m.kind === 'test') {
    const dedupKey = `niro-test-${m.id}`;
    return [
      {
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: dedupKey,
        payload: { summary: headline(m), source: 'niro', severity: 'info' },
      },
      { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey },
    ];
  }
  const events: Record<string, unknown>[] = [];
  for (const i of m.items) {
    const action = PD_ACTION[i.event];
    if (!action) continue;
    const event: Record<string, unknown> = { routing_key: routingKey, event_action: action, dedup_key: i.incidentId };
    if (action === 'trigger') {
      event.payload = {
        summary: `${i.clusterName}: ${i.title}`.slice(0, 1024),
        source: i.clusterName,
        severity: PD_SEVERITY[i.severity] ?? 'error',
        timestamp: i.at.toISOString(),
        component: i.subject || undefined,
        group: i.environment,
        class: i.incidentKind,
        custom_details: { cluster: i.clusterName, environment: i.environment, kind: i.incidentKind, subject: i.subject, niroSeverity: i.severity },
      };
      event.client = 'Niro';
      event.client_url = i.url;
      event.links = [{ href: i.url, text: 'Incident in Niro' }];
    }
    events.push(event);
  }
  return events;
}

/** The e-mail's subject and plain-text body. */
export function emailContent(m: OutgoingMessage): { subject: string; text: string } {
  const listed = m.items.slice(0, MAX_LISTED);
  const lines = listed.map((i) => `- ${itemLine(i)}\n  ${i.url}`);
  if (m.items.length > listed.length) lines.push(`...and ${m.items.length - listed.length} more`);
  const text = [headline(m), '', ...lines, '', `All incidents: ${m.publicUrl}/incidents`, `Delivery ${m.id}`].join('\n');
  // A header may not carry line breaks: a title from a cluster could otherwise add headers.
  return { subject: `[Niro] ${headline(m)}`.replace(/[\r\n]+/g, ' ').slice(0, 200), text };
}
