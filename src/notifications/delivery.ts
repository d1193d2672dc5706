// The delivery worker: every replica claims due messages (`for update skip locked`, so each goes to one of
// them), sends them with a bounded time, and records the outcome. A claim is a lease: the message's next
// attempt moves past the send's longest possible duration, so a replica that dies mid-send leaves it to be
// retried, never lost. Retries back off exponentially (with jitter, so a recovering endpoint is not hit by
// every message at once) for up to a day, then the message is given up as failed.
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import type { SecretBox } from '../security/encryption';
import { openSecrets } from './channels';
import { sendMessage, type SendResult } from './send';
import type { MessageItem, OutgoingMessage } from './payloads';
import type { EventKind } from './vocabulary';
import type { NotificationChannel } from './schema';

/** Messages one replica claims per pass, and sends at once. */
const CLAIM_BATCH = 8;
export const FIRST_RETRY_MS = 10_000;
export const MAX_RETRY_MS = 3600_000;
/** A message still undelivered this long after it was made is given up. */
export const GIVE_UP_MS = 24 * 3600_000;

export type DeliveryDeps = { db: Db; box: SecretBox; publicUrl: string; timeoutMs: number };

/** The wait before retry number `attempt` (1 = the first retry): doubling from 10 s to an hour, ±20 %. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1), MAX_RETRY_MS);
  return Math.round(base * (0.8 + 0.4 * random()));
}

type ClaimedMessage = { id: string; channel_id: string; kind: EventKind; attempts: number; items: number; created_at: Date; alert_key: string | null };

async function claimDue(db: Db, now: Date, timeoutMs: number): Promise<ClaimedMessage[]> {
  const nowIso = now.toISOString();
  // A channel's deliveries go out in order, one at a time (an earlier one still pending, even leased to another
  // replica, holds the later ones back), so PagerDuty never sees a resolve before its trigger. PagerDuty sends
  // one event per incident (a storm alert's message: one event): the lease covers a whole message of them timing out in turn.
  return queryRows<ClaimedMessage>(
    db,
    sql`with due as (
          select m.id from notification_messages m
          where m.status = 'pending' and m.next_attempt_at <= ${nowIso}::timestamptz
            and not exists (select 1 from notification_messages p
                            where p.channel_id = m.channel_id and p.status = 'pending' and p.kind <> 'test' and p.seq < m.seq)
          order by m.next_attempt_at limit ${CLAIM_BATCH} for update of m skip locked)
        update notification_messages m
        set attempts = m.attempts + 1, last_attempt_at = ${nowIso}::timestamptz,
            next_attempt_at = ${nowIso}::timestamptz + make_interval(secs => ${timeoutMs / 1000}::float8 * (least(m.items, 50) + 2))
        from due where m.id = due.id
        returning m.id, m.channel_id, m.kind, m.attempts, m.items, m.created_at, m.alert_key`,
  );
}

type ItemRow = {
  kind: EventKind;
  incident_id: string;
  incident_kind: string;
  severity: string;
  title: string;
  subject: string;
  cluster_id: string;
  cluster_name: string;
  environment: string;
  at: Date | string;
};

async function loadItems(db: Db, messageId: string, publicUrl: string): Promise<MessageItem[]> {
  const rows = await queryRows<ItemRow>(
    db,
    sql`select o.kind, o.incident_id, i.kind as incident_kind, o.severity, i.title, i.subject, i.cluster_id, c.name as cluster_name,
          c.environment, o.at
        from notification_outbox o join incidents i on i.id = o.incident_id join clusters c on c.id = i.cluster_id
        where o.message_id = ${messageId}::uuid order by o.at, o.id`,
  );
  return rows.map((r) => ({
    event: r.kind,
    incidentId: r.incident_id,
    incidentKind: r.incident_kind,
    severity: r.severity,
    title: r.title,
    subject: r.subject,
    clusterId: r.cluster_id,
    clusterName: r.cluster_name,
    environment: r.environment,
    at: r.at instanceof Date ? r.at : new Date(r.at),
    url: `${publicUrl}/incidents?cluster=${r.cluster_id}`,
  }));
}

async function findChannelRow(db: Db, id: string): Promise<NotificationChannel | null> {
  const [row] = await queryRows<{ id: string; type: NotificationChannel['type']; enabled: boolean; settings: unknown; secrets: Record<string, string> }>(
    db,
    sql`select id, type, enabled, settings, secrets from notification_channels where id = ${id}::uuid`,
  );
  return row ? ({ ...row } as unknown as NotificationChannel) : null;
}

/** Sends one claimed message through its channel; never throws for a receiver's failure. */
export async function sendClaimed(
  deps: DeliveryDeps,
  m: { id: string; kind: EventKind; channelId: string; alertKey?: string | null },
  now: Date,
): Promise<SendResult> {
  const channel = await findChannelRow(deps.db, m.channelId);
  if (!channel) return { ok: false, code: null, error: 'the channel was deleted', permanent: true };
  if (!channel.enabled && m.kind !== 'test') return { ok: false, code: null, error: 'the channel is disabled', permanent: true };
  const opened = openSecrets(deps.box, channel);
  if (!opened.ok) return { ok: false, code: null, error: `the channel's ${opened.name} cannot be opened (${opened.reason}); set it again`, permanent: true };
  const items = m.kind === 'test' ? [] : await loadItems(deps.db, m.id, deps.publicUrl);
  const outgoing: OutgoingMessage = { id: m.id, kind: m.kind, items, publicUrl: deps.publicUrl, sentAt: now, alertKey: m.alertKey ?? null };
  return sendMessage(outgoing, { type: channel.type, settings: channel.settings as Record<string, unknown>, secrets: opened.secrets }, deps.timeoutMs);
}

/**
 * Writes the outcome of attempt `attempts`, unless another replica took the message over meanwhile (its
 * lease ran out): then that replica's attempt is the one on record.
 */
async function recordOutcome(db: Db, m: ClaimedMessage, res: SendResult, now: Date, random: () => number): Promise<void> {
  const nowIso = now.toISOString();
  const created = m.created_at instanceof Date ? m.created_at : new Date(m.created_at);
  if (res.ok) {
    await db.execute(
      sql`update notification_messages set status = 'delivered', delivered_at = ${nowIso}::timestamptz, last_code = ${res.code}, last_error = null
          where id = ${m.id}::uuid and attempts = ${m.attempts}`,
    );
    return;
  }
  const next = new Date(now.getTime() + retryDelayMs(m.attempts, random));
  const giveUp = res.permanent || next.getTime() - created.getTime() > GIVE_UP_MS;
  await db.execute(
    sql`update notification_messages
        set status = ${giveUp ? 'failed' : 'pending'}, next_attempt_at = ${(giveUp ? now : next).toISOString()}::timestamptz,
            last_code = ${res.code}, last_error = ${res.error}
        where id = ${m.id}::uuid and attempts = ${m.attempts}`,
  );
}

/** One pass of this replica's worker at time `now`: claims due messages and sends them concurrently. */
export async function deliverDue(deps: DeliveryDeps, now: Date, random: () => number = Math.random): Promise<{ sent: number; failed: number }> {
  const claimed = await claimDue(deps.db, now, deps.timeoutMs);
  const results = await Promise.all(
    claimed.map(async (m) => {
      const res = await sendClaimed(deps, { id: m.id, kind: m.kind, channelId: m.channel_id, alertKey: m.alert_key }, now).catch(
        (e: unknown): SendResult => ({ ok: false, code: null, error: `internal error: ${String((e as Error)?.message ?? e).slice(0, 200)}`, permanent: false }),
      );
      await recordOutcome(deps.db, m, res, now, random);
      return res.ok;
    }),
  );
  return { sent: results.filter(Boolean).length, failed: results.filter((r) => !r).length };
}

/**
 * "Send test": a test message through the channel's real path, at once, recorded in its delivery log; one
 * attempt, no retry (the operator is watching and can press again).
 */
export async function sendTestMessage(deps: DeliveryDeps, channelId: string, now: Date): Promise<{ id: string; result: SendResult }> {
  const nowIso = now.toISOString();
  // The lease keeps the worker away while this request sends it.
  const [m] = await queryRows<{ id: string }>(
    deps.db,
    sql`insert into notification_messages (channel_id, kind, status, attempts, next_attempt_at, created_at, last_attempt_at)
        values (${channelId}::uuid, 'test', 'pending', 1, ${nowIso}::timestamptz + interval '1 day', ${nowIso}::timestamptz, ${nowIso}::timestamptz)
        returning id`,
  );
  const result = await sendClaimed(deps, { id: m.id, kind: 'test', channelId }, now);
  await deps.db.execute(
    sql`update notification_messages set status = ${result.ok ? 'delivered' : 'failed'}, next_attempt_at = ${nowIso}::timestamptz,
          delivered_at = ${result.ok ? nowIso : null}::timestamptz, last_code = ${result.code}, last_error = ${result.ok ? null : result.error}
        where id = ${m.id}::uuid`,
  );
  return { id: m.id, result };
}
