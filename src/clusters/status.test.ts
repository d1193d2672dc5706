// The status job: Unknown after 2.5 intervals, Offline (one incident) past the timeout, quiet crash loops close; one replica per pass.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { LOCKS, queryRows, runExclusive, type Db } from '../db/client';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makePods, sendHeartbeat } from '../testing/heartbeats';
import { CRASH_LOOP_QUIET_MS } from '../incidents/detection';
import { detectClusterStatus } from './status';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Status Org', null, { userId: user.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, user));
});
afterAll(async () => {
  await t.close();
});

async function statusOf(id: string): Promise<string> {
  return ((await (await api.call('GET', `/v1/clusters/${id}`)).json()) as { status: string }).status;
}

test('a heartbeat just inside the window keeps the cluster Healthy; just outside makes it Unknown', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'window' });
  await sendHeartbeat(t, c.agentKey, makeHeartbeat());
  const [row] = await queryRows<{ at: Date }>(t.db, sql`select last_heartbeat_at as at from clusters where id = ${c.clusterId}`);
  const last = new Date(row.at).getTime();
  const windowMs = 2.5 * t.config.heartbeatIntervalSeconds * 1000;
  await detectClusterStatus(t.db, t.config, new Date(last + windowMs - 1000));
  expect(await statusOf(c.clusterId)).toBe('healthy');
  await detectClusterStatus(t.db, t.config, new Date(last + windowMs + 1000));
  expect(await statusOf(c.clusterId)).toBe('unknown');
  // A cluster that never sent a heartbeat stays "Pending", however late it is.
  const waiting = await createEnrolledCluster(t, api, { name: 'never-beat' });
  await detectClusterStatus(t.db, t.config, new Date(Date.now() + 7 * 86400_000));
  expect(await statusOf(waiting.clusterId)).toBe('pending');
});

test('a crash loop that went quiet closes and the badge follows; one that still crash-loops stays', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'quiet-crash', environment: 'production' });
  const pods = makePods(3);
  await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods }));
  // Pod 0 restarted once and is Running again; pod 1 is in CrashLoopBackOff.
  const crashing = pods.map((p, i) => (i === 0 ? { ...p, restarts: 1 } : i === 1 ? { ...p, status: 'CrashLoopBackOff', restarts: 5 } : p));
  await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: crashing }));
  expect(await statusOf(c.clusterId)).toBe('critical');
  const later = new Date(Date.now() + CRASH_LOOP_QUIET_MS + 1000);
  // Keep the cluster heartbeating at that time, so only the crash-loop rule is under test.
  await t.db.execute(sql`update clusters set last_heartbeat_at = ${later.toISOString()}::timestamptz where id = ${c.clusterId}`);
  await detectClusterStatus(t.db, t.config, later);
  const open = await queryRows<{ subject: string }>(t.db, sql`select subject from incidents where cluster_id = ${c.clusterId} and resolved_at is null`);
  expect(open.map((r) => r.subject)).toEqual([`${pods[1].namespace}/Deployment/${pods[1].ownerName}`]);
  expect(await statusOf(c.clusterId)).toBe('critical');
  // The crash loop ends; after the quiet period the cluster is Healthy again.
  await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: crashing.map((p, i) => (i === 1 ? { ...p, status: 'Running' } : p)) }));
  const muchLater = new Date(later.getTime() + CRASH_LOOP_QUIET_MS + 1000);
  await t.db.execute(sql`update clusters set last_heartbeat_at = ${muchLater.toISOString()}::timestamptz where id = ${c.clusterId}`);
  expect((await detectClusterStatus(t.db, t.config, muchLater)).recomputed).toBeGreaterThanOrEqual(1);
  expect(await statusOf(c.clusterId)).toBe('healthy');
});

test('only one replica runs a pass: the advisory lock turns the second away', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const first = runExclusive(t.db, LOCKS.offlineJob, async (tx: Db) => {
    await detectClusterStatus(tx, t.config, new Date());
    entered();
    await held;
  });
  await inside;
  const second = await runExclusive(t.db, LOCKS.offlineJob, async () => {
    throw new Error('must not run while the first pass holds the lock');
  });
  expect(second).toBe(false);
  release();
  expect(await first).toBe(true);
});
