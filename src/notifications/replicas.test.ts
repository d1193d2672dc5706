// Two real control-plane processes on one Postgres both run detection, the notification router and the delivery
// worker: a cluster going offline gives exactly one incident, one transition, and exactly one delivery per
// channel at the receivers.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { makeOrg, makeUser } from '../testing/app';
import { spawnControlPlane, type Child } from '../testing/spawn';
import { startHttpReceiver, until, type HttpReceiver } from '../testing/receivers';
import { queryRows } from '../db/client';
import { createCluster } from '../clusters/store';
import { createSecretBox } from '../security/encryption';
import { createChannel } from './service';

/** spawnControlPlane's server secret: the replicas open the secrets this test seals. */
const SECRET = 'y'.repeat(40);
let tdb: TestDatabase;
let replicas: Child[] = [];
let hook: HttpReceiver;
let slack: HttpReceiver;

beforeAll(async () => {
  tdb = await createTestDatabase();
  hook = startHttpReceiver();
  slack = startHttpReceiver();
});
afterAll(async () => {
  for (const r of replicas) if (r.proc.exitCode === null) await r.kill();
  await hook.stop();
  await slack.stop();
  await tdb.drop();
});

test('two replicas: one incident, one transition, exactly one delivery per channel', async () => {
  const db = tdb.database.db;
  const box = createSecretBox(SECRET);
  const org = await makeOrg(db, 'Replicated');
  const user = await makeUser(db);
  const actor = { userId: user.id, email: user.email, ip: null };
  for (const [type, input] of [
    ['webhook', { name: 'hook', url: `${hook.url}/h`, secret: 'whsec-0123456789abcdef' }],
    ['slack', { name: 'slack', slackUrl: `${slack.url}/services/x` }],
  ] as const) {
    const res = await createChannel(db, box, actor, [org.id], org.id, type, { ...input, groupWaitSeconds: 0 }, new Date());
    if (!res.ok) throw new Error(res.message);
  }
  const created = await createCluster(db, { orgId: org.id, name: 'falls-over', environment: 'production', createdBy: null });
  if (!created.ok) throw new Error('cluster');
  const clusterId = created.cluster.id;
  await db.execute(sql`update clusters set status = 'healthy', last_heartbeat_at = now() - interval '1 hour' where id = ${clusterId}::uuid`);

  const env = { DATABASE_URL: tdb.url, NIRO_STATUS_CHECK_SECONDS: '1', NIRO_NOTIFY_INTERVAL_SECONDS: '1', NIRO_OFFLINE_AFTER: '5' };
  replicas = await Promise.all([spawnControlPlane(env), spawnControlPlane(env)]);

  await hook.waitFor(1, 30_000);
  await slack.waitFor(1, 30_000);
  // Give both replicas more passes: a second cluster goes offline after the first was delivered, and once its
  // own message arrives every pass that could have duplicated the first has run.
  const second = await createCluster(db, { orgId: org.id, name: 'falls-over-later', environment: 'production', createdBy: null });
  if (!second.ok) throw new Error('cluster');
  await db.execute(sql`update clusters set status = 'healthy', last_heartbeat_at = now() - interval '1 hour' where id = ${second.cluster.id}::uuid`);
  await hook.waitFor(2, 30_000);
  await slack.waitFor(2, 30_000);
  await until(async () => {
    const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from notification_messages where status = 'pending'`);
    return row.n === 0;
  }, 'every delivery settled');

  const incidents = await queryRows<{ id: string }>(db, sql`select id from incidents where cluster_id = ${clusterId}::uuid`);
  expect(incidents).toHaveLength(1);
  const transitions = await queryRows<{ kind: string; routed: boolean }>(
    db,
    sql`select kind, routed_at is not null as routed from incident_transitions where incident_id = ${incidents[0].id}::uuid`,
  );
  expect(transitions).toEqual([{ kind: 'opened', routed: true }]);
  const outbox = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from notification_outbox where incident_id = ${incidents[0].id}::uuid`);
  expect(outbox[0].n).toBe(2);
  for (const rx of [hook, slack]) {
    expect(rx.received).toHaveLength(2);
    const first = rx.received.filter((r) => r.body.includes('falls-over') && !r.body.includes('falls-over-later'));
    expect(first).toHaveLength(1);
  }
  const ids = hook.received.map((r) => r.headers.get('x-niro-delivery'));
  expect(new Set(ids).size).toBe(2);
});
