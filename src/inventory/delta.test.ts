// Delta heartbeats (protocol 6) over HTTP on real Postgres: a delta on the acknowledged generation stores exactly
// what the equivalent full beat stores (same rows, same usage, same generation); an unknown base, misaligned usage
// or a truncated delta is answered 200 with fullInventory (the beat's other facts stored, the pods untouched); pods
// beside a delta are refused naming the field; protocol 5 gets no generation.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { createLogger } from '../log';
import type { HeartbeatResponse, HeartbeatV2, PodDelta, PodDetail } from '../contract';
import { TEST_ORIGIN, apiClient, createApp, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makePods, sendHeartbeat } from '../testing/heartbeats';
import { readStoredInventory } from './delta';
import { latestPodUsage } from './usage';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
beforeAll(async () => {
  t = await startTestApp({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
  const user = await makeUser(t.db);
  const orgId = (await makeOrg(t.db, 'Delta Org', null, { userId: user.id, role: 'owner' })).id;
  api = await apiClient(t, await signIn(t, user));
  expect(orgId).toBeTruthy();
});
afterAll(async () => {
  await t.close();
});

const key = (p: { namespace: string; name: string }): string => `${p.namespace}/${p.name}`;
const sorted = (pods: PodDetail[]): PodDetail[] => [...pods].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

async function beat(agentKey: string, body: HeartbeatV2): Promise<HeartbeatResponse> {
  const res = await sendHeartbeat(t, agentKey, body);
  expect(res.status).toBe(200);
  return (await res.json()) as HeartbeatResponse;
}

/** A delta beat: `pods` is the whole new list (for the counts and usage arrays), `delta` what differs. */
function deltaBeat(pods: PodDetail[], delta: Omit<PodDelta, 'cpuMilli' | 'memBytes'>, usage?: Pick<PodDelta, 'cpuMilli' | 'memBytes'>): HeartbeatV2 {
  const list = sorted(pods);
  const body = makeHeartbeat({ pods: list });
  body.pods = [];
  body.inventory = {
    ...structuredClone(delta),
    cpuMilli: usage?.cpuMilli ?? list.map((p) => p.cpuUsageMilli),
    memBytes: usage?.memBytes ?? list.map((p) => p.memUsageBytes),
  };
  return body;
}

/** The stored inventory as key → pod detail (no usage). */
async function stored(clusterId: string): Promise<Map<string, unknown>> {
  const inv = await readStoredInventory(t.db, clusterId);
  return new Map(inv.pods.map((p) => [p.key, JSON.parse(p.json)]));
}

describe('delta heartbeats', () => {
  test('a delta on the acknowledged generation stores what the equivalent full beat stores', async () => {
    const a = await createEnrolledCluster(t, api, { name: 'delta-a' });
    const b = await createEnrolledCluster(t, api, { name: 'delta-b' });
    const first = sorted(makePods(30, 0));
    const ackA = await beat(a.agentKey, makeHeartbeat({ pods: structuredClone(first) }));
    const ackB = await beat(b.agentKey, makeHeartbeat({ pods: structuredClone(first) }));
    expect(ackA.inventoryGeneration).toBeString();
    expect(ackA.inventoryGeneration).toBe(ackB.inventoryGeneration!);
    expect(ackA.fullInventory).toBeUndefined();

    // Pod 3 restarts, pod 5 goes, a new pod comes; every pod's usage moves.
    const next = makePods(31, 1).filter((p) => p.name !== first[5]!.name);
    const restarted = next.find((p) => p.name === first[3]!.name)!;
    restarted.restarts += 2;
    const added = next.find((p) => !first.some((f) => key(f) === key(p)))!;
    const ack2A = await beat(
      a.agentKey,
      deltaBeat(next, { base: ackA.inventoryGeneration!, changed: [restarted, added], removed: [{ namespace: first[5]!.namespace, name: first[5]!.name }] }),
    );
    const ack2B = await beat(b.agentKey, makeHeartbeat({ pods: sorted(structuredClone(next)) }));
    expect(ack2A.fullInventory).toBeUndefined();
    expect(ack2A.inventoryGeneration).toBe(ack2B.inventoryGeneration!);
    expect(ack2A.inventoryGeneration).not.toBe(ackA.inventoryGeneration!);
    const storedA = await stored(a.clusterId);
    expect(storedA).toEqual(await stored(b.clusterId));
    expect([...storedA.keys()].sort()).toEqual(next.map(key).sort());
    const usageA = await latestPodUsage(t.db, a.clusterId, added.namespace, added.name);
    expect(usageA).toMatchObject({ cpuMilli: added.cpuUsageMilli, memBytes: added.memUsageBytes });
    expect(await latestPodUsage(t.db, a.clusterId, restarted.namespace, restarted.name)).toMatchObject({ cpuMilli: restarted.cpuUsageMilli });

    // An empty delta keeps the generation (the one-statement path) and still records usage.
    const third = makePods(31, 2).filter((p) => p.name !== first[5]!.name);
    third.find((p) => p.name === first[3]!.name)!.restarts += 2;
    const ack3 = await beat(a.agentKey, deltaBeat(third, { base: ack2A.inventoryGeneration!, changed: [], removed: [] }));
    expect(ack3.inventoryGeneration).toBe(ack2A.inventoryGeneration!);
    const p0 = sorted(third)[0]!;
    expect(await latestPodUsage(t.db, a.clusterId, p0.namespace, p0.name)).toMatchObject({ cpuMilli: p0.cpuUsageMilli });
    expect(await stored(a.clusterId)).toEqual(storedA);
  });

  test('the usual delta is one statement; a stored key set that does not fit takes the full path', async () => {
    const c = await createEnrolledCluster(t, api, { name: 'delta-statements' });
    const first = makePods(12, 0);
    const full = makeHeartbeat({ pods: sorted(first) });
    const ack = await beat(c.agentKey, full);
    // A second app over a pool whose statements are counted (postgres.js's debug hook sees every one sent; the
    // array-type lookup it makes once per new connection is the driver's, not the beat's).
    const statements: string[] = [];
    const client = postgres(t.testDb.url, {
      max: 2,
      onnotice: () => {},
      debug: (_conn, query) => void (query.includes('pg_catalog.pg_type') || statements.push(query)),
    });
    const counted = createApp({ db: drizzle(client) as unknown as Db, bus: t.bus, config: t.config, log: createLogger('error', () => {}) });
    const countedApp = { ...t, request: (path: string, init?: RequestInit) => counted.handle(new Request(TEST_ORIGIN + path, init)) } as TestApp;
    const countedBeat = async (body: HeartbeatV2): Promise<{ answer: HeartbeatResponse; statements: string[] }> => {
      statements.length = 0;
      const res = await sendHeartbeat(countedApp, c.agentKey, body);
      expect(res.status).toBe(200);
      // The agent's key is looked up once in a while (the replica caches it): not counted.
      return { answer: (await res.json()) as HeartbeatResponse, statements: statements.filter((q) => !q.includes('agent_key_hash')) };
    };
    try {
      // Usage moved, nothing else: one statement stores the beat and its usage sample and reads the answer.
      const second = makePods(12, 1);
      const usual = await countedBeat(deltaBeat(second, { base: ack.inventoryGeneration!, changed: [], removed: [] }));
      expect(usual.answer.inventoryGeneration).toBe(ack.inventoryGeneration!);
      expect(usual.answer.commandsPending).toBe(false);
      expect(usual.statements.length).toBe(1);
      expect(usual.statements[0]).toContain('insert into usage_samples');
      const p3 = sorted(second)[3]!;
      expect(await latestPodUsage(t.db, c.clusterId, p3.namespace, p3.name)).toMatchObject({ cpuMilli: p3.cpuUsageMilli, memBytes: p3.memUsageBytes });

      // The stored key set no longer fits the pods (as when it was written while no metrics came, before the
      // cluster's key set always followed its pods): the one statement refuses, the full path rebuilds the list
      // from the stored pods and the sample follows the right keys.
      await queryRows(
        t.db,
        sql`with old as (select k.* from usage_key_sets k join clusters c on c.usage_keys_id = k.id where c.id = ${c.clusterId}),
                stale as (insert into usage_key_sets (id, cluster_id, pod_keys, node_keys) select 'stale-' || id, cluster_id, pod_keys[1:11], node_keys from old returning id)
            update clusters set usage_keys_id = (select id from stale) where id = ${c.clusterId}`,
      );
      const third = makePods(12, 2);
      const doubt = await countedBeat(deltaBeat(third, { base: ack.inventoryGeneration!, changed: [], removed: [] }));
      expect(doubt.answer.inventoryGeneration).toBe(ack.inventoryGeneration!);
      expect(doubt.statements.length).toBeGreaterThan(1);
      for (const p of sorted(third))
        expect(await latestPodUsage(t.db, c.clusterId, p.namespace, p.name)).toMatchObject({ cpuMilli: p.cpuUsageMilli, memBytes: p.memUsageBytes });
      // …after which the usual delta is one statement again.
      const fourth = makePods(12, 3);
      expect((await countedBeat(deltaBeat(fourth, { base: ack.inventoryGeneration!, changed: [], removed: [] }))).statements.length).toBe(1);
    } finally {
      await client.end({ timeout: 1 });
    }
  });

  test('unknown base, misaligned usage or a truncated delta: 200 with fullInventory, the pods untouched, the beat counted', async () => {
    const c = await createEnrolledCluster(t, api, { name: 'delta-doubt' });
    const pods = sorted(makePods(10, 0));
    const ack = await beat(c.agentKey, makeHeartbeat({ pods: structuredClone(pods) }));
    const before = await stored(c.clusterId);
    const moved = structuredClone(pods[0]!);
    moved.restarts = 9;

    const cases: HeartbeatV2[] = [
      deltaBeat(pods, { base: 'not-a-generation', changed: [moved], removed: [] }),
      deltaBeat(pods, { base: ack.inventoryGeneration!, changed: [moved], removed: [] }, { cpuMilli: [1], memBytes: [1] }),
      { ...deltaBeat(pods, { base: ack.inventoryGeneration!, changed: [moved], removed: [] }), podsTruncated: true },
      // An empty delta tries the one-statement path first; misaligned usage falls through to the same answer.
      deltaBeat(pods, { base: ack.inventoryGeneration!, changed: [], removed: [] }, { cpuMilli: [1, 2], memBytes: [1, 2] }),
      deltaBeat(pods, { base: 'not-a-generation', changed: [], removed: [] }),
    ];
    for (const body of cases) {
      body.agentVersion = '0.6.1';
      const answer = await beat(c.agentKey, body);
      expect(answer.fullInventory).toBe(true);
      expect(answer.inventoryGeneration).toBeUndefined();
      expect(await stored(c.clusterId)).toEqual(before);
    }
    // The other facts of the beat were stored (the agent version moved).
    const cluster = (await (await api.call('GET', `/v1/clusters/${c.clusterId}`)).json()) as { agent: { version: string } };
    expect(cluster.agent.version).toBe('0.6.1');

    // The full beat that follows is acknowledged again.
    const full = await beat(c.agentKey, makeHeartbeat({ pods: structuredClone(pods) }));
    expect(full.inventoryGeneration).toBeString();
    expect(full.fullInventory).toBeUndefined();
  });

  test('pods beside a delta are refused naming the field; protocol 5 gets no generation', async () => {
    const c = await createEnrolledCluster(t, api, { name: 'delta-bad' });
    const pods = makePods(3, 0);
    const body = deltaBeat(pods, { base: 'x', changed: [], removed: [] });
    body.pods = structuredClone(pods);
    const res = await sendHeartbeat(t, c.agentKey, body);
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('invalid_heartbeat');
    expect(error.message).toStartWith('pods:');

    const bad = deltaBeat(pods, { base: 'x', changed: [], removed: [] });
    (bad.inventory as unknown as { cpuMilli: unknown[] }).cpuMilli = [-1];
    const refused = await sendHeartbeat(t, c.agentKey, bad);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toStartWith('inventory.cpuMilli.0');

    const old = await beat(c.agentKey, makeHeartbeat({ pods, protocol: 5 }));
    expect(old.inventoryGeneration).toBeUndefined();
  });
});
