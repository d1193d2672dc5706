// Notifications reach real receivers on loopback: the webhook's signature verifies (and a tampered or replayed
// one does not), a 500 is retried under the same delivery id and never duplicated, Slack, PagerDuty and SMTP
// get their formats, a storm goes out as one message per channel (on PagerDuty one alert that follows its
// incidents), silences, rules and reminders hold.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { makeOrg, makeUser, type TestUser } from '../testing/app';
import { startHttpReceiver, startSmtpReceiver, until } from '../testing/receivers';
import { queryRows, type Db } from '../db/client';
import { createCluster } from '../clusters/store';
import { incidents } from '../incidents/schema';
import { recordTransitions } from '../incidents/transitions';
import type { IncidentKind, Severity, TransitionKind } from '../incidents/vocabulary';
import { createSecretBox } from '../security/encryption';
import type { ChannelInput } from './channels';
import { deliverDue } from './delivery';
import { groupDueItems, owedReminders, routeTransitions } from './router';
import { createChannel } from './service';
import { pruneMessages } from './store';
import { verifyWebhookSignature } from './signature';
import type { ChannelType } from './vocabulary';

const box = createSecretBox('x'.repeat(40));
let tdb: TestDatabase;
let db: Db;
let user: TestUser;
let day = 0;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = tdb.database.db;
  user = await makeUser(db);
});
afterAll(async () => {
  await tdb.drop();
});

/** A fresh org with one production cluster, and a clock of its own (each test's time is later than the last's). */
async function world(environment: 'production' | 'dev' = 'production') {
  const org = await makeOrg(db, `org-${++day}`);
  const res = await createCluster(db, { orgId: org.id, name: `edge-${day}`, environment, createdBy: null });
  if (!res.ok) throw new Error('cluster');
  return { org, cluster: res.cluster, t0: new Date(Date.UTC(2030, 0, day, 12)) };
}

async function channel(orgId: string, type: ChannelType, input: ChannelInput): Promise<string> {
  const res = await createChannel(
    db,
    box,
    { userId: user.id, email: user.email, ip: null },
    [orgId],
    orgId,
    type,
    { groupWaitSeconds: 0, ...input },
    new Date(),
  );
  if (!res.ok) throw new Error(res.message);
  return res.channel.id;
}

type World = Awaited<ReturnType<typeof world>>;

async function openIncident(
  w: World,
  subject: string,
  at: Date,
  severity: Severity = 'high',
  title = `Pod ${subject} is crash-looping`,
  kind: IncidentKind = 'pod_crash_looping',
): Promise<string> {
  const [incident] = await db
    .insert(incidents)
    .values({ orgId: w.org.id, clusterId: w.cluster.id, kind, severity, subject, title, openedAt: at, lastSeenAt: at })
    .returning();
  await recordTransitions(db, [{ incidentId: incident.id, orgId: w.org.id, clusterId: w.cluster.id, kind: 'opened', severity, at }]);
  return incident.id;
}

async function transition(w: World, incidentId: string, kind: TransitionKind, at: Date): Promise<void> {
  if (kind === 'acknowledged') await db.execute(sql`update incidents set acknowledged_at = ${at.toISOString()}::timestamptz where id = ${incidentId}::uuid`);
  if (kind === 'resolved')
    await db.execute(sql`update incidents set state = 'resolved', resolved_at = ${at.toISOString()}::timestamptz where id = ${incidentId}::uuid`);
  if (kind === 'reopened') await db.execute(sql`update incidents set state = 'open', resolved_at = null where id = ${incidentId}::uuid`);
  await recordTransitions(db, [{ incidentId, orgId: w.org.id, clusterId: w.cluster.id, kind, severity: 'high', at }]);
}

/** One router pass then one delivery pass at `now`, as the jobs run them. */
async function tick(now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await routeTransitions(tx, now);
    await owedReminders(tx, now);
    await groupDueItems(tx, now);
  });
  await deliverDue({ db, box, publicUrl: 'https://niro.example.com', timeoutMs: 5000 }, now, () => 0.5);
}

const later = (t: Date, ms: number) => new Date(t.getTime() + ms);

async function deliveries(channelId: string) {
  return queryRows<{ id: string; status: string; attempts: number; last_code: number | null; items: number; kind: string }>(
    db,
    sql`select id, status, attempts, last_code, items, kind from notification_messages where channel_id = ${channelId}::uuid order by created_at, id`,
  );
}

describe('generic webhook', () => {
  test('the signature verifies with the channel secret; a tampered body, a wrong secret or a replay later does not', async () => {
    const w = await world();
    const rx = startHttpReceiver();
    const secret = 'whsec-0123456789abcdef-signing';
    const id = await channel(w.org.id, 'webhook', { name: 'hook', url: `${rx.url}/hook`, secret });
    const incidentId = await openIncident(w, 'shop/api-0', w.t0);
    await tick(w.t0);
    const [req] = await rx.waitFor(1);
    const header = req.headers.get('x-niro-signature');
    const nowSec = Math.floor(w.t0.getTime() / 1000);
    expect(verifyWebhookSignature(secret, header, req.body, nowSec)).toEqual({ ok: true, timestamp: nowSec });
    expect(verifyWebhookSignature(secret, header, req.body.replace('crash-looping', 'fine'), nowSec)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature('another-secret-0123456789', header, req.body, nowSec)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature(secret, header, req.body, nowSec + 3600)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyWebhookSignature(secret, 't=1,v1=zz', req.body, nowSec)).toEqual({ ok: false, reason: 'malformed' });
    const [d] = await deliveries(id);
    expect(req.headers.get('x-niro-delivery')).toBe(d.id);
    const body = req.json as { kind: string; count: number; deliveryId: string; incidents: { id: string; severity: string; cluster: { name: string } }[] };
    expect(body).toMatchObject({ kind: 'opened', count: 1, deliveryId: d.id });
    expect(body.incidents[0]).toMatchObject({ id: incidentId, severity: 'high', cluster: { name: w.cluster.name } });
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, last_code: 200 });
    await rx.stop();
  });

  test('a 500 is retried with backoff under the same delivery id, and once delivered never sent again', async () => {
    const w = await world();
    const rx = startHttpReceiver();
    rx.script([500]);
    const id = await channel(w.org.id, 'webhook', { name: 'flaky', url: `${rx.url}/hook`, secret: 'whsec-0123456789abcdef' });
    await openIncident(w, 'shop/api-1', w.t0);
    await tick(w.t0);
    await rx.waitFor(1);
    let [d] = await deliveries(id);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, last_code: 500 });
    // Backoff: nothing is retried a second later.
    await tick(later(w.t0, 1000));
    expect(rx.received.length).toBe(1);
    await tick(later(w.t0, 60_000));
    await rx.waitFor(2);
    [d] = await deliveries(id);
    expect(d).toMatchObject({ status: 'delivered', attempts: 2, last_code: 200 });
    await tick(later(w.t0, 3 * 3600_000));
    await tick(later(w.t0, 30 * 3600_000));
    expect(rx.received.length).toBe(2);
    expect(new Set(rx.received.map((r) => r.headers.get('x-niro-delivery')))).toEqual(new Set([d.id]));
    expect((await deliveries(id)).length).toBe(1);
    await rx.stop();
  });

  test('a receiver failing for over a day is given up as failed; a 404 at once', async () => {
    const w = await world();
    const down = startHttpReceiver(503);
    const gone = startHttpReceiver(404);
    const a = await channel(w.org.id, 'webhook', { name: 'down', url: `${down.url}/hook`, secret: 'whsec-0123456789abcdef' });
    const b = await channel(w.org.id, 'webhook', { name: 'gone', url: `${gone.url}/hook`, secret: 'whsec-0123456789abcdef' });
    await openIncident(w, 'shop/api-2', w.t0);
    await tick(w.t0);
    expect((await deliveries(b))[0]).toMatchObject({ status: 'failed', attempts: 1, last_code: 404 });
    expect((await deliveries(a))[0]).toMatchObject({ status: 'pending', attempts: 1, last_code: 503 });
    for (const hours of [1, 3, 8, 16, 23, 25]) await tick(later(w.t0, hours * 3600_000));
    const [d] = await deliveries(a);
    expect(d.status).toBe('failed');
    expect(d.attempts).toBeLessThanOrEqual(7);
    await down.stop();
    await gone.stop();
  });
});

describe('formats', () => {
  test('Slack gets text and blocks, with untrusted text escaped', async () => {
    const w = await world();
    const rx = startHttpReceiver();
    await channel(w.org.id, 'slack', { name: 'slack', slackUrl: `${rx.url}/services/T000/B000/slack-secret-part` });
    await openIncident(w, 'shop/x', w.t0, 'high', 'Pod <!channel> & co is crash-looping');
    await tick(w.t0);
    const [req] = await rx.waitFor(1);
    expect(req.path).toBe('/services/T000/B000/slack-secret-part');
    const body = req.json as { text: string; blocks: { type: string; text?: { type: string; text: string } }[] };
    expect(body.text).toContain('&lt;!channel&gt; &amp; co');
    expect(body.text).not.toContain('<!channel>');
    expect(body.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(body.blocks[1]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    expect(body.blocks[1].text!.text).toContain(w.cluster.name);
    await rx.stop();
  });

  test('PagerDuty: trigger, then acknowledge, then resolve with the incident as dedup_key', async () => {
    const w = await world();
    const rx = startHttpReceiver(202);
    const routingKey = 'R0UTING0KEY0123456789abcdef';
    await channel(w.org.id, 'pagerduty', { name: 'pd', url: `${rx.url}/v2/enqueue`, routingKey, onAcknowledge: true, onResolve: true });
    const incidentId = await openIncident(w, 'shop/pd', w.t0);
    await tick(w.t0);
    await rx.waitFor(1);
    await transition(w, incidentId, 'acknowledged', later(w.t0, 10_000));
    await tick(later(w.t0, 10_000));
    await rx.waitFor(2);
    await transition(w, incidentId, 'resolved', later(w.t0, 20_000));
    await tick(later(w.t0, 20_000));
    const got = (await rx.waitFor(3)).map((r) => r.json as Record<string, unknown>);
    expect(got.map((e) => e.event_action)).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect(got.every((e) => e.dedup_key === incidentId && e.routing_key === routingKey)).toBe(true);
    expect(got[0].payload).toMatchObject({ source: w.cluster.name, severity: 'critical', class: 'pod_crash_looping', group: 'production' });
    expect(String((got[0].payload as { summary: string }).summary)).toContain('crash-looping');
    expect(rx.received.every((r) => r.path === '/v2/enqueue' && r.method === 'POST')).toBe(true);
    await rx.stop();
  });

  test('e-mail is received and parsed by a real SMTP server', async () => {
    const w = await world();
    const smtp = await startSmtpReceiver();
    const password = 'smtp-password-0123456789';
    const id = await channel(w.org.id, 'email', {
      name: 'mail',
      smtpHost: '127.0.0.1',
      smtpPort: smtp.port,
      smtpTls: 'none',
      smtpUser: 'niro',
      smtpPassword: password,
      from: 'niro@example.com',
      to: ['oncall@example.com', 'sre@example.com'],
    });
    await openIncident(w, 'shop/mail', w.t0);
    await tick(w.t0);
    await until(() => smtp.mails.length === 1, 'the e-mail');
    const mail = smtp.mails[0];
    expect(mail.subject).toContain('Pod shop/mail is crash-looping');
    expect(mail.text).toContain(w.cluster.name);
    expect(mail.from?.text).toContain('niro@example.com');
    expect((Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a!.value.map((v) => v.address))).toEqual(['oncall@example.com', 'sre@example.com']);
    expect(smtp.auths).toEqual([{ username: 'niro', password }]);
    const [d] = await deliveries(id);
    expect(mail.headers.get('x-niro-delivery')).toBe(d.id);
    expect(d).toMatchObject({ status: 'delivered', last_code: 250 });
    await smtp.stop();
  });
});

describe('routing', () => {
  test('silenced incidents and ones below the rule are not notified; a parent org’s channel covers its children', async () => {
    const parent = await world();
    const child = await makeOrg(db, `child-${day}`, parent.org);
    const res = await createCluster(db, { orgId: child.id, name: `child-edge-${day}`, environment: 'production', createdBy: null });
    if (!res.ok) throw new Error('cluster');
    const w: World = { org: child, cluster: res.cluster, t0: parent.t0 };
    const rx = startHttpReceiver();
    const id = await channel(parent.org.id, 'webhook', { name: 'msp', url: `${rx.url}/h`, secret: 'whsec-0123456789abcdef', minSeverity: 'high' });
    await openIncident(w, 'a/low', w.t0, 'low');
    const silenced = await openIncident(w, 'a/silenced', later(w.t0, 1000));
    await db.execute(sql`update incidents set silenced_until = ${later(w.t0, 3600_000).toISOString()}::timestamptz where id = ${silenced}::uuid`);
    // The silence is set before the router sees the transition (the incidents domain sets both in one go).
    await tick(later(w.t0, 2000));
    // Silenced while it waits in its group window: dropped too.
    const hushed = await openIncident(w, 'a/hushed', later(w.t0, 2500));
    const owedBefore = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from notification_outbox where channel_id = ${id}::uuid`);
    await db.transaction((tx) => routeTransitions(tx, later(w.t0, 2500)).then(() => undefined));
    const owedAfter = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from notification_outbox where channel_id = ${id}::uuid`);
    expect(owedAfter[0].n).toBe(owedBefore[0].n + 1);
    await db.execute(sql`update incidents set silenced_until = ${later(w.t0, 3600_000).toISOString()}::timestamptz where id = ${hushed}::uuid`);
    const loud = await openIncident(w, 'a/loud', later(w.t0, 3000));
    await tick(later(w.t0, 4000));
    const [req] = await rx.waitFor(1);
    expect((req.json as { incidents: { id: string }[] }).incidents.map((i) => i.id)).toEqual([loud]);
    await tick(later(w.t0, 60_000));
    expect(rx.received.length).toBe(1);
    expect((await deliveries(id)).length).toBe(1);
    await rx.stop();
  });

  test('an unacknowledged incident is re-notified every repeat interval until acknowledged', async () => {
    const w = await world();
    const rx = startHttpReceiver();
    const id = await channel(w.org.id, 'webhook', { name: 'repeat', url: `${rx.url}/h`, secret: 'whsec-0123456789abcdef', repeatMinutes: 5 });
    const incidentId = await openIncident(w, 'shop/repeat', w.t0);
    await tick(w.t0);
    await rx.waitFor(1);
    await tick(later(w.t0, 4 * 60_000));
    expect(rx.received.length).toBe(1);
    await tick(later(w.t0, 5 * 60_000 + 1000));
    await rx.waitFor(2);
    await tick(later(w.t0, 6 * 60_000));
    expect(rx.received.length).toBe(2);
    expect((rx.received[1].json as { kind: string }).kind).toBe('repeat');
    await db.execute(sql`update incidents set acknowledged_at = ${later(w.t0, 7 * 60_000).toISOString()}::timestamptz where id = ${incidentId}::uuid`);
    await tick(later(w.t0, 20 * 60_000));
    expect(rx.received.length).toBe(2);
    expect((await deliveries(id)).map((d) => d.kind)).toEqual(['opened', 'repeat']);
    await rx.stop();
  });
});

describe('robustness', () => {
  test('two routers and two workers racing on the same transitions owe and send each once per channel', async () => {
    const w = await world();
    const rx = startHttpReceiver();
    const id = await channel(w.org.id, 'webhook', { name: 'race', url: `${rx.url}/h`, secret: 'whsec-0123456789abcdef' });
    for (let i = 0; i < 5; i++) await openIncident(w, `race/p-${i}`, w.t0);
    // No advisory lock here: the outbox's unique key and skip locked alone keep it to one.
    await Promise.all([tick(w.t0), tick(w.t0), tick(w.t0)]);
    await Promise.all([tick(later(w.t0, 1000)), tick(later(w.t0, 1000))]);
    const owed = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from notification_outbox where channel_id = ${id}::uuid`);
    expect(owed[0].n).toBe(5);
    const sent = (await deliveries(id)).reduce((n, d) => n + d.items, 0);
    expect(sent).toBe(5);
    // Each send finished within its tick: every request is in.
    expect(new Set(rx.received.map((r) => r.headers.get('x-niro-delivery'))).size).toBe(rx.received.length);
    const ids = (rx.received.map((r) => r.json) as { incidents: { id: string }[] }[]).flatMap((b) => b.incidents.map((i) => i.id));
    expect(ids.length).toBe(5);
    expect(new Set(ids).size).toBe(5);
    await rx.stop();
  });

  test('an endpoint that never answers is cut off at the timeout and retried later; nothing else waits for it', async () => {
    const w = await world();
    const hanging = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Promise<Response>(() => {}) });
    const rx = startHttpReceiver();
    const slow = await channel(w.org.id, 'webhook', { name: 'hangs', url: `http://127.0.0.1:${hanging.port}/h`, secret: 'whsec-0123456789abcdef' });
    const fine = await channel(w.org.id, 'webhook', { name: 'fine', url: `${rx.url}/h`, secret: 'whsec-0123456789abcdef' });
    await openIncident(w, 'slow/p', w.t0);
    await db.transaction(async (tx) => {
      await routeTransitions(tx, w.t0);
      await groupDueItems(tx, w.t0);
    });
    await deliverDue({ db, box, publicUrl: 'https://niro.example.com', timeoutMs: 300 }, w.t0, () => 0.5);
    expect((await deliveries(fine))[0]).toMatchObject({ status: 'delivered' });
    const [d] = await queryRows<{ status: string; last_error: string }>(
      db,
      sql`select status, last_error from notification_messages where channel_id = ${slow}::uuid`,
    );
    expect(d).toEqual({ status: 'pending', last_error: 'no answer within 0.3 s' });
    hanging.stop(true);
    await rx.stop();
  });
});

describe('storms', () => {
  type PdEvent = {
    routing_key: string;
    event_action: string;
    dedup_key: string;
    payload?: { summary: string; severity: string; custom_details: Record<string, unknown> };
  };
  const events = (rx: { received: { json: unknown }[] }) => rx.received.map((r) => r.json as PdEvent);
  const pd = (rx: { url: string }, more: Record<string, unknown> = {}) => ({
    name: 'pd',
    url: `${rx.url}/v2/enqueue`,
    routingKey: 'R0UTING0KEY0123456789abcdef',
    onAcknowledge: true,
    onResolve: true,
    groupWaitSeconds: 15,
    ...more,
  });

  test('a storm of 30 opened within 10 s is one message per channel, on PagerDuty one alert: the first acknowledge acknowledges it; only the 30th resolve resolves it', async () => {
    const w = await world();
    const pager = startHttpReceiver(202);
    const hook = startHttpReceiver();
    const slack = startHttpReceiver();
    const smtp = await startSmtpReceiver();
    const group = { groupWaitSeconds: 15 };
    const pdId = await channel(w.org.id, 'pagerduty', pd(pager));
    await channel(w.org.id, 'webhook', { name: 'hook', url: `${hook.url}/h`, secret: 'whsec-0123456789abcdef', ...group });
    await channel(w.org.id, 'slack', { name: 'slack', slackUrl: `${slack.url}/services/x`, ...group });
    await channel(w.org.id, 'email', {
      name: 'mail',
      smtpHost: '127.0.0.1',
      smtpPort: smtp.port,
      smtpTls: 'none',
      from: 'n@example.com',
      to: ['o@example.com'],
      ...group,
    });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const at = later(w.t0, Math.round((i * 10_000) / 30));
      const oom = i >= 28;
      ids.push(
        await openIncident(
          w,
          `shop/pod-${i}`,
          at,
          'high',
          `Pod shop/pod-${i} is ${oom ? 'OOM-killed' : 'crash-looping'}`,
          oom ? 'oom_killed' : 'pod_crash_looping',
        ),
      );
      if (i % 6 === 5) await tick(at);
    }
    await tick(later(w.t0, 10_000));
    expect(pager.received.length + hook.received.length + slack.received.length + smtp.mails.length).toBe(0);
    await tick(later(w.t0, 15_000));
    await pager.waitFor(1);
    await hook.waitFor(1);
    await slack.waitFor(1);
    await until(() => smtp.mails.length === 1, 'the e-mail');
    // Two routers racing (as two replicas would without the lock) make nothing twice.
    await Promise.all([tick(later(w.t0, 20_000)), tick(later(w.t0, 20_000))]);
    expect([pager.received.length, hook.received.length, slack.received.length, smtp.mails.length]).toEqual([1, 1, 1, 1]);
    expect(hook.received[0].json).toMatchObject({ kind: 'opened', count: 30 });
    expect((slack.received[0].json as { text: string }).text).toContain('30 incidents opened on 1 cluster');
    expect(smtp.mails[0].subject).toContain('30 incidents opened');
    const [trigger] = events(pager);
    const [d] = await deliveries(pdId);
    expect(trigger).toMatchObject({ event_action: 'trigger', dedup_key: `niro-group-${d.id}` });
    expect(trigger.payload!.summary).toBe(`30 incidents on cluster ${w.cluster.name}: 28 crash-looping, 2 OOM-killed`);
    expect(trigger.payload!.severity).toBe('critical');
    expect(trigger.payload!.custom_details).toMatchObject({ count: 30, more: 10, clusters: [w.cluster.name] });
    expect((trigger.payload!.custom_details.incidents as { id: string }[]).map((i) => i.id)).toEqual(ids.slice(0, 20));
    expect(d).toMatchObject({ kind: 'opened', items: 30, status: 'delivered' });

    // The first acknowledge acknowledges the alert; later ones add nothing.
    await transition(w, ids[3], 'acknowledged', later(w.t0, 60_000));
    await tick(later(w.t0, 75_000));
    await pager.waitFor(2);
    await transition(w, ids[4], 'acknowledged', later(w.t0, 80_000));
    await tick(later(w.t0, 95_000));
    expect(pager.received.length).toBe(2);
    expect(events(pager)[1]).toEqual({ routing_key: 'R0UTING0KEY0123456789abcdef', event_action: 'acknowledge', dedup_key: trigger.dedup_key });

    // 29 resolved: nothing to PagerDuty (the webhook hears each batch as today).
    for (let i = 0; i < 29; i++) await transition(w, ids[i], 'resolved', later(w.t0, 120_000 + i * 1000));
    await tick(later(w.t0, 150_000));
    await tick(later(w.t0, 600_000));
    await hook.waitFor(2);
    expect(pager.received.length).toBe(2);
    // The 30th: one resolve under the alert's key, once its window passed.
    await transition(w, ids[29], 'resolved', later(w.t0, 700_000));
    await tick(later(w.t0, 705_000));
    expect(pager.received.length).toBe(2);
    await Promise.all([tick(later(w.t0, 715_000)), tick(later(w.t0, 715_000))]);
    await pager.waitFor(3);
    for (const s of [720_000, 3600_000]) await tick(later(w.t0, s));
    expect(events(pager).map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', trigger.dedup_key],
      ['acknowledge', trigger.dedup_key],
      ['resolve', trigger.dedup_key],
    ]);
    const log = await deliveries(pdId);
    expect(log.map((m) => [m.kind, m.status])).toEqual([
      ['opened', 'delivered'],
      ['acknowledged', 'delivered'],
      ['resolved', 'delivered'],
    ]);
    // Every transition of the storm went out in exactly one of the alert's messages.
    expect(log.reduce((n, m) => n + m.items, 0)).toBe(30 + 2 + 30);
    for (const rx of [pager, hook, slack]) await rx.stop();
    await smtp.stop();
  });

  test('a lone incident keeps its own dedup_key, beside a live storm; a member that flaps stays in its storm', async () => {
    const w = await world();
    const pager = startHttpReceiver(202);
    const pdId = await channel(w.org.id, 'pagerduty', pd(pager));
    const a = await openIncident(w, 'shop/a', w.t0);
    const b = await openIncident(w, 'shop/b', later(w.t0, 2000));
    await tick(later(w.t0, 15_000));
    await pager.waitFor(1);
    const key = events(pager)[0].dedup_key;
    expect(key).toStartWith('niro-group-');
    // Housekeeping keeps the trigger of a live storm alert: its items are the incidents the alert waits for.
    await tick(later(w.t0, 16_000));
    await pruneMessages(db, later(w.t0, 17_000));
    expect((await deliveries(pdId)).map((m) => m.id)).toEqual([key.slice('niro-group-'.length)]);
    expect(events(pager)[0].payload!.summary).toBe(`2 incidents on cluster ${w.cluster.name}: 2 crash-looping`);
    // Alone in its window: its own trigger and resolve, keyed by the incident id.
    const lone = await openIncident(w, 'shop/lone', later(w.t0, 60_000));
    await tick(later(w.t0, 75_000));
    await pager.waitFor(2);
    await transition(w, lone, 'resolved', later(w.t0, 80_000));
    await tick(later(w.t0, 95_000));
    await pager.waitFor(3);
    expect(
      events(pager)
        .slice(1)
        .map((e) => [e.event_action, e.dedup_key]),
    ).toEqual([
      ['trigger', lone],
      ['resolve', lone],
    ]);
    expect(events(pager)[1].payload!.summary).toContain('shop/lone');
    // A member resolves and fires again: still the storm's, no page of its own.
    await transition(w, a, 'resolved', later(w.t0, 100_000));
    await transition(w, a, 'reopened', later(w.t0, 110_000));
    await tick(later(w.t0, 130_000));
    await transition(w, b, 'resolved', later(w.t0, 140_000));
    await tick(later(w.t0, 160_000));
    expect(pager.received.length).toBe(3);
    // Resolved again: now every member is, and the storm's alert resolves.
    await transition(w, a, 'resolved', later(w.t0, 170_000));
    await tick(later(w.t0, 190_000));
    await pager.waitFor(4);
    await tick(later(w.t0, 600_000));
    expect(
      events(pager)
        .slice(3)
        .map((e) => [e.event_action, e.dedup_key]),
    ).toEqual([['resolve', key]]);
    // Over: a member firing again now is a new page (here alone, so its own key).
    await transition(w, b, 'reopened', later(w.t0, 700_000));
    await tick(later(w.t0, 715_000));
    await pager.waitFor(5);
    expect([events(pager)[4].event_action, events(pager)[4].dedup_key]).toEqual(['trigger', b]);
    await pager.stop();
  });
});
