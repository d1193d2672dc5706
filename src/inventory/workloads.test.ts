// Workload inventory from protocol-4 heartbeats on real Postgres: stored once, templates kept across beats that omit them, a missing template asked for again, gone workloads deleted, old agents untouched.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makeWorkload, sendHeartbeat } from '../testing/heartbeats';
import type { WorkloadInfo } from '../contract';
import { listWorkloads, syncWorkloads, workloadSubject } from './workloads';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
beforeAll(async () => {
  t = await startTestApp({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Workload Org', null, { userId: user.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, user));
});
afterAll(async () => {
  await t.close();
});

function bare(w: WorkloadInfo): WorkloadInfo {
  const { template: _, ...rest } = w;
  return rest;
}

async function beat(agentKey: string, workloads?: WorkloadInfo[]): Promise<{ resendTemplates?: boolean }> {
  const res = await sendHeartbeat(t, agentKey, makeHeartbeat(workloads ? { workloads } : {}));
  expect(res.status).toBe(200);
  return (await res.json()) as { resendTemplates?: boolean };
}

test('workloads are stored with their templates; a beat without templates keeps them; removed ones go', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'wl-store' });
  const a = makeWorkload(1);
  const b = makeWorkload(2, { ready: 1 });
  expect((await beat(c.agentKey, [a, b])).resendTemplates).toBeUndefined();
  let stored = await listWorkloads(t.db, c.clusterId);
  expect(stored.map(workloadSubject)).toEqual(['shop/Deployment/web-1', 'shop/Deployment/web-2']);
  expect(stored[0].template).toEqual(a.template ?? null);
  expect(stored[1].notReadySince).not.toBeNull();
  expect(stored[0].notReadySince).toBeNull();

  // Same hashes, no templates, web-2 now ready: templates stay, notReadySince clears.
  expect((await beat(c.agentKey, [bare(a), bare({ ...b, ready: 2, available: 2 })])).resendTemplates).toBeUndefined();
  stored = await listWorkloads(t.db, c.clusterId);
  expect(stored[1]).toMatchObject({ ready: 2, notReadySince: null, template: b.template });

  // web-1 gone.
  await beat(c.agentKey, [bare({ ...b, ready: 2, available: 2 })]);
  expect((await listWorkloads(t.db, c.clusterId)).map(workloadSubject)).toEqual(['shop/Deployment/web-2']);
});

test('a template hash the server never got asks for every template; the next beat stores it', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'wl-resend' });
  const a = makeWorkload(3);
  expect((await beat(c.agentKey, [bare(a)])).resendTemplates).toBe(true);
  expect((await listWorkloads(t.db, c.clusterId))[0].template).toBeNull();
  // The same (template-less) beat again still asks: the digest was left unset.
  expect((await beat(c.agentKey, [bare(a)])).resendTemplates).toBe(true);
  expect((await beat(c.agentKey, [a])).resendTemplates).toBeUndefined();
  expect((await listWorkloads(t.db, c.clusterId))[0].template).toEqual(a.template ?? null);
});

test('an older agent (no workloads) clears what a newer one stored', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'wl-downgrade' });
  await beat(c.agentKey, [makeWorkload(4)]);
  expect(await listWorkloads(t.db, c.clusterId)).toHaveLength(1);
  await beat(c.agentKey);
  expect(await listWorkloads(t.db, c.clusterId)).toHaveLength(0);
});

test('policyChanged lists new workloads and template changes, not rollout counts', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'wl-policy' });
  const a = makeWorkload(5);
  const now = new Date();
  const first = await syncWorkloads(t.db, c.clusterId, [a], now);
  expect(first.policyChanged.map(workloadSubject)).toEqual(['shop/Deployment/web-5']);
  const counts = await syncWorkloads(t.db, c.clusterId, [bare({ ...a, ready: 1 })], now);
  expect(counts.changed).toHaveLength(1);
  expect(counts.policyChanged).toHaveLength(0);
  const spec = { containers: [{ name: 'web', image: 'registry.example/web:latest' }] };
  const changedTemplate = makeWorkload(5, { template: { labels: { app: 'web-5' }, spec } });
  const next = await syncWorkloads(t.db, c.clusterId, [changedTemplate], now);
  expect(next.policyChanged[0].template?.spec).toEqual(spec);
});
