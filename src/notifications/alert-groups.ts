// PagerDuty storm alerts. A storm (more than one incident in one PagerDuty channel's group window) is ONE
// PagerDuty alert: its trigger message carries `alert_key` = `niro-group-<message id>` and its items are the
// alert's members. While the alert is live (not resolved), every later transition of a member on that channel
// (acknowledged, resolved, reopened) is held here instead of going out per incident; the alert is acknowledged
// once and resolved once, each a message of its own keyed by (alert_key, kind), so two routers make it once.
//
// Acknowledge rule: the FIRST member an operator acknowledges acknowledges the alert. A PagerDuty acknowledge
// means "a responder owns this page, stop escalating"; one outage is one page, and whoever took any incident
// of the storm has taken the outage. Waiting for all 30 would escalate to the next responder an outage already
// being worked: the second page the issue forbids. The members still unacknowledged stay visible in Niro.
// Resolve rule: only when EVERY member is resolved (its incident resolved and its last transition on this
// channel a due resolve), so PagerDuty never closes an outage that is still partly on.
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';

/** The dedup_key of the storm alert whose trigger is message `id`. */
export const alertKeyFor = (id: string): string => `niro-group-${id}`;

/**
 * Trigger messages `g` of storm alerts still live: not resolved yet and, on a channel that does not announce
 * resolves (so no resolve will ever come), some member still unresolved: a member reopening after the whole
 * storm cleared is a new page there, not one absorbed by an alert nobody will close.
 */
const liveAlert = (g: string): string =>
  `${g}.alert_key is not null and ${g}.kind = 'opened'
   and not exists (select 1 from notification_messages r where r.alert_key = ${g}.alert_key and r.kind = 'resolved')
   and (exists (select 1 from notification_channels c where c.id = ${g}.channel_id and (c.rule->>'onResolve')::boolean)
        or exists (select 1 from notification_outbox mo join incidents mi on mi.id = mo.incident_id
                   where mo.message_id = ${g}.id and mi.state <> 'resolved'))`;

/** Trigger messages of live storm alerts, for `where` clauses over notification_messages (housekeeping keeps them). */
export function isLiveAlert(table: string): SQL {
  return sql.raw(`(${liveAlert(table)})`);
}

/**
 * The outbox row `o` belongs to a member of a live storm alert on its channel: it is held for that alert, not
 * sent on its own (the router's grouping leaves it out).
 */
export function heldForAlert(o: string): SQL {
  return sql.raw(`exists (select 1 from notification_outbox m join notification_messages g on g.id = m.message_id
    where m.incident_id = ${o}.incident_id and m.channel_id = ${o}.channel_id and ${liveAlert('g')})`);
}

type LiveAlert = { id: string; channel_id: string; alert_key: string; ack_due: boolean; all_resolved: boolean };

/** Makes an alert event message (once per alert and kind); null when it exists already. */
async function makeAlertMessage(db: Db, a: LiveAlert, kind: 'acknowledged' | 'resolved', nowIso: string): Promise<string | null> {
  const [m] = await queryRows<{ id: string }>(
    db,
    sql`insert into notification_messages (channel_id, kind, status, next_attempt_at, created_at, alert_key)
        values (${a.channel_id}::uuid, ${kind}, 'pending', ${nowIso}::timestamptz, ${nowIso}::timestamptz, ${a.alert_key})
        on conflict (alert_key, kind) where alert_key is not null do nothing returning id`,
  );
  return m?.id ?? null;
}

async function existingAlertMessage(db: Db, a: LiveAlert, kind: 'acknowledged'): Promise<string | null> {
  const [m] = await queryRows<{ id: string }>(db, sql`select id from notification_messages where alert_key = ${a.alert_key} and kind = ${kind}`);
  return m?.id ?? null;
}

/** Puts the alert's held items (only acknowledgements, or all) into message `messageId`; counts them. */
async function attachHeld(db: Db, a: LiveAlert, messageId: string, onlyAcks: boolean): Promise<void> {
  await db.execute(
    sql`with items as (
          select h.id from notification_outbox h
          where h.channel_id = ${a.channel_id}::uuid and h.message_id is null
            and h.incident_id in (select incident_id from notification_outbox where message_id = ${a.id}::uuid)
            and (${!onlyAcks} or h.kind = 'acknowledged')
          for update skip locked),
        taken as (update notification_outbox o set message_id = ${messageId}::uuid from items where o.id = items.id returning o.id)
        update notification_messages set items = items + (select count(*) from taken) where id = ${messageId}::uuid`,
  );
}

/**
 * Acknowledges and resolves the live storm alerts whose members' held transitions say so (the rules above).
 * Runs after the router grouped what fell due, so a trigger made in the same pass is already live. Returns
 * the messages made.
 */
export async function advanceStormAlerts(db: Db, now: Date): Promise<number> {
  const nowIso = now.toISOString();
  const alerts = await queryRows<LiveAlert>(
    db,
    sql`select g.id, g.channel_id, g.alert_key,
          exists (select 1 from notification_outbox h join notification_outbox m on m.incident_id = h.incident_id and m.message_id = g.id
                  where h.channel_id = g.channel_id and h.message_id is null and h.kind = 'acknowledged'
                    and h.due_at <= ${nowIso}::timestamptz) as ack_due,
          -- A member is done when its incident is resolved and its last transition here is a resolve whose window
          -- passed (a resolve the router never owed, as one of a silenced incident, leaves its last item sent).
          (select bool_and(i.state = 'resolved' and coalesce(l.message_id is not null or (l.kind = 'resolved' and l.due_at <= ${nowIso}::timestamptz), false))
           from (select distinct incident_id from notification_outbox where message_id = g.id) mem
           join incidents i on i.id = mem.incident_id
           left join lateral (select x.kind, x.due_at, x.message_id from notification_outbox x where x.channel_id = g.channel_id and x.incident_id = mem.incident_id
                              order by x.at desc, x.id desc limit 1) l on true) as all_resolved
        from notification_messages g
        where ${isLiveAlert('g')}
        order by g.seq`,
  );
  let made = 0;
  for (const a of alerts) {
    if (a.ack_due) {
      // Acknowledgements after the first join the alert's acknowledge (already sent or on its way): nothing new.
      const fresh = await makeAlertMessage(db, a, 'acknowledged', nowIso);
      const id = fresh ?? (await existingAlertMessage(db, a, 'acknowledged'));
      if (fresh) made++;
      if (id) await attachHeld(db, a, id, true);
    }
    if (a.all_resolved) {
      const id = await makeAlertMessage(db, a, 'resolved', nowIso);
      if (id) {
        await attachHeld(db, a, id, false);
        made++;
      }
    }
  }
  return made;
}
