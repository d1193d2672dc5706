// The router: turns incident transitions into what each channel owes (the outbox), reminders of incidents
// nobody acknowledged, and groups what fell due into messages. It runs on one replica at a time (an advisory
// lock, see jobs.ts); even so every write is idempotent: an outbox row is unique per (channel, key), so a
// transition routed twice is owed once.
import { sql } from 'drizzle-orm';
import { pgArrayLiteral, queryRows, type Db } from '../db/client';
import type { Severity, TransitionKind } from '../incidents/vocabulary';
import { SEVERITY_RANK, type EventKind, type RoutingRule } from './vocabulary';
import type { NotificationChannel } from './schema';
import { advanceStormAlerts, alertKeyFor, heldForAlert } from './alert-groups';

/** Transitions routed per pass; a backlog drains over the next passes, oldest first. */
const ROUTE_BATCH = 500;
const CLASS_ORDER: EventKind[] = ['opened', 'repeat', 'acknowledged', 'resolved'];
/** Incidents one message names at most; more open meanwhile go into the next message. */
const MAX_ITEMS_PER_MESSAGE = 1000;

type TransitionRow = { id: string; incident_id: string; org_id: string; cluster_id: string; kind: TransitionKind; severity: Severity; at: Date };
type IncidentFacts = { id: string; kind: string; environment: string; silenced_until: Date | null };

/** What a rule needs to know of an incident. */
export type RuleSubject = { event: EventKind; severity: Severity; environment: string; incidentKind: string; clusterId: string };

/** Whether the channel's rule announces this event of this incident. */
export function ruleMatches(rule: RoutingRule, s: RuleSubject): boolean {
  const wanted =
    s.event === 'opened' || s.event === 'reopened' || s.event === 'repeat'
      ? rule.onOpen
      : s.event === 'acknowledged'
        ? rule.onAcknowledge
        : s.event === 'resolved'
          ? rule.onResolve
          : true;
  if (!wanted) return false;
  if (SEVERITY_RANK[s.severity] < SEVERITY_RANK[rule.minSeverity]) return false;
  if (rule.environments.length && !rule.environments.includes(s.environment)) return false;
  if (rule.kinds.length && !rule.kinds.includes(s.incidentKind)) return false;
  if (rule.clusterIds.length && !rule.clusterIds.includes(s.clusterId)) return false;
  return true;
}

const toDate = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));

/** Each org with itself and its ancestors: a channel applies to its org's whole subtree. */
async function ancestorsOf(db: Db, orgIds: string[]): Promise<Map<string, Set<string>>> {
  const rows = await queryRows<{ org_id: string; ancestor: string }>(
    db,
    sql`with recursive up(org_id, ancestor) as (
          select id, id from orgs where id = any(${pgArrayLiteral(orgIds)}::text::uuid[])
          union all
          select up.org_id, o.parent_id from up join orgs o on o.id = up.ancestor where o.parent_id is not null)
        select org_id, ancestor from up`,
  );
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!out.has(r.org_id)) out.set(r.org_id, new Set());
    out.get(r.org_id)!.add(r.ancestor);
  }
  return out;
}

async function enabledChannels(db: Db, orgIds: string[]): Promise<NotificationChannel[]> {
  const rows = await queryRows<{ id: string; org_id: string; type: NotificationChannel['type']; rule: RoutingRule }>(
    db,
    sql`select id, org_id, type, rule from notification_channels where enabled and org_id = any(${pgArrayLiteral(orgIds)}::text::uuid[])`,
  );
  return rows.map((r) => ({ id: r.id, orgId: r.org_id, type: r.type, rule: r.rule }) as NotificationChannel);
}

type OutboxRow = { channelId: string; key: string; transitionId: string | null; incidentId: string; kind: EventKind; severity: string; at: Date; dueAt: Date };

async function insertOutbox(db: Db, rows: OutboxRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await queryRows<{ id: string }>(
    db,
    sql`insert into notification_outbox (channel_id, key, transition_id, incident_id, kind, severity, at, due_at)
        select * from unnest(${pgArrayLiteral(rows.map((r) => r.channelId))}::text::uuid[], ${pgArrayLiteral(rows.map((r) => r.key))}::text::text[],
          ${pgArrayLiteral(rows.map((r) => r.transitionId))}::text::bigint[], ${pgArrayLiteral(rows.map((r) => r.incidentId))}::text::uuid[],
          ${pgArrayLiteral(rows.map((r) => r.kind))}::text::text[], ${pgArrayLiteral(rows.map((r) => r.severity))}::text::text[],
          ${pgArrayLiteral(rows.map((r) => r.at.toISOString()))}::text::timestamptz[], ${pgArrayLiteral(rows.map((r) => r.dueAt.toISOString()))}::text::timestamptz[])
        on conflict (channel_id, key) do nothing
        returning id`,
  );
  return inserted.length;
}

/**
 * Routes up to ROUTE_BATCH unrouted transitions: an outbox row for every enabled channel of the incident's org
 * or an ancestor whose rule matches, unless the incident was silenced at that moment; then marks them routed.
 * Rows another transaction holds are skipped (`skip locked`) and routed by a later pass. Returns rows owed.
 */
export async function routeTransitions(db: Db, now: Date): Promise<{ transitions: number; owed: number }> {
  const transitions = await queryRows<TransitionRow>(
    db,
    sql`select id, incident_id, org_id, cluster_id, kind, severity, at from incident_transitions
        where routed_at is null order by at, id limit ${ROUTE_BATCH} for update skip locked`,
  );
  if (transitions.length === 0) return { transitions: 0, owed: 0 };
  const incidentIds = [...new Set(transitions.map((t) => t.incident_id))];
  const facts = await queryRows<IncidentFacts>(
    db,
    sql`select i.id, i.kind, c.environment, i.silenced_until from incidents i join clusters c on c.id = i.cluster_id
        where i.id = any(${pgArrayLiteral(incidentIds)}::text::uuid[])`,
  );
  const factOf = new Map(facts.map((f) => [f.id, f]));
  const ancestors = await ancestorsOf(db, [...new Set(transitions.map((t) => t.org_id))]);
  const channels = await enabledChannels(db, [...new Set([...ancestors.values()].flatMap((s) => [...s]))]);
  const rows: OutboxRow[] = [];
  for (const t of transitions) {
    const f = factOf.get(t.incident_id);
    if (!f) continue;
    const at = toDate(t.at)!;
    const silencedUntil = toDate(f.silenced_until);
    if (silencedUntil && silencedUntil > at) continue;
    const orgs = ancestors.get(t.org_id) ?? new Set([t.org_id]);
    for (const c of channels) {
      if (!orgs.has(c.orgId)) continue;
      if (!ruleMatches(c.rule, { event: t.kind, severity: t.severity, environment: f.environment, incidentKind: f.kind, clusterId: t.cluster_id })) continue;
      // Every announcement waits the group window, so a storm that follows goes out with it as one message.
      rows.push({
        channelId: c.id,
        key: `t:${t.id}`,
        transitionId: String(t.id),
        incidentId: t.incident_id,
        kind: t.kind,
        severity: t.severity,
        at,
        dueAt: new Date(at.getTime() + c.rule.groupWaitSeconds * 1000),
      });
    }
  }
  const owed = await insertOutbox(db, rows);
  await db.execute(
    sql`update incident_transitions set routed_at = ${now.toISOString()}::timestamptz where id = any(${pgArrayLiteral(transitions.map((t) => String(t.id)))}::text::bigint[])`,
  );
  return { transitions: transitions.length, owed };
}

/**
 * Reminders: for each channel with a repeat interval, every open incident of its subtree that nobody
 * acknowledged and no silence covers is owed its n-th reminder once n intervals have passed since it opened
 * (key `r:<incident>:<n>`, so each reminder is owed once). PagerDuty escalates by itself: none there.
 */
export async function owedReminders(db: Db, now: Date): Promise<number> {
  const channels = await queryRows<{ id: string; org_id: string; rule: RoutingRule }>(
    db,
    sql`select id, org_id, rule from notification_channels
        where enabled and type <> 'pagerduty' and (rule->>'repeatMinutes')::int > 0 and (rule->>'onOpen')::boolean`,
  );
  let owed = 0;
  for (const c of channels) {
    const everyMs = c.rule.repeatMinutes * 60_000;
    const open = await queryRows<{ id: string; kind: string; severity: Severity; cluster_id: string; environment: string; opened_at: Date }>(
      db,
      sql`with recursive sub(id) as (select ${c.org_id}::uuid union all select o.id from orgs o join sub on o.parent_id = sub.id)
          select i.id, i.kind, i.severity, i.cluster_id, c.environment, i.opened_at from incidents i join clusters c on c.id = i.cluster_id
          where i.org_id in (select id from sub) and i.state = 'open' and i.resolved_at is null and i.acknowledged_at is null
            and (i.silenced_until is null or i.silenced_until <= ${now.toISOString()}::timestamptz)
            and i.opened_at <= ${new Date(now.getTime() - everyMs).toISOString()}::timestamptz
          order by i.opened_at limit ${MAX_ITEMS_PER_MESSAGE}`,
    );
    const rows: OutboxRow[] = [];
    for (const i of open) {
      if (!ruleMatches(c.rule, { event: 'repeat', severity: i.severity, environment: i.environment, incidentKind: i.kind, clusterId: i.cluster_id })) continue;
      const openedAt = toDate(i.opened_at)!;
      const n = Math.floor((now.getTime() - openedAt.getTime()) / everyMs);
      rows.push({
        channelId: c.id,
        key: `r:${i.id}:${n}`,
        transitionId: null,
        incidentId: i.id,
        kind: 'repeat',
        severity: i.severity,
        at: openedAt,
        dueAt: now,
      });
    }
    owed += await insertOutbox(db, rows);
  }
  return owed;
}

/**
 * Groups what fell due into messages: per channel and class (opened with reopened; acknowledged; resolved;
 * repeat), one message takes every waiting item of that class, the ones still inside their own group window
 * too (Alertmanager's group_wait: the first item's window decides). On PagerDuty, opened items of more than
 * one incident become one storm alert, whose members' later transitions are held for it (alert-groups.ts).
 * Returns the messages made.
 */
export async function groupDueItems(db: Db, now: Date): Promise<number> {
  const nowIso = now.toISOString();
  // Silenced while it waited in its group window (an operator silencing what just opened): dropped, not sent.
  await db.execute(
    sql`delete from notification_outbox o using incidents i
        where o.incident_id = i.id and o.message_id is null and o.kind in ('opened', 'reopened', 'repeat')
          and i.silenced_until > ${nowIso}::timestamptz`,
  );
  const held = heldForAlert('o');
  const groups = await queryRows<{ channel_id: string; class: EventKind; pagerduty: boolean }>(
    db,
    sql`select distinct o.channel_id, case when o.kind = 'reopened' then 'opened' else o.kind end as class, c.type = 'pagerduty' as pagerduty
        from notification_outbox o join notification_channels c on c.id = o.channel_id
        where o.message_id is null and o.due_at <= ${nowIso}::timestamptz and not ${held}`,
  );
  // Made (and so sent) in the order things happen to an incident: opened before acknowledged before resolved.
  groups.sort((a, b) => CLASS_ORDER.indexOf(a.class) - CLASS_ORDER.indexOf(b.class));
  for (const g of groups) {
    const [message] = await queryRows<{ id: string }>(
      db,
      sql`insert into notification_messages (channel_id, kind, status, next_attempt_at, created_at)
          values (${g.channel_id}::uuid, ${g.class}, 'pending', ${nowIso}::timestamptz, ${nowIso}::timestamptz) returning id`,
    );
    const [taken] = await queryRows<{ n: number }>(
      db,
      sql`with items as (
            select id from notification_outbox o
            where o.channel_id = ${g.channel_id}::uuid and o.message_id is null and not ${held}
              and case when o.kind = 'reopened' then 'opened' else o.kind end = ${g.class}
            order by o.at, o.id limit ${MAX_ITEMS_PER_MESSAGE} for update skip locked),
          taken as (update notification_outbox o set message_id = ${message.id}::uuid from items where o.id = items.id returning o.id)
          update notification_messages set items = (select count(*) from taken) where id = ${message.id}::uuid returning items as n`,
    );
    const n = Number(taken?.n ?? 0);
    // A storm on PagerDuty: one alert for all of it, keyed by this message (a lone incident keeps its own key).
    if (g.pagerduty && g.class === 'opened' && n > 1)
      await db.execute(sql`update notification_messages set alert_key = ${alertKeyFor(message.id)} where id = ${message.id}::uuid`);
    // Every item was held by another transaction: nothing to send (they go in a later message).
    if (n === 0) await db.execute(sql`delete from notification_messages where id = ${message.id}::uuid`);
  }
  return groups.length + (await advanceStormAlerts(db, now));
}
