// Protocol 7's workloadsBase: an agent whose workloads did not change names the generation the server acknowledged
// instead of sending them; the stored workloads then stand in for them (detection reads them, with their
// notReadySince), and a base the server does not hold changes nothing stored and asks for every workload again.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { HeartbeatResponse } from '../contract';
import { listWorkloads } from '../inventory/workloads';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makePods, makeWorkload, sendHeartbeat } from '../testing/heartbeats';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Base Org', null, { userId: user.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, user));
});
afterAll(async () => {
  await t.close();
});

type Listed = { incidents: { kind: string; subject: string }[] };

const workloads = [makeWorkload(1, { ready: 0, available: 0 }), makeWorkload(2)];

test('a base names the stored workloads; an unknown one changes nothing and asks for them all', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'base-edge' });
  const beat = async (body: unknown): Promise<{ status: number; body: HeartbeatResponse }> => {
    const res = await sendHeartbeat(t, c.agentKey, body);
    return { status: res.status, body: (await res.json()) as HeartbeatResponse };
  };
  const storedHash = async (): Promise<string | null> =>
    ((await t.db.execute(sql`select workloads_hash from clusters where id = ${c.clusterId}`)) as unknown as { workloads_hash: string | null }[])[0]!
      .workloads_hash;
  const unavailable = async (): Promise<string[]> =>
    ((await (await api.call('GET', `/v1/incidents?cluster=${c.clusterId}&limit=200`)).json()) as Listed).incidents
      .filter((i) => i.kind === 'workload_unavailable')
      .map((i) => i.subject);

  const first = await beat(makeHeartbeat({ pods: makePods(4), workloads }));
  expect(first.status).toBe(200);
  const generation = first.body.workloadsGeneration!;
  expect(generation).toBe((await storedHash())!);
  expect(await unavailable()).toEqual([]);

  // web-1 has been short of replicas for an hour (what the stored notReadySince says), and a pod changed: the slow
  // path runs detection on the stored workloads, which opens the incident.
  await t.db.execute(sql`update cluster_workloads set not_ready_since = now() - interval '1 hour' where cluster_id = ${c.clusterId} and name = 'web-1'`);
  const { workloads: _sent, workloadsTruncated: _truncated, ...withoutWorkloads } = makeHeartbeat({ pods: makePods(5), workloads });
  const second = await beat({ ...withoutWorkloads, workloadsBase: generation });
  expect(second.status).toBe(200);
  expect(second.body.workloadsGeneration).toBe(generation);
  expect(second.body.resendTemplates).toBeUndefined();
  expect(await unavailable()).toEqual(['shop/Deployment/web-1']);
  expect((await listWorkloads(t.db, c.clusterId)).map((w) => w.name).sort()).toEqual(['web-1', 'web-2']);

  // A generation the server does not hold: stored workloads and incidents stay, every workload is asked for.
  const third = await beat({ ...withoutWorkloads, workloadsBase: 'not-a-generation' });
  expect(third.status).toBe(200);
  expect(third.body.resendTemplates).toBe(true);
  expect(third.body.workloadsGeneration).toBeUndefined();
  expect(await storedHash()).toBe(generation);
  expect((await listWorkloads(t.db, c.clusterId)).map((w) => w.name).sort()).toEqual(['web-1', 'web-2']);
  expect(await unavailable()).toEqual(['shop/Deployment/web-1']);

  // The same unknown base on an otherwise unchanged beat takes the same answer (the one-statement path refuses it).
  const fourth = await beat({ ...withoutWorkloads, workloadsBase: 'not-a-generation' });
  expect(fourth.body.resendTemplates).toBe(true);
  expect(await storedHash()).toBe(generation);
});

test('workloadsBase beside workloads is refused, naming the field', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'base-both' });
  const res = await sendHeartbeat(t, c.agentKey, { ...makeHeartbeat({ pods: makePods(2), workloads }), workloadsBase: 'g1' });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { message: string } }).error.message).toContain('workloadsBase');
});
