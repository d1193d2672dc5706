// End to end over HTTP on real Postgres: create → enroll → heartbeat → Healthy on the fleet page → silence → Unknown → Offline with an incident → heartbeat → Healthy, incident closed.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { enroll, makeHeartbeat, makePods, sendHeartbeat } from '../testing/heartbeats';
import { countWorkloads } from '../inventory/store';
import { detectClusterStatus } from './status';

let t: TestApp;
let browser: Browser;
let api: Awaited<ReturnType<typeof apiClient>>;
beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Flow Org', null, { userId: user.id, role: 'owner' });
  browser = await signIn(t, user);
  api = await apiClient(t, browser);
});
afterAll(async () => {
  await t.close();
});

/** The fleet row of a cluster as the page renders it (status and pod counts). */
async function fleetRow(clusterId: string): Promise<{ status: string; pods: string; html: string }> {
  const html = await (await browser.get('/')).text();
  const row = new RegExp(`<tr id="cluster-${clusterId}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
  return {
    status: /data-status="([a-z]+)"/.exec(row)?.[1] ?? '',
    pods:
      /<td data-pods>([\s\S]*?)<\/td>/
        .exec(row)?.[1]
        .replace(/<[^>]+>/g, '')
        .trim() ?? '',
    html: row,
  };
}

async function openIncidents(clusterId: string): Promise<{ kind: string; resolved_at: Date | null }[]> {
  return queryRows(t.db, sql`select kind, resolved_at from incidents where cluster_id = ${clusterId} and kind = 'cluster_offline' order by opened_at`);
}

test('the whole life of a cluster', async () => {
  const created = await api.call('POST', '/v1/clusters', { name: 'store-berlin-01', environment: 'production' });
  expect(created.status).toBe(201);
  const { cluster, enrollment } = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
  expect((await fleetRow(cluster.id)).status).toBe('pending');

  const enrolled = await enroll(t, enrollment.token);
  expect(enrolled.status).toBe(200);
  const { agentKey } = (await enrolled.json()) as { agentKey: string };

  const N = 250;
  expect((await sendHeartbeat(t, agentKey, makeHeartbeat({ pods: makePods(N) }))).status).toBe(200);
  const stored = (await countWorkloads(t.db, cluster.id)).reduce((n, w) => n + w.count, 0);
  expect(stored).toBe(N);
  let row = await fleetRow(cluster.id);
  expect(row.status).toBe('healthy');
  expect(row.pods).toBe(`${N}/${N} running`);
  expect(row.html).toContain('3/3 ready');
  // The heartbeat's moment, absolute: the browser words it ("3 s ago"), so the row's bytes do not change with the clock.
  expect(row.html).toMatch(/<time datetime="[^"]+" data-relative="ago"[^>]*>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/time>/);

  // Heartbeats stop. The status job runs with a clock moved forward instead of the test sleeping.
  const lastBeat = Date.now();
  const unknownAt = new Date(lastBeat + 2.5 * t.config.heartbeatIntervalSeconds * 1000 + 1000);
  expect(await detectClusterStatus(t.db, t.config, unknownAt)).toMatchObject({ unknown: 1, offline: 0 });
  expect((await fleetRow(cluster.id)).status).toBe('unknown');
  expect(await openIncidents(cluster.id)).toEqual([]);

  const offlineAt = new Date(lastBeat + t.config.offlineAfterSeconds * 1000 + 1000);
  expect(await detectClusterStatus(t.db, t.config, offlineAt)).toMatchObject({ offline: 1 });
  expect((await fleetRow(cluster.id)).status).toBe('offline');
  const open = await openIncidents(cluster.id);
  expect(open.length).toBe(1);
  expect(open[0].resolved_at).toBeNull();
  // A second pass changes nothing and opens nothing.
  expect(await detectClusterStatus(t.db, t.config, new Date(offlineAt.getTime() + 5000))).toMatchObject({ unknown: 0, offline: 0 });
  expect((await openIncidents(cluster.id)).length).toBe(1);
  const incidentsPage = await (await browser.get('/incidents')).text();
  expect(incidentsPage).toContain('Cluster store-berlin-01 is offline');

  // The agent comes back.
  expect((await sendHeartbeat(t, agentKey, makeHeartbeat({ pods: makePods(N, 1) }))).status).toBe(200);
  row = await fleetRow(cluster.id);
  expect(row.status).toBe('healthy');
  const after = await openIncidents(cluster.id);
  expect(after.length).toBe(1);
  expect(after[0].resolved_at).not.toBeNull();

  const timeline = (await (await api.call('GET', `/v1/clusters/${cluster.id}/timeline?limit=50`)).json()) as { entries: { kind: string; message: string }[] };
  const statusChanges = timeline.entries
    .filter((e) => e.kind === 'status')
    .map((e) => e.message)
    .reverse();
  // The status job ran on a clock moved forward, so the agent's return is stamped before the Offline entry and the
  // timeline (newest first by time) lists it earlier: the transitions are checked as a set here; order by time has its own test.
  expect(statusChanges.toSorted()).toEqual(['Pending → Healthy', 'Healthy → Unknown', 'Unknown → Offline', 'Offline → Healthy'].toSorted());
  expect(timeline.entries.map((e) => e.kind)).toContain('enrolled');
});
