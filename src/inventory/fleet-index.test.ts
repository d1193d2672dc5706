// The fleet pod index follows the heartbeat's inventory (new, changed, gone pods, protocol 1, deleted clusters), writes usage only when it moved noticeably, does nothing when nothing changed — on Postgres and on PGlite.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows, type Database, type Db } from '../db/client';
import { createTestDatabase, type TestDatabase, createTestPglite } from '../testing/db';
import { makeHeartbeat, makeHeartbeatV1, makePod } from '../testing/heartbeats';
import { makeFleetPods } from '../testing/pod-fleet';
import type { PodDetail } from '../contract';
import { makeCluster, makeOrg } from '../testing/app';
import { planOf, rowsRead, scansOf } from '../testing/explain';
import { deleteCluster } from '../clusters/store';
import { parseHeartbeat } from '../agents/heartbeat-parse';
import { ingestHeartbeat } from '../agents/heartbeat';
import { indexFleetPods, indexFleetPodsBatch } from './fleet-index';
import { countPodsByStatus, countProblemPods, listPods } from './fleet-pods';
import { runRetention } from './retention';

function snapshot(body: unknown) {
  const parsed = parseHeartbeat(JSON.stringify(body), 5000);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.snapshot;
}

async function newCluster(db: Db, name: string): Promise<string> {
  return (await makeCluster(db, (await makeOrg(db, `org-${name}`)).id, name)).id;
}

async function rows(
  db: Db,
  clusterId: string,
): Promise<{ namespace: string; name: string; status: string; mem_bytes: string | number | null; content_hash: string }[]> {
  return queryRows(
    db,
    sql`select f.namespace, f.name, f.status, u.mem_bytes, f.content_hash from fleet_pods f
        left join fleet_pod_usage u on u.cluster_id = f.cluster_id and u.namespace = f.namespace and u.name = f.name
        where f.cluster_id = ${clusterId} order by f.namespace, f.name`,
  );
}

/** Rows the fleet index (fleet_pods, fleet_pod_usage) gained, changed or lost during `fn`, from Postgres's own counters. */
async function fleetWrites(db: Db, fn: (tx: Db) => Promise<unknown>): Promise<number> {
  const q = sql`select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int as n from pg_stat_xact_user_tables where relname in ('fleet_pods', 'fleet_pod_usage')`;
  return db.transaction(async (tx) => {
    const [before] = await queryRows<{ n: number }>(tx, q);
    await fn(tx);
    const [after] = await queryRows<{ n: number }>(tx, q);
    return Number(after.n) - Number(before.n);
  });
}

describe('on Postgres', () => {
  let testDb: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.database.db;
  });
  afterAll(async () => {
    await testDb.drop();
  });

  test('new, changed and vanished pods follow; status counts follow; a pass with nothing new does nothing', async () => {
    const id = await newCluster(db, 'follow');
    const t0 = Date.now() - 60_000;
    const pods = makeFleetPods(4, 30);
    await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: structuredClone(pods) })), new Date(t0));
    expect(await indexFleetPods(db, { now: new Date(t0 + 1000), usageEverySeconds: 30 })).toMatchObject({ inventory: 1, usage: 0, failed: 0 });
    expect((await rows(db, id)).map((r) => `${r.namespace}/${r.name}`)).toEqual(pods.map((p) => `${p.namespace}/${p.name}`).sort());
    expect(await indexFleetPods(db, { now: new Date(t0 + 2000), usageEverySeconds: 30 })).toEqual({ inventory: 0, usage: 0, failed: 0 });

    // One pod gone, one new, one crash-looping now.
    const next: PodDetail[] = [
      ...pods.slice(1).map((p, i) => (i === 0 ? { ...p, status: 'CrashLoopBackOff', ready: '0/1' } : p)),
      makePod(77, { namespace: 'late', name: 'newcomer' }),
    ];
    await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: structuredClone(next) })), new Date(t0 + 15_000));
    const writes = await fleetWrites(db, (tx) => indexFleetPods(tx, { now: new Date(t0 + 16_000), usageEverySeconds: 30 }));
    // Only the three real changes are written: the new pod and its usage, the changed pod, the gone pod and its usage.
    expect(writes).toBe(5);
    const after = await rows(db, id);
    expect(after.length).toBe(30);
    expect(after.some((r) => r.name === pods[0].name)).toBe(false);
    expect(after.find((r) => r.name === 'newcomer')).toBeDefined();
    expect(after.find((r) => r.name === next[0].name)!.status).toBe('CrashLoopBackOff');
    const counts = await countPodsByStatus(db, { clusterIds: [id] });
    expect(counts.total).toBe(30);
    expect(counts.byStatus.CrashLoopBackOff).toBeGreaterThanOrEqual(1);
  });

  test('usage is refreshed on its own cadence and written only where it moved noticeably', async () => {
    const id = await newCluster(db, 'usage');
    const t0 = Date.now() - 120_000;
    const pods = [makePod(1, { memUsageBytes: 100 * 1024 ** 2 }), makePod(2, { memUsageBytes: 100 * 1024 ** 2 })];
    await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: structuredClone(pods) })), new Date(t0));
    await indexFleetPods(db, { now: new Date(t0 + 1000), usageEverySeconds: 30 });
    // Pod 1 grows by 50 MiB, pod 2 by 4 KiB: same inventory, so this is the usage-only path.
    const moved = [
      { ...pods[0], memUsageBytes: 150 * 1024 ** 2 },
      { ...pods[1], memUsageBytes: 100 * 1024 ** 2 + 4096 },
    ];
    await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: structuredClone(moved) })), new Date(t0 + 15_000));
    // Too soon after the last refresh: nothing.
    expect(await indexFleetPods(db, { now: new Date(t0 + 16_000), usageEverySeconds: 30 })).toEqual({ inventory: 0, usage: 0, failed: 0 });
    const writes = await fleetWrites(db, async (tx) =>
      expect(await indexFleetPods(tx, { now: new Date(t0 + 40_000), usageEverySeconds: 30 })).toEqual({ inventory: 0, usage: 1, failed: 0 }),
    );
    expect(writes).toBe(1);
    const r = await rows(db, id);
    expect(Number(r.find((x) => x.name === pods[0].name)!.mem_bytes)).toBe(150 * 1024 ** 2);
    expect(Number(r.find((x) => x.name === pods[1].name)!.mem_bytes)).toBe(100 * 1024 ** 2);

    // metrics-server gone: the beat brings no sample at all; the older sample must not stand in for it.
    const bare = makeHeartbeat({ pods: moved.map((p) => ({ ...p, usageAvailable: false })), nodes: [] });
    await ingestHeartbeat(db, id, snapshot(bare), new Date(t0 + 60_000));
    await indexFleetPods(db, { now: new Date(t0 + 61_000), usageEverySeconds: 30 });
    expect((await rows(db, id)).map((x) => x.mem_bytes)).toEqual([null, null]);
    // Same inventory again but still no sample: the usage-only path clears nothing back in.
    await ingestHeartbeat(db, id, snapshot(bare), new Date(t0 + 100_000));
    await indexFleetPods(db, { now: new Date(t0 + 101_000), usageEverySeconds: 30 });
    expect((await rows(db, id)).map((x) => x.mem_bytes)).toEqual([null, null]);
  });

  test('a protocol-1 downgrade empties the cluster’s rows; a deleted cluster takes its rows along', async () => {
    const id = await newCluster(db, 'downgrade');
    const t0 = Date.now() - 60_000;
    await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: makeFleetPods(6, 10) })), new Date(t0));
    await indexFleetPods(db, { now: new Date(t0 + 1000), usageEverySeconds: 30 });
    expect((await rows(db, id)).length).toBe(10);
    await ingestHeartbeat(db, id, snapshot(makeHeartbeatV1()), new Date(t0 + 15_000));
    await indexFleetPods(db, { now: new Date(t0 + 16_000), usageEverySeconds: 30 });
    expect((await rows(db, id)).length).toBe(0);
    expect((await countPodsByStatus(db, { clusterIds: [id] })).total).toBe(0);

    const gone = await newCluster(db, 'deleted');
    await ingestHeartbeat(db, gone, snapshot(makeHeartbeat({ pods: makeFleetPods(7, 10) })), new Date(t0));
    await indexFleetPods(db, { now: new Date(t0 + 1000), usageEverySeconds: 30 });
    const [cluster] = await queryRows<{ id: string; org_id: string; agent_key_public_id: string | null; name: string }>(
      db,
      sql`select id, org_id, agent_key_public_id, name from clusters where id = ${gone}`,
    );
    await deleteCluster(db, { id: cluster.id, agentKeyPublicId: cluster.agent_key_public_id, name: cluster.name } as Parameters<typeof deleteCluster>[1]);
    expect((await rows(db, gone)).length).toBe(0);
  });
  test('a batch takes whole clusters up to its pod budget, new inventories first, in one statement per kind', async () => {
    const t0 = Date.now() - 120_000;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await newCluster(db, `batch-${i}`);
      await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: makeFleetPods(20 + i, 10) })), new Date(t0));
      ids.push(id);
    }
    // 25 pods' budget: two 10-pod clusters fit, the third would cross it.
    const first = await indexFleetPodsBatch(db, { now: new Date(t0 + 1000), usageEverySeconds: 30, onlyClusterIds: ids, maxPods: 25 });
    expect(first).toEqual({ inventory: 3, usage: 0, failed: 0, more: true });
    const second = await indexFleetPodsBatch(db, { now: new Date(t0 + 1000), usageEverySeconds: 30, onlyClusterIds: ids, maxPods: 25 });
    expect(second).toEqual({ inventory: 2, usage: 0, failed: 0, more: false });
    for (const id of ids) expect((await rows(db, id)).length).toBe(10);
    // Each cluster's own counts, not the batch's.
    expect((await countPodsByStatus(db, { clusterIds: [ids[0]] })).total).toBe(10);

    // Usage due everywhere and one cluster's inventory changed: the changed one comes first.
    await ingestHeartbeat(db, ids[3], snapshot(makeHeartbeat({ pods: makeFleetPods(99, 10) })), new Date(t0 + 60_000));
    for (const id of [ids[0], ids[1]])
      await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: makeFleetPods(ids.indexOf(id) + 20, 10, 1) })), new Date(t0 + 60_000));
    const third = await indexFleetPodsBatch(db, { now: new Date(t0 + 61_000), usageEverySeconds: 30, onlyClusterIds: ids, maxPods: 15 });
    expect(third).toEqual({ inventory: 1, usage: 1, failed: 0, more: true });
    expect((await rows(db, ids[3])).map((r) => r.name).sort()).toEqual(
      makeFleetPods(99, 10)
        .map((p) => p.name)
        .sort(),
    );
    expect(await indexFleetPods(db, { now: new Date(t0 + 61_000), usageEverySeconds: 30, onlyClusterIds: ids })).toEqual({ inventory: 0, usage: 1, failed: 0 });
  });

  test('the problem count under a status filter is answered from its index alone', async () => {
    const id = await newCluster(db, 'problem-status');
    await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: makeFleetPods(8, 300) })), new Date());
    expect(await indexFleetPods(db, { now: new Date(), usageEverySeconds: 30 })).toMatchObject({ inventory: 1, failed: 0 });
    // Vacuumed, so the visibility map lets an index-only scan skip the rows (not analyzed: the next test wants no statistics).
    await db.execute(sql`vacuum fleet_pods`);
    const [{ orgId }] = await queryRows<{ orgId: string }>(db, sql`select org_id as "orgId" from clusters where id = ${id}`);
    const counts = await countPodsByStatus(db, { orgIds: [orgId] });
    // A status some problem pods have (a crash-looping one, say), so the count has rows to find.
    const problemsBy = await Promise.all(
      Object.keys(counts.byStatus).map(async (s) => [s, await countProblemPods(db, { orgIds: [orgId], status: s })] as const),
    );
    const [status, problems] = problemsBy.reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(problems).toBeGreaterThan(0);
    // With every other way of reading the table off, the plan shows whether the index holds all the count needs.
    const plan = await planOf(db, (d) => countProblemPods(d, { orgIds: [orgId], status }), {
      settings: { enable_seqscan: 'off', enable_bitmapscan: 'off' },
      answer: [{ n: 0 }],
    });
    // An index-only scan is possible only because the index holds the status (without it: an index scan). How many
    // rows it still fetched depends on the visibility map, which a concurrent snapshot elsewhere on a busy server can
    // keep from being set: not asserted.
    expect(scansOf(plan, 'fleet_pods').map((s) => [s.type, s.index])).toEqual([['Index Only Scan', 'fleet_pods_problem_count_idx']]);
  });

  test('a page sorted by anything but usage looks usage up for its own rows only, whatever the planner estimates', async () => {
    const id = await newCluster(db, 'page-cut');
    await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: makeFleetPods(6, 300) })), new Date());
    expect(await indexFleetPods(db, { now: new Date(), usageEverySeconds: 30 })).toMatchObject({ inventory: 1, failed: 0 });
    const usage = new Map((await rows(db, id)).map((r) => [`${r.namespace}/${r.name}`, r.mem_bytes === null ? null : Number(r.mem_bytes)]));
    // Never analyzed, as on a server without autovacuum: the planner guesses.
    for (const sort of ['name', 'restarts', 'age'] as const) {
      const plan = await planOf(db, (d) => listPods(d, { clusterIds: [id] }, { sort, limit: 50 }));
      expect({ sort, usageRowsRead: rowsRead(plan, 'fleet_pod_usage') }).toEqual({ sort, usageRowsRead: 51 });
      // And the page itself is right: 50 of the 300, each with its own usage (none for a pod that has none).
      const page = await listPods(db, { clusterIds: [id] }, { sort, limit: 50 });
      expect(page.rows.length).toBe(50);
      const got = page.rows.map((r) => [`${r.namespace}/${r.name}`, r.memBytes]);
      expect(got.filter(([, mem]) => mem !== null).length).toBeGreaterThan(0);
      const stored = (key: string): number | null | 'missing' => (usage.has(key) ? usage.get(key)! : 'missing');
      expect(got).toEqual(page.rows.map((r) => [`${r.namespace}/${r.name}`, stored(`${r.namespace}/${r.name}`)]));
    }
  });
  test('a batch looks pods up through their indexes even where the planner believes the index tables empty (a first wave, an index just emptied)', async () => {
    const fresh = await createTestDatabase();
    try {
      const fdb = fresh.database.db;
      const org = await makeOrg(fdb, 'wave');
      const at = Date.now() - 60_000;
      for (let i = 0; i < 20; i++) {
        const id = (await makeCluster(fdb, org.id, `wave-${i}`)).id;
        await ingestHeartbeat(fdb, id, snapshot(makeHeartbeat({ pods: makeFleetPods(i, 30) })), new Date(at));
      }
      // Emptied, as the cold phase of the scale benchmark does, and analyzed while empty, as autovacuum may just then:
      // the planner is sure the index tables hold nothing.
      await indexFleetPods(fdb, { now: new Date(at + 1000), usageEverySeconds: 30 });
      await fdb.execute(sql`truncate fleet_pod_usage, fleet_pods, fleet_pod_state, fleet_pod_org_counts`);
      await fdb.execute(sql`analyze fleet_pod_usage, fleet_pods, fleet_pod_state`);
      const seqScans = sql`select coalesce(sum(seq_scan), 0)::int as n from pg_stat_xact_user_tables where relname in ('fleet_pods', 'fleet_pod_usage', 'cluster_pods')`;
      const scans = await fdb.transaction(async (tx) => {
        const [before] = await queryRows<{ n: number }>(tx, seqScans);
        expect(await indexFleetPodsBatch(tx, { now: new Date(at + 2000), usageEverySeconds: 30 })).toMatchObject({ inventory: 20, failed: 0, more: false });
        const [after] = await queryRows<{ n: number }>(tx, seqScans);
        return Number(after.n) - Number(before.n);
      });
      expect(scans).toBe(0);
      expect(Number((await queryRows<{ n: number }>(fdb, sql`select count(*)::int as n from fleet_pods`))[0].n)).toBe(600);
    } finally {
      await fresh.drop();
    }
  });
});

describe('on PGlite (the embedded database)', () => {
  let pglite: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    pglite = await createTestPglite();
    database = pglite.database;
  }, 120_000);
  afterAll(async () => {
    await pglite?.drop();
  });

  test('index, trigram search, sorts, rollups and pruning run the same', async () => {
    const db = database.db;
    const id = await newCluster(db, 'embedded');
    const start = Date.now() - 40 * 60_000;
    for (let i = 0; i < 4; i++) await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: makeFleetPods(3, 40, i) })), new Date(start + i * 10 * 60_000));
    expect(await indexFleetPods(db, { now: new Date(), usageEverySeconds: 30 })).toMatchObject({ inventory: 1, failed: 0 });
    const found = await listPods(db, { clusterIds: [id], q: 'coredns' }, { sort: 'memory', limit: 10 });
    expect(found.rows.length).toBe(1);
    expect(found.rows[0].ownerName).toBe('coredns');
    const page = await listPods(db, { clusterIds: [id] }, { sort: 'cpu', limit: 15 });
    const rest = await listPods(db, { clusterIds: [id] }, { sort: 'cpu', limit: 50, after: page.next! });
    expect(page.rows.length + rest.rows.length).toBe(40);
    const r = await runRetention(db, new Date());
    expect(r.rolledUp).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
