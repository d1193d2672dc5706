// Usage history retention: 10-minute rollups (CPU average, memory peak), samples past the org plan's window gone after a pass, a plan change moving the window, unused key sets collected, one replica per pass, deletes by index range.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { LOCKS, queryRows, runExclusive, type Db } from '../db/client';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makePod } from '../testing/heartbeats';
import { parseHeartbeat } from '../agents/heartbeat-parse';
import { ingestHeartbeat } from '../agents/heartbeat';
import type { PodDetail } from '../contract';
import { runRetention, type RetentionResult } from './retention';

type Api = Awaited<ReturnType<typeof apiClient>>;
type Metrics = {
  plan: string;
  retentionFrom: string;
  from: string;
  source: string;
  stepSeconds: number;
  points: { t: string; cpuMilli: number | null; memBytes: number | null }[];
};

const MiB = 1024 ** 2;
const HOUR = 3600_000;

let t: TestApp;
let api: Api;
let orgId: string;

beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  orgId = (await makeOrg(t.db, 'Retention Org', null, { userId: user.id, role: 'owner' })).id;
  api = await apiClient(t, await signIn(t, user));
});
afterAll(async () => {
  await t.close();
});

/** Ingests a heartbeat of `pods` at `at` through the real ingest path (as the HTTP handler does). */
async function beatAt(clusterId: string, pods: PodDetail[], at: Date): Promise<void> {
  const parsed = parseHeartbeat(JSON.stringify(makeHeartbeat({ pods })), 5000);
  if (!parsed.ok) throw new Error(parsed.message);
  const res = await ingestHeartbeat(t.db, clusterId, parsed.snapshot, at);
  expect(res.ok).toBe(true);
}

/** runRetention under LOCKS.pruneJob, as the job takes it; null when another replica holds the lock. */
async function runRetentionExclusive(db: Db, now: Date): Promise<RetentionResult | null> {
  let result: RetentionResult | null = null;
  await runExclusive(db, LOCKS.pruneJob, async (tx) => {
    result = await runRetention(tx, now);
  });
  return result;
}

async function count(db: Db, query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, query);
  return Number(row.n);
}

async function metrics(clusterId: string, pod: PodDetail, query: string): Promise<Metrics> {
  const res = await api.call('GET', `/v1/clusters/${clusterId}/pods/${pod.namespace}/${pod.name}/metrics?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Metrics;
}

test('rollups keep each 10-minute bucket’s CPU average and memory peak per pod', async () => {
  const { clusterId } = await createEnrolledCluster(t, api, { name: 'rollup-math', orgId });
  const start = new Date(Math.floor((Date.now() - 2 * HOUR) / 600_000) * 600_000);
  const pod = makePod(1);
  // Three beats in the first bucket: CPU 10, 20, 60 (average 30); memory 100, 300, 200 MiB (peak 300).
  const beats: [number, number, number][] = [
    [0, 10, 100],
    [60, 20, 300],
    [120, 60, 200],
  ];
  for (const [s, cpu, mem] of beats) await beatAt(clusterId, [{ ...pod, cpuUsageMilli: cpu, memUsageBytes: mem * MiB }], new Date(start.getTime() + s * 1000));
  // A beat in the next bucket closes the first one.
  await beatAt(clusterId, [{ ...pod, cpuUsageMilli: 5, memUsageBytes: 50 * MiB }], new Date(start.getTime() + 700_000));
  const r = await runRetention(t.db, new Date(start.getTime() + 25 * 60_000));
  expect(r.rolledUp).toBe(2);
  const [row] = await queryRows<{ at: Date | string; cpu: number; mem: string | number; samples: number }>(
    t.db,
    sql`select r.at, r.pod_cpu[array_position(k.pod_keys, ${`${pod.namespace}/${pod.name}`})] as cpu, r.pod_mem[array_position(k.pod_keys, ${`${pod.namespace}/${pod.name}`})] as mem, r.samples
        from usage_rollups r join usage_key_sets k on k.id = r.keys_id where r.cluster_id = ${clusterId} order by r.at limit 1`,
  );
  expect(new Date(row.at).getTime()).toBe(start.getTime());
  expect({ cpu: Number(row.cpu), mem: Number(row.mem), samples: Number(row.samples) }).toEqual({ cpu: 30, mem: 300 * MiB, samples: 3 });
  // A second pass writes nothing new.
  expect((await runRetention(t.db, new Date(start.getTime() + 25 * 60_000))).rolledUp).toBe(0);
});

test('samples older than the plan window disappear after a pass; changing the plan changes the window', async () => {
  const { clusterId } = await createEnrolledCluster(t, api, { name: 'history', orgId });
  const now = new Date();
  const base = [makePod(1), makePod(2), makePod(3)];
  const visitor = makePod(9, { name: 'short-lived' });
  // Three days of history, a beat every 10 minutes; a fourth pod exists only from 60 h to 50 h ago.
  for (let h = 72; h >= 0; h -= 1 / 6) {
    const at = new Date(now.getTime() - h * HOUR);
    const pods = h <= 60 && h > 50 ? [...base, visitor] : base;
    await beatAt(
      clusterId,
      pods.map((p, i) => ({ ...p, memUsageBytes: (100 + i) * MiB + Math.round(h * 10) * 4096 })),
      at,
    );
  }
  const target = base[0];
  const keySetsBefore = await count(t.db, sql`select count(*)::int as n from usage_key_sets where cluster_id = ${clusterId}`);
  expect(keySetsBefore).toBe(2);

  // Pro: 7 days. Raw samples go after a day (their buckets are rolled up); three days of rollups stay.
  expect((await api.call('PATCH', `/v1/orgs/${orgId}`, { plan: 'pro' })).status).toBe(200);
  const pro = await runRetentionExclusive(t.db, now);
  expect(pro).not.toBeNull();
  expect(pro!.samplesDeleted).toBeGreaterThan(0);
  expect(pro!.rollupsDeleted).toBe(0);
  expect(
    await count(
      t.db,
      sql`select count(*)::int as n from usage_samples where cluster_id = ${clusterId} and at < ${new Date(now.getTime() - 24 * HOUR).toISOString()}::timestamptz`,
    ),
  ).toBe(0);
  expect(
    await count(
      t.db,
      sql`select count(*)::int as n from usage_rollups where cluster_id = ${clusterId} and at < ${new Date(now.getTime() - 70 * HOUR).toISOString()}::timestamptz`,
    ),
  ).toBeGreaterThan(0);
  const week = await metrics(clusterId, target, `from=${Math.floor(now.getTime() / 1000) - 3 * 86400}`);
  expect(week.plan).toBe('pro');
  expect(week.source).toBe('rollup');
  expect(Date.parse(week.points[0].t)).toBeLessThan(now.getTime() - 70 * HOUR);
  expect(Date.parse(week.points[week.points.length - 1].t)).toBeGreaterThan(now.getTime() - HOUR);
  // The short-lived pod's raw key set went with the last raw sample pointing to it; its rollups' key set stays.
  const keySets = (rollup: boolean) =>
    count(t.db, sql`select count(*)::int as n from usage_key_sets where cluster_id = ${clusterId} and (id like 'rollup:%') = ${rollup}`);
  expect(await keySets(false)).toBe(1);
  expect(await keySets(true)).toBe(2);

  // Free: 24 hours. The next pass deletes older rollups and the key sets nothing points to any more.
  expect((await api.call('PATCH', `/v1/orgs/${orgId}`, { plan: 'free' })).status).toBe(200);
  const free = await runRetentionExclusive(t.db, now);
  expect(free!.rollupsDeleted).toBeGreaterThan(0);
  expect(free!.keySetsDeleted).toBeGreaterThan(0);
  const cutoff = new Date(now.getTime() - 24 * HOUR).toISOString();
  expect(await count(t.db, sql`select count(*)::int as n from usage_rollups where cluster_id = ${clusterId} and at < ${cutoff}::timestamptz`)).toBe(0);
  expect(await count(t.db, sql`select count(*)::int as n from usage_samples where cluster_id = ${clusterId} and at < ${cutoff}::timestamptz`)).toBe(0);
  // The visitor's rollup key set went with the last rollup pointing to it.
  expect(await keySets(false)).toBe(1);
  expect(await keySets(true)).toBe(1);
  const day = await metrics(clusterId, target, `from=${Math.floor(now.getTime() / 1000) - 3 * 86400}`);
  expect(day.plan).toBe('free');
  expect(Date.parse(day.retentionFrom)).toBeGreaterThanOrEqual(now.getTime() - 24 * HOUR - 60_000);
  expect(Date.parse(day.points[0].t)).toBeGreaterThanOrEqual(now.getTime() - 24 * HOUR - 600_000);
  // Within a day, raw samples at a fine step.
  const hour = await metrics(clusterId, target, `from=${Math.floor(now.getTime() / 1000) - 3600}&step=60`);
  expect(hour.source).toBe('raw');
  expect(hour.stepSeconds).toBe(60);
  expect(hour.points.length).toBeGreaterThanOrEqual(6);
  expect(hour.points.every((p) => p.memBytes !== null && p.memBytes >= 100 * MiB)).toBe(true);
});

test('exactly one replica runs a pass: the others find the lock taken and skip it', async () => {
  await t.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCKS.pruneJob})`);
    // Another connection of the pool, as another replica would be.
    expect(await runRetentionExclusive(t.db, new Date())).toBeNull();
  });
  expect(await runRetentionExclusive(t.db, new Date())).not.toBeNull();
});

test('pruning deletes by (cluster_id, at) range on the primary keys', async () => {
  const plans = await t.db.transaction(async (tx) => {
    // Tiny test tables favour a scan; with scans priced out, the plan shows the index range the statement can use.
    await tx.execute(sql`set local enable_seqscan = off`);
    const out: string[] = [];
    for (const table of ['usage_samples', 'usage_rollups']) {
      const rows = await queryRows<Record<string, string>>(
        tx,
        sql.raw(`explain delete from ${table} where cluster_id = any('{00000000-0000-4000-8000-000000000000}'::uuid[]) and at < now() - interval '1 day'`),
      );
      out.push(rows.map((r) => Object.values(r)[0]).join('\n'));
    }
    return out;
  });
  expect(plans[0]).toContain('usage_samples_cluster_id_at_pk');
  expect(plans[1]).toContain('usage_rollups_cluster_id_at_pk');
  for (const p of plans) expect(p).toMatch(/Index Cond: .*cluster_id = ANY.*at < /s);
});
