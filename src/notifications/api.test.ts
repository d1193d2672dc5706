// The channels API and pages: admins create, change, test and delete; members only view; another org's channel
// is a 404; bad input names its field; secrets are accepted, sealed, masked — and never appear in a response,
// a log line or a database row in clear.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { startHttpReceiver, type HttpReceiver } from '../testing/receivers';
import { queryRows } from '../db/client';
import { setMembership } from '../orgs/store';
import type { Org } from '../orgs/schema';

let t: TestApp;
let rx: HttpReceiver;
let msp: Org, customer: Org, other: Org;
type Client = Awaited<ReturnType<typeof apiClient>>;
let admin: Client, member: Client, outsider: Client;
let adminBrowser: Awaited<ReturnType<typeof signIn>>;
/** Every response body this file saw, to grep for secrets at the end. */
const seen: string[] = [];

const SECRETS = {
  secret: 'whsec-SUPERSECRET-0123456789',
  slackUrl: 'https://hooks.slack.com/services/T0/B0/SLACKSECRET0123456789',
  routingKey: 'PDROUTINGSECRET0123456789',
  smtpPassword: 'SMTPSECRET-pass-0123456789',
};

async function call(c: Client, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await c.call(method, path, body);
  const text = await res.text();
  seen.push(text);
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  t = await startTestApp();
  rx = startHttpReceiver();
  const [u1, u2, u3] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
  msp = await makeOrg(t.db, 'MSP', null, { userId: u1.id, role: 'admin' });
  customer = await makeOrg(t.db, 'Customer', msp);
  other = await makeOrg(t.db, 'Other', null, { userId: u3.id, role: 'owner' });
  await setMembership(t.db, msp.id, u2.id, 'member');
  adminBrowser = await signIn(t, u1);
  admin = await apiClient(t, adminBrowser);
  member = await apiClient(t, await signIn(t, u2));
  outsider = await apiClient(t, await signIn(t, u3));
});
afterAll(async () => {
  await rx.stop();
  await t.close();
});

let webhookId = '';
let pagerDutyId = '';

describe('channels API', () => {
  test('an admin creates one channel of each type; secrets come back masked', async () => {
    const hook = await call(admin, 'POST', '/v1/notification-channels', {
      orgId: msp.id,
      type: 'webhook',
      name: 'On-call webhook',
      url: `${rx.url}/hook`,
      secret: SECRETS.secret,
      minSeverity: 'medium',
      environments: ['production'],
      repeatMinutes: 30,
    });
    expect(hook.status).toBe(201);
    expect(hook.json).toMatchObject({ orgId: msp.id, type: 'webhook', enabled: true, settings: { url: `${rx.url}/hook` }, secrets: { secret: '••••6789' } });
    expect(hook.json.rule).toMatchObject({
      minSeverity: 'medium',
      environments: ['production'],
      repeatMinutes: 30,
      onOpen: true,
      onResolve: true,
      groupWaitSeconds: 30,
    });
    webhookId = hook.json.id;
    const slack = await call(admin, 'POST', '/v1/notification-channels', { orgId: msp.id, type: 'slack', name: 'Slack', slackUrl: SECRETS.slackUrl });
    expect(slack.status).toBe(201);
    expect(slack.json.settings).toEqual({});
    const pd = await call(admin, 'POST', '/v1/notification-channels', { orgId: msp.id, type: 'pagerduty', name: 'PD', routingKey: SECRETS.routingKey });
    expect(pd.json.settings).toEqual({ url: 'https://events.pagerduty.com/v2/enqueue' });
    pagerDutyId = pd.json.id;
    const mail = await call(admin, 'POST', '/v1/notification-channels', {
      orgId: customer.id,
      type: 'email',
      name: 'Mail',
      smtpHost: 'smtp.example.com',
      smtpPort: 587,
      smtpTls: 'starttls',
      smtpUser: 'niro',
      smtpPassword: SECRETS.smtpPassword,
      from: 'niro@example.com',
      to: ['oncall@example.com'],
    });
    expect(mail.status).toBe(201);
    expect(mail.json.secrets).toEqual({ password: '••••6789' });
    const list = await call(admin, 'GET', '/v1/notification-channels');
    expect(list.json.channels.map((c: { type: string }) => c.type).sort()).toEqual(['email', 'pagerduty', 'slack', 'webhook']);
  });

  test('bad input is refused naming the field, before anything is written', async () => {
    const before = (await call(admin, 'GET', '/v1/notification-channels')).json.channels.length;
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'webhook', name: 'x', url: 'ftp://example.com/x', secret: SECRETS.secret }, 'url:'],
      [{ type: 'webhook', name: 'x', url: 'not a url', secret: SECRETS.secret }, 'url:'],
      [{ type: 'webhook', name: 'x', url: 'https://example.com/x' }, 'secret:'],
      [{ type: 'webhook', name: 'x', url: 'https://example.com/x', secret: 'short' }, 'secret:'],
      [{ type: 'webhook', name: 'x', url: 'https://example.com/x', secret: SECRETS.secret, routingKey: 'abcdefghij' }, 'routingKey:'],
      [{ type: 'slack', name: 'x', slackUrl: 'javascript:alert(1)' }, 'slackUrl:'],
      [{ type: 'email', name: 'x', smtpHost: 'smtp.example.com', from: 'nope', to: ['a@example.com'] }, 'from:'],
      [{ type: 'email', name: 'x', smtpHost: 'smtp.example.com', from: 'n@example.com', to: ['a@example.com', 'bad'] }, 'to:'],
      [{ type: 'email', name: 'x', smtpHost: 'smtp.example.com', smtpPort: 70000, from: 'n@example.com', to: ['a@example.com'] }, 'smtpPort:'],
      [{ type: 'email', name: 'x', smtpHost: 'bad host!', from: 'n@example.com', to: ['a@example.com'] }, 'smtpHost:'],
      [{ type: 'email', name: 'x', smtpHost: 'smtp.example.com', smtpTls: 'ssl3', from: 'n@example.com', to: ['a@example.com'] }, 'smtpTls:'],
      [{ type: 'pagerduty', name: 'x', routingKey: SECRETS.routingKey, minSeverity: 'urgent' }, 'minSeverity:'],
      [{ type: 'pagerduty', name: 'x', routingKey: SECRETS.routingKey, environments: ['prod'] }, 'environments:'],
      [{ type: 'pagerduty', name: 'x', routingKey: SECRETS.routingKey, repeatMinutes: 1 }, 'repeatMinutes:'],
      [{ type: 'pagerduty', name: 'x', routingKey: SECRETS.routingKey, clusterIds: ['00000000-0000-0000-0000-000000000000'] }, 'clusterIds:'],
      [{ type: 'pagerduty', name: 'x', routingKey: SECRETS.routingKey, groupWaitSeconds: 100000 }, 'groupWaitSeconds:'],
      [{ type: 'sms', name: 'x' }, 'type:'],
    ];
    for (const [body, field] of cases) {
      const res = await call(admin, 'POST', '/v1/notification-channels', { orgId: msp.id, ...body });
      expect([res.status, res.json.error.message.startsWith(field)]).toEqual([expect.any(Number), true]);
      expect(res.status === 400 || res.status === 422).toBe(true);
    }
    expect((await call(admin, 'GET', '/v1/notification-channels')).json.channels.length).toBe(before);
  });

  test('members view, only admins change; another org’s channel is a 404', async () => {
    expect((await call(member, 'GET', `/v1/notification-channels/${webhookId}`)).status).toBe(200);
    expect((await call(member, 'PATCH', `/v1/notification-channels/${webhookId}`, { enabled: false })).status).toBe(403);
    expect((await call(member, 'DELETE', `/v1/notification-channels/${webhookId}`)).status).toBe(403);
    expect((await call(member, 'POST', `/v1/notification-channels/${webhookId}/test`)).status).toBe(403);
    for (const [method, path] of [
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/test'],
      ['GET', '/deliveries'],
    ] as const) {
      const res = await call(outsider, method, `/v1/notification-channels/${webhookId}${path}`, method === 'PATCH' ? { name: 'x' } : undefined);
      expect(res.status).toBe(404);
    }
    expect((await call(outsider, 'POST', '/v1/notification-channels', { orgId: msp.id, type: 'slack', name: 'x', slackUrl: SECRETS.slackUrl })).status).toBe(
      404,
    );
    expect((await call(outsider, 'GET', '/v1/notification-channels')).json.channels).toEqual([]);
    expect((await call(admin, 'GET', '/v1/notification-channels/not-a-uuid')).status).toBe(404);
  });

  test('an edit that leaves a secret out keeps it; disabling and changing the rule stick', async () => {
    const res = await call(admin, 'PATCH', `/v1/notification-channels/${webhookId}`, { enabled: false, onAcknowledge: true, name: 'Renamed' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'Renamed', enabled: false, secrets: { secret: '••••6789' }, rule: { onAcknowledge: true, minSeverity: 'medium' } });
    expect((await call(admin, 'PATCH', `/v1/notification-channels/${webhookId}`, { url: 'gopher://x' })).json.error.message).toStartWith('url:');
    expect((await call(admin, 'PATCH', `/v1/notification-channels/${webhookId}`, { enabled: true })).json.enabled).toBe(true);
  });

  test('send test goes through the real channel, signed, and lands in the delivery log', async () => {
    const res = await call(admin, 'POST', `/v1/notification-channels/${webhookId}/test`);
    expect(res.json).toMatchObject({ ok: true, code: 200, error: null });
    const [req] = await rx.waitFor(1);
    expect(req.headers.get('x-niro-delivery')).toBe(res.json.deliveryId);
    expect(req.json).toMatchObject({ kind: 'test', count: 0 });
    rx.script([500]);
    const failed = await call(admin, 'POST', `/v1/notification-channels/${webhookId}/test`);
    expect(failed.json).toMatchObject({ ok: false, code: 500 });
    const log = await call(member, 'GET', `/v1/notification-channels/${webhookId}/deliveries?limit=1`);
    expect(log.json.deliveries).toHaveLength(1);
    expect(log.json.deliveries[0]).toMatchObject({ id: failed.json.deliveryId, kind: 'test', status: 'failed', attempts: 1, lastCode: 500 });
    const next = await call(member, 'GET', `/v1/notification-channels/${webhookId}/deliveries?limit=1&cursor=${log.json.nextCursor}`);
    expect(next.json.deliveries[0]).toMatchObject({ id: res.json.deliveryId, status: 'delivered' });
    const audit = await queryRows<{ action: string }>(t.db, sql`select action from audit_events where target = ${webhookId} order by id`);
    expect(audit.map((a) => a.action)).toEqual([
      'notification_channel.create',
      'notification_channel.update',
      'notification_channel.update',
      'notification_channel.test',
      'notification_channel.test',
    ]);
  });
});

describe('pages', () => {
  test('the channels page lists them; the channel page shows masks, the log and the test button; a form creates one', async () => {
    const list = await (await adminBrowser.get('/settings/notifications')).text();
    seen.push(list);
    expect(list).toContain('Renamed');
    expect(list).toContain('New Slack channel');
    const page = await (await adminBrowser.get(`/settings/notifications/${webhookId}`)).text();
    seen.push(page);
    expect(page).toContain('••••6789 (leave empty to keep)');
    expect(page).toContain('id="send-test"');
    expect(page).toContain('id="delivery-log"');
    // A PagerDuty storm alert's delivery names the alert's key in its row, beside the incidents it carries.
    const [storm] = await queryRows<{ id: string }>(
      t.db,
      sql`insert into notification_messages (channel_id, kind, status, items, next_attempt_at, created_at, alert_key)
          values (${pagerDutyId}, 'opened', 'delivered', 30, now(), now(), 'niro-group-pending') returning id`,
    );
    const key = `niro-group-${storm!.id}`;
    await t.db.execute(sql`update notification_messages set alert_key = ${key} where id = ${storm!.id}`);
    const pdPage = await (await adminBrowser.get(`/settings/notifications/${pagerDutyId}`)).text();
    seen.push(pdPage);
    expect(pdPage).toMatch(new RegExp(`<tr data-status="delivered">.*storm alert <code>${key}</code>.*<td>30</td>`, 's'));
    expect(page).not.toContain('storm alert');
    const created = await adminBrowser.post('/settings/notifications', {
      type: 'webhook',
      orgId: customer.id,
      name: 'From the form',
      url: `${rx.url}/form`,
      secret: SECRETS.secret,
      minSeverity: 'high',
      onOpen: 'on',
      enabled: 'on',
      repeatMinutes: '0',
      groupWaitSeconds: '10',
    });
    expect(created.status).toBe(303);
    const shown = await (await adminBrowser.follow(created)).text();
    seen.push(shown);
    expect(shown).toContain('From the form');
    const id = created.headers.get('location')!.split('/').pop()!;
    const tested = await adminBrowser.post(`/settings/notifications/${id}/test`, {});
    const after = await (await adminBrowser.follow(tested)).text();
    seen.push(after);
    expect(after).toContain('Test delivered (200)');
    const bad = await adminBrowser.post('/settings/notifications', {
      type: 'webhook',
      orgId: msp.id,
      name: 'x',
      url: 'file:///etc/passwd',
      secret: SECRETS.secret,
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('url:');
    const gone = await adminBrowser.post(`/settings/notifications/${id}/delete`, {});
    expect(gone.status).toBe(303);
    expect((await call(admin, 'GET', `/v1/notification-channels/${id}`)).status).toBe(404);
  });
});

describe('secrets', () => {
  test('no secret appears in any response, log line or database row in clear', async () => {
    const rows = await queryRows<Record<string, unknown>>(t.db, sql`select * from notification_channels`);
    const dump = JSON.stringify(rows);
    const audit = JSON.stringify(await queryRows(t.db, sql`select * from audit_events`));
    const logs = t.logs.join('\n');
    const responses = seen.join('\n');
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const value of Object.values(SECRETS)) {
      for (const [where, text] of [
        ['database', dump],
        ['audit', audit],
        ['logs', logs],
        ['responses', responses],
      ] as const)
        expect({ where, leaked: text.includes(value) }).toEqual({ where, leaked: false });
    }
    expect(dump).toContain('niro:v1:');
  });
});
