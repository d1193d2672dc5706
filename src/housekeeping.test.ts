// Housekeeping trims what only grows — on Postgres and on the embedded database — and keeps the rest:
// each kind of record just inside its keeping time stays, just outside it goes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createCluster } from './clusters/store';
import { deleteBounded, queryRows, type Db } from './db/client';
import { KEEP_DAYS, runHousekeeping } from './housekeeping';
import { makeOrg, makeUser } from './testing/app';
import { createTestDatabase, type TestDatabase, createTestPglite } from './testing/db';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-12-01T12:00:00Z');
const at = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

async function count(db: Db, table: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.identifier(table)}`);
  return Number(row!.n);
}

/** For each table: one row just inside its keeping time (kept) and one just outside (deleted). */
async function seed(db: Db): Promise<void> {
  const user = await makeUser(db);
  const org = await makeOrg(db, 'Housekeeping', null, { userId: user.id, role: 'owner' });
  const created = await createCluster(db, { orgId: org.id, name: 'hk', environment: 'production', createdBy: null });
  if (!created.ok) throw new Error('cluster');
  const clusterId = created.cluster.id;
  for (const [id, expires] of [
    ['live', at(-1)],
    ['expired', at(0.01)],
  ] as const) {
    await db.execute(sql`insert into sessions (id_hash, user_id, csrf_token, expires_at) values (${id}, ${user.id}, 'x', ${expires}::timestamptz)`);
  }
  for (const [key, start] of [
    ['recent', at(KEEP_DAYS.loginFailures - 0.1)],
    ['old', at(KEEP_DAYS.loginFailures + 0.1)],
  ] as const) {
    await db.execute(
      sql`insert into login_throttle (key, attempts, last_attempt_at, blocked_until) values (${key}, 3, ${start}::timestamptz, ${start}::timestamptz)`,
    );
  }
  const options = JSON.stringify({ follow: true });
  for (const ended of [null, at(KEEP_DAYS.endedLogStreams - 0.1), at(KEEP_DAYS.endedLogStreams + 0.1)]) {
    await db.execute(sql`insert into log_streams (org_id, cluster_id, actor, namespace, pod, container, options, created_at, ended_at)
      values (${org.id}, ${clusterId}, 'a@example.com', 'shop', 'web', 'app', ${options}::jsonb, ${at(30)}::timestamptz, ${ended}::timestamptz)`);
    await db.execute(sql`insert into log_tails (actor, owner_kind, owner_name, cluster_ids, options, created_at, ended_at)
      values ('a@example.com', 'Deployment', 'web', ${`{${clusterId}}`}::uuid[], ${options}::jsonb, ${at(30)}::timestamptz, ${ended}::timestamptz)`);
  }
  for (const when of [at(KEEP_DAYS.timeline - 0.1), at(KEEP_DAYS.timeline + 0.1)]) {
    await db.execute(
      sql`insert into cluster_timeline (cluster_id, at, kind, message) values (${clusterId}, ${when}::timestamptz, 'status', 'Healthy → Warning')`,
    );
  }
  const commands: [string, string][] = [
    [at(KEEP_DAYS.commands - 0.1), 'succeeded'],
    [at(KEEP_DAYS.commands + 0.1), 'succeeded'],
    [at(KEEP_DAYS.commands + 0.1), 'expired'],
    [at(KEEP_DAYS.commands + 0.1), 'queued'],
  ];
  for (const [created, status] of commands) {
    await db.execute(sql`insert into commands (cluster_id, type, payload, summary, created_at, expires_at, status)
      values (${clusterId}, 'ping', '{}'::jsonb, 'ping', ${created}::timestamptz, ${created}::timestamptz, ${status})`);
  }
  // Rollouts: finished ones by when they finished; running and paused ones (one active per org, hence a
  // second org) stay however old. Each has a target, which goes with its rollout.
  const other = await makeOrg(db, 'Housekeeping 2');
  const rollouts: [string, string, string | null][] = [
    [org.id, 'completed', at(KEEP_DAYS.rollouts - 0.1)],
    [org.id, 'completed', at(KEEP_DAYS.rollouts + 0.1)],
    [org.id, 'aborted', at(KEEP_DAYS.rollouts + 0.1)],
    [org.id, 'running', null],
    [other.id, 'paused', null],
  ];
  for (const [orgId, status, finished] of rollouts) {
    const [row] = await queryRows<{ id: string }>(
      db,
      sql`insert into agent_rollouts (org_id, target_version, target_image, status, wave_count, created_at, updated_at, finished_at)
        values (${orgId}, '2.0.0', 'niro/agent:2.0.0', ${status}, 1, ${at(400)}::timestamptz, ${at(400)}::timestamptz, ${finished}::timestamptz) returning id`,
    );
    await db.execute(sql`insert into agent_rollout_targets (rollout_id, cluster_id, wave, state) values (${row!.id}, ${clusterId}, 0, 'waiting')`);
  }
}

function suite(open: () => Promise<{ db: Db; close(): Promise<void> }>) {
  let handle: { db: Db; close(): Promise<void> };
  beforeAll(async () => {
    handle = await open();
    await seed(handle.db);
  }, 120_000);
  afterAll(async () => handle?.close());

  test('old rows go, recent and open ones stay; a second pass finds nothing', async () => {
    const result = await runHousekeeping(handle.db, NOW);
    expect(result).toEqual({
      sessions: 1,
      loginFailures: 1,
      logStreams: 2,
      timeline: 1,
      commands: 2,
      deliveries: 0,
      rollouts: 2,
      deploymentRollouts: 0,
      heals: 0,
    });
    expect(await count(handle.db, 'sessions')).toBe(1);
    expect(await count(handle.db, 'login_throttle')).toBe(1);
    expect(await count(handle.db, 'log_streams')).toBe(2);
    expect(await count(handle.db, 'log_tails')).toBe(2);
    expect(await count(handle.db, 'cluster_timeline')).toBe(1);
    // The queued one is the expiry job's to settle, never deleted underneath it.
    const left = await queryRows<{ status: string }>(handle.db, sql`select status from commands order by status`);
    expect(left.map((r) => r.status)).toEqual(['queued', 'succeeded']);
    const rollouts = await queryRows<{ status: string }>(handle.db, sql`select status from agent_rollouts order by status`);
    expect(rollouts.map((r) => r.status)).toEqual(['completed', 'paused', 'running']);
    expect(await count(handle.db, 'agent_rollout_targets')).toBe(3);
    expect(await runHousekeeping(handle.db, NOW)).toEqual({
      sessions: 0,
      loginFailures: 0,
      logStreams: 0,
      timeline: 0,
      commands: 0,
      deliveries: 0,
      rollouts: 0,
      deploymentRollouts: 0,
      heals: 0,
    });
  });

  test('a backlog is deleted in bounded batches, and only as many as allowed per pass', async () => {
    await handle.db.execute(sql`create table hk_backlog (n int)`);
    await handle.db.execute(sql`insert into hk_backlog select generate_series(1, 250)`);
    expect(await deleteBounded(handle.db, 'hk_backlog', sql`n <= 200`, { batch: 40, batches: 3 })).toBe(120);
    expect(await deleteBounded(handle.db, 'hk_backlog', sql`n <= 200`, { batch: 40, batches: 3 })).toBe(80);
    expect(await count(handle.db, 'hk_backlog')).toBe(50);
  });
}

describe('on Postgres', () => {
  let pg: TestDatabase;
  suite(async () => {
    pg = await createTestDatabase();
    return { db: pg.database.db, close: () => pg.drop() };
  });
});

describe('on PGlite (the embedded database)', () => {
  suite(async () => {
    const pglite = await createTestPglite();
    return { db: pglite.database.db, close: () => pglite.drop() };
  });
});
