// Heartbeat storage on real Postgres: the snapshot stored by difference, constant rows per unchanged beat, protocol 1, events and capabilities on the timeline.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makeHeartbeatV1, makePod, makePods, sendHeartbeat } from '../testing/heartbeats';
import { parseHeartbeat } from '../agents/heartbeat-parse';
import { ingestHeartbeat } from '../agents/heartbeat';
import { PROTOCOL } from '../contract';

type Api = Awaited<ReturnType<typeof apiClient>>;

async function setup(overrides: Parameters<typeof startTestApp>[0] = {}): Promise<{ t: TestApp; api: Api; orgId: string }> {
  const t = await startTestApp(overrides);
  const user = await makeUser(t.db);
  const orgId = (await makeOrg(t.db, 'Beat Org', null, { userId: user.id, role: 'owner' })).id;
  return { t, api: await apiClient(t, await signIn(t, user)), orgId };
}

type ClusterJson = {
  status: string;
  pods: { total: number; listed: number; truncated: boolean; running: number; listAvailable: boolean };
  nodes: { total: number; ready: number };
  agent: { version: string };
  lastHeartbeatAt: string | null;
  cpu: { usageMilli: number | null };
};

let t: TestApp;
let api: Api;
beforeAll(async () => {
  ({ t, api } = await setup({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 }));
});
afterAll(async () => {
  await t.close();
});

async function cluster(id: string): Promise<ClusterJson> {
  return (await (await api.call('GET', `/v1/clusters/${id}`)).json()) as ClusterJson;
}

async function count(db: Db, query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, query);
  return Number(row.n);
}

const WRITES = sql`select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int as n from pg_stat_xact_user_tables where schemaname = 'public'`;

/**
 * Rows inserted + updated + deleted in our tables by `fn`, from Postgres's own counters. The xact
 * view can still hold this backend's unflushed counts of earlier transactions, so it is read twice
 * inside one transaction and the difference taken (counters are not flushed mid-transaction).
 */
async function rowsWrittenBy(db: Db, fn: (tx: Db) => Promise<unknown>): Promise<number> {
  return db.transaction(async (tx) => {
    const before = await count(tx, WRITES);
    await fn(tx);
    return (await count(tx, WRITES)) - before;
  });
}

function snapshotOf(body: unknown) {
  const parsed = parseHeartbeat(JSON.stringify(body), 5000);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.snapshot;
}

describe('storing a heartbeat', () => {
  test('N pods are stored, the cluster turns Healthy with its counts; the response steers the agent', async () => {
    const c = await createEnrolledCluster(t, api, { name: 'store-n' });
    const res = await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: makePods(120) }));
    expect(res.status).toBe(200);
    const out = (await res.json()) as { nextIntervalSeconds: number; commandsPending: boolean; serverTime: string; maxPods: number };
    expect(out.nextIntervalSeconds).toBe(t.config.heartbeatIntervalSeconds);
    expect(out.commandsPending).toBe(false);
    expect(Math.abs(new Date(out.serverTime).getTime() - Date.now())).toBeLessThan(60_000);
    expect(await count(t.db, sql`select count(*)::int as n from cluster_pods where cluster_id = ${c.clusterId}`)).toBe(120);
    const cl = await cluster(c.clusterId);
    expect(cl.status).toBe('healthy');
    expect(cl.pods).toMatchObject({ total: 120, listed: 120, running: 120, truncated: false, listAvailable: true });
    expect(cl.nodes).toEqual({ total: 3, ready: 3 });
    expect(cl.cpu.usageMilli).toBe(1200 * 3 + 3);
    const nodes = (await (await api.call('GET', `/v1/clusters/${c.clusterId}/nodes`)).json()) as {
      nodes: { name: string; cpu: { usageMilli: number } }[];
      usageAt: string;
    };
    expect(nodes.nodes.map((n) => n.name)).toEqual(['k3s-node-0', 'k3s-node-1', 'k3s-node-2']);
    expect(nodes.nodes[1].cpu.usageMilli).toBe(1201);
    expect(nodes.usageAt).not.toBeNull();
  });

  test('rows written per heartbeat when only usage changed: 2, for 10 pods and for 1000', async () => {
    for (const n of [10, 1000]) {
      const c = await createEnrolledCluster(t, api, { name: `constant-${n}` });
      await ingestHeartbeat(t.db, c.clusterId, snapshotOf(makeHeartbeat({ pods: makePods(n, 0) })), new Date());
      for (const beat of [1, 2]) {
        const written = await rowsWrittenBy(t.db, (tx) =>
          ingestHeartbeat(tx, c.clusterId, snapshotOf(makeHeartbeat({ pods: makePods(n, beat) })), new Date(Date.now() + beat)),
        );
        expect(written).toBe(2);
      }
      expect(await count(t.db, sql`select count(*)::int as n from usage_samples where cluster_id = ${c.clusterId}`)).toBe(3);
      expect(await count(t.db, sql`select count(*)::int as n from usage_key_sets where cluster_id = ${c.clusterId}`)).toBe(1);
    }
  });

  test('only changed pods are rewritten; gone pods are deleted; first-seen survives an update', async () => {
    const c = await createEnrolledCluster(t, api, { name: 'diff' });
    const pods = makePods(30);
    await ingestHeartbeat(t.db, c.clusterId, snapshotOf(makeHeartbeat({ pods })), new Date(Date.now() - 60_000));
    const before = await queryRows<{ first_seen_at: Date }>(
      t.db,
      sql`select first_seen_at from cluster_pods where cluster_id = ${c.clusterId} and name = ${pods[0].name}`,
    );
    const next = pods.slice(0, 29).map((p, i) => (i === 0 ? { ...p, status: 'Terminating' } : p));
    const written = await rowsWrittenBy(t.db, (tx) => ingestHeartbeat(tx, c.clusterId, snapshotOf(makeHeartbeat({ pods: next })), new Date()));
    // cluster row + usage sample + new key set + 1 pod updated + 1 pod deleted
    expect(written).toBe(5);
    const rows = await queryRows<{ name: string; status: string; first_seen_at: Date; updated_at: Date }>(
      t.db,
      sql`select name, status, first_seen_at, updated_at from cluster_pods where cluster_id = ${c.clusterId} order by name`,
    );
    expect(rows.length).toBe(29);
    const changed = rows.find((r) => r.name === pods[0].name)!;
    expect(changed.status).toBe('Terminating');
    expect(new Date(changed.first_seen_at).getTime()).toBe(new Date(before[0].first_seen_at).getTime());
    expect(new Date(changed.updated_at).getTime()).toBeGreaterThan(new Date(changed.first_seen_at).getTime());
  });

  test('odd names survive the round trip; a pod sent twice is stored once', async () => {
    const c = await createEnrolledCluster(t, api, { name: 'odd-names' });
    const odd = [
      makePod(1, { namespace: 'tab\there', name: 'back\\slash' }),
      makePod(2, { namespace: 'nl', name: 'new\nline "quoted" ,{braces}' }),
      makePod(3),
    ];
    const pods = [...odd, odd[2]];
    await ingestHeartbeat(t.db, c.clusterId, snapshotOf(makeHeartbeat({ pods })), new Date());
    const rows = await queryRows<{ namespace: string; name: string }>(
      t.db,
      sql`select namespace, name from cluster_pods where cluster_id = ${c.clusterId} order by name`,
    );
    expect(rows.map((r) => [r.namespace, r.name]).sort()).toEqual(odd.map((p) => [p.namespace, p.name]).sort());
    // The same pods again: recognised as unchanged, nothing rewritten.
    const again = snapshotOf(makeHeartbeat({ pods: pods.map((p) => ({ ...p, cpuUsageMilli: p.cpuUsageMilli + 1 })) }));
    expect(await rowsWrittenBy(t.db, (tx) => ingestHeartbeat(tx, c.clusterId, again, new Date(Date.now() + 5)))).toBe(2);
    // A change is diffed against the stored rows, whose keys must read back exactly.
    const changed = snapshotOf(makeHeartbeat({ pods: pods.map((p, i) => (i === 0 ? { ...p, status: 'Terminating' } : p)) }));
    // cluster row + usage sample + the one changed pod
    expect(await rowsWrittenBy(t.db, (tx) => ingestHeartbeat(tx, c.clusterId, changed, new Date(Date.now() + 10)))).toBe(3);
  });

  test('a protocol-1 heartbeat (counts only, no pod list) succeeds and the cluster shows counts', async () => {
    const c = await createEnrolledCluster(t, api, { name: 'old-agent' });
    const res = await sendHeartbeat(t, c.agentKey, makeHeartbeatV1(), { gzip: false });
    expect(res.status).toBe(200);
    const cl = await cluster(c.clusterId);
    // Working, but outdated: protocol 1 opens agent_outdated (low), so Warning.
    expect(cl.status).toBe('warning');
    expect(cl.pods).toMatchObject({ total: 12, running: 11, listed: 0, listAvailable: false });
    expect(cl.agent.version).toBe('0.3.1');
    expect(await count(t.db, sql`select count(*)::int as n from cluster_pods where cluster_id = ${c.clusterId}`)).toBe(0);
  });

  test('Warning events are recorded once; a repeat only updates the count', async () => {
    const c = await createEnrolledCluster(t, api, { name: 'events' });
    const event = {
      namespace: 'shop',
      involvedKind: 'Pod',
      involvedName: 'web-1',
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      count: 3,
      firstSeen: 1_780_000_000,
      lastSeen: 1_780_000_100,
      uid: 'ev-1',
    };
    const noUid = {
      namespace: 'kube-system',
      involvedKind: 'Node',
      involvedName: 'k3s-node-1',
      reason: 'FreeDiskSpaceFailed',
      message: 'failed to free 1 GiB',
      count: 1,
      firstSeen: 1_780_000_000,
      lastSeen: 1_780_000_000,
    };
    for (const events of [
      [event, noUid],
      [event, noUid],
      [{ ...event, count: 5, lastSeen: 1_780_000_400 }, noUid],
    ]) {
      expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: makePods(3), events }))).status).toBe(200);
    }
    const tl = (await (await api.call('GET', `/v1/clusters/${c.clusterId}/timeline?kind=event`)).json()) as {
      entries: { message: string; details: { count: number } }[];
    };
    expect(tl.entries.length).toBe(2);
    const backoff = tl.entries.find((e) => e.message.startsWith('BackOff'))!;
    expect(backoff.details.count).toBe(5);
  });

  test('capability changes and agent upgrades reach the timeline', async () => {
    const c = await createEnrolledCluster(t, api, { name: 'caps' });
    const base = makeHeartbeat({ pods: makePods(2) });
    await sendHeartbeat(t, c.agentKey, base);
    await sendHeartbeat(t, c.agentKey, {
      ...base,
      agentVersion: '0.5.0',
      capabilities: { ...base.capabilities, logs: { enabled: true, detectedBy: 'SelfSubjectAccessReview get pods/log' } },
    });
    const tl = (await (await api.call('GET', `/v1/clusters/${c.clusterId}/timeline`)).json()) as { entries: { kind: string; message: string }[] };
    expect(tl.entries.filter((e) => e.kind === 'capability').map((e) => e.message)).toContain('Logs enabled (SelfSubjectAccessReview get pods/log)');
    expect(tl.entries.find((e) => e.kind === 'agent')?.message).toBe(`Agent 0.4.0 → 0.5.0 (protocol ${PROTOCOL})`);
  });
});
