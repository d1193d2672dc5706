// Workload tails: every pod of one owner across clusters merged on one SSE connection (member-tagged events, per-member seqs), pods that appear join on refresh, a reconnect with the cursor vector resumes each member without duplicates, clusters without the logs capability are skipped, DELETE stops every member, and the start and stop are audited in each org the tail touched.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, makePod, sendHeartbeat } from '../testing/heartbeats';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { listen } from '../testing/browser';
import { openSse, type SseClient } from '../testing/sse';
import { connectAgent, type ScriptedAgent } from '../testing/stream-agent';
import type { Capabilities, PodDetail } from '../contract';
import { queryRows } from '../db/client';
import { sql } from 'drizzle-orm';

const LOGS_ON: Capabilities = { ...ALL_CAPABILITIES_OFF, logs: { enabled: true, detectedBy: 'test' } };

let t: TestApp;
let base = '';
let api: Awaited<ReturnType<typeof apiClient>>;
let auth: Record<string, string>;
const edge: { id: string; key: string; agent: ScriptedAgent | null }[] = [];
/** edge-0's org (customer A), edge-1's (customer B), edge-2's (the MSP itself). */
const orgIds: string[] = [];

function webPods(cluster: number, n: number): PodDetail[] {
  return Array.from({ length: n }, (_, i) => {
    const pod = makePod(cluster * 10 + i, { namespace: 'shop', name: `web-${cluster}-${i}`, containers: ['web'], ownerKind: 'Deployment', ownerName: 'web' });
    pod.containerDetails = [{ ...pod.containerDetails[0], name: 'web' }];
    return pod;
  });
}

function other(): PodDetail {
  const pod = makePod(99, { namespace: 'shop', name: 'worker-1', containers: ['worker'], ownerKind: 'Deployment', ownerName: 'worker' });
  pod.containerDetails = [{ ...pod.containerDetails[0], name: 'worker' }];
  return pod;
}

beforeAll(async () => {
  t = await startTestApp();
  base = listen(t);
  const user = await makeUser(t.db);
  // An MSP and two customers: one workload tailed across orgs, each org's audit log gets the tail.
  const msp = await makeOrg(t.db, 'Tails MSP', null, { userId: user.id, role: 'owner' });
  orgIds.push((await makeOrg(t.db, 'Customer A', msp)).id, (await makeOrg(t.db, 'Customer B', msp)).id, msp.id);
  api = await apiClient(t, await signIn(t, user));
  auth = { authorization: `Bearer ${api.token}` };
  for (const [i, caps] of [LOGS_ON, LOGS_ON, ALL_CAPABILITIES_OFF].entries()) {
    const c = await createEnrolledCluster(t, api, { name: `edge-${i}`, orgId: orgIds[i]! });
    await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: [...webPods(i, 2), other()], capabilities: caps }));
    edge.push({ id: c.clusterId, key: c.agentKey, agent: i < 2 ? await connectAgent(base, c.agentKey) : null });
  }
});

afterAll(async () => {
  for (const e of edge) e.agent?.close();
  t.app.server?.stop(true);
  await t.close();
});

type Tagged = { m: string; seq: number; item: unknown };

/** Member-tagged entries of a tail SSE, in arrival order. */
function tagged(client: SseClient): Tagged[] {
  const out: Tagged[] = [];
  for (const e of client.events) {
    if (e.event === 'lines') {
      const d = JSON.parse(e.data) as { m: string; seq: number; items: unknown[] };
      d.items.forEach((item, i) => out.push({ m: d.m, seq: d.seq + i, item }));
    } else if (e.event === 'end') {
      const d = JSON.parse(e.data) as { m?: string; seq?: number; reason: string };
      if (d.m) out.push({ m: d.m, seq: d.seq!, item: { end: d.reason } });
    }
  }
  return out;
}

const members = (client: SseClient): { m: string; cluster: string; pod: string }[] => client.events.filter((e) => e.event === 'member').map((e) => JSON.parse(e.data));

test('a workload across clusters: merged, tagged, new pods join, resume by cursor vector, skipped without logs, DELETE stops all', async () => {
  const res = await api.call('POST', '/v1/tails', { ownerKind: 'Deployment', ownerName: 'web', namespace: 'shop', tailLines: 10 });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { tailId: string; members: { streamId: string; cluster: string; pod: string }[]; skipped: { cluster: string; reason: string }[] };
  expect(body.members.map((m) => `${m.cluster}/${m.pod}`).sort()).toEqual(['edge-0/web-0-0', 'edge-0/web-0-1', 'edge-1/web-1-0', 'edge-1/web-1-1']);
  expect(body.skipped.map((s) => s.cluster)).toEqual(['edge-2', 'edge-2']);
  expect(body.skipped[0].reason).toContain('Log streaming not enabled for this cluster');

  const [a0, a1] = [edge[0].agent!, edge[1].agent!];
  await a0.waitFor(() => a0.starts().length === 2, 3000, 'two starts on edge-0');
  await a1.waitFor(() => a1.starts().length === 2, 3000, 'two starts on edge-1');
  expect(a0.starts().every((f) => f.tailLines === 10 && f.container === 'web')).toBe(true);

  const first = await openSse(`${base}/v1/tails/${body.tailId}`, { headers: auth });
  await first.waitFor(() => members(first).length === 4, 3000, 'four members');
  for (const f of a0.starts()) a0.lines(f.streamId, [`${f.pod} one`, `${f.pod} two`]);
  for (const f of a1.starts()) a1.lines(f.streamId, [`${f.pod} one`]);
  await first.waitFor(() => tagged(first).length === 6, 3000, 'six lines');
  const byPod = new Map(members(first).map((m) => [m.m, `${m.cluster}/${m.pod}`]));
  expect(tagged(first).map((e) => `${byPod.get(e.m)} ${e.item}`).sort()).toEqual([
    'edge-0/web-0-0 web-0-0 one',
    'edge-0/web-0-0 web-0-0 two',
    'edge-0/web-0-1 web-0-1 one',
    'edge-0/web-0-1 web-0-1 two',
    'edge-1/web-1-0 web-1-0 one',
    'edge-1/web-1-1 web-1-1 one',
  ]);

  // A pod appears in edge-1's next heartbeat: a refresh lets it join.
  await sendHeartbeat(t, edge[1].key, makeHeartbeat({ pods: [...webPods(1, 3), other()], capabilities: LOGS_ON }));
  const refreshed = (await (await api.call('POST', `/v1/tails/${body.tailId}/refresh`, {})).json()) as { joined: { pod: string }[] };
  expect(refreshed.joined.map((j) => j.pod)).toEqual(['web-1-2']);
  await a1.waitFor(() => a1.starts().length === 3, 3000, 'the new pod started');
  await first.waitFor(() => members(first).length === 5, 4000, 'the new member announced');
  a1.lines(a1.starts()[2].streamId, ['web-1-2 hello']);
  await first.waitFor(() => tagged(first).length === 7, 3000, 'the new pod’s line');

  // Reconnect with the last id (a cursor vector): only what came after, per member.
  first.close();
  for (const f of a0.starts()) a0.lines(f.streamId, [`${f.pod} three`]);
  const second = await openSse(`${base}/v1/tails/${body.tailId}`, { headers: auth, lastEventId: first.lastEventId });
  await second.waitFor(() => tagged(second).length === 2, 3000, 'lines after the reconnect');
  expect(tagged(second).map((e) => e.item).sort()).toEqual(['web-0-0 three', 'web-0-1 three']);
  for (const e of tagged(second)) expect(tagged(first).some((f) => f.m === e.m && f.seq === e.seq)).toBe(false);

  // DELETE stops every member: stop frames, member ends, then the tail's end.
  expect((await api.call('DELETE', `/v1/tails/${body.tailId}`)).status).toBe(200);
  await a0.waitFor(() => a0.received.filter((f) => f.type === 'stop').length === 2, 3000, 'stops on edge-0');
  await a1.waitFor(() => a1.received.filter((f) => f.type === 'stop').length === 3, 3000, 'stops on edge-1');
  await second.waitFor(() => second.events.some((e) => e.event === 'end' && !JSON.parse(e.data).m), 5000, 'the tail’s end');
  await second.closed;

  // Audited in every org the tail touched: the start where pods were opened or skipped, the stop where streams ran.
  const audit = await queryRows<{ action: string; org_id: string | null }>(t.db, sql`select action, org_id from audit_events where target = ${body.tailId} order by id`);
  const orgsOf = (action: string): (string | null)[] => audit.filter((a) => a.action === action).map((a) => a.org_id).sort();
  expect(orgsOf('logs.tail.start')).toEqual([...orgIds].sort());
  expect(orgsOf('logs.tail.stop')).toEqual([orgIds[0]!, orgIds[1]!].sort());

  // Not the caller's tail: 404; no such workload: 404.
  const stranger = await makeUser(t.db);
  const strangerApi = await apiClient(t, await signIn(t, stranger));
  expect((await fetch(`${base}/v1/tails/${body.tailId}`, { headers: { authorization: `Bearer ${strangerApi.token}` } })).status).toBe(404);
  expect((await api.call('POST', '/v1/tails', { ownerKind: 'Deployment', ownerName: 'nope' })).status).toBe(404);
});

test('the workload page lists the pods’ clusters and mounts the merged viewer', async () => {
  const page = await api.call('GET', '/logs/workload?kind=Deployment&name=web&namespace=shop');
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('id="log-viewer"');
  expect(html).toContain('7 pods in 3 clusters: edge-0, edge-1, edge-2');
  expect(html).toContain('&#34;mode&#34;:&#34;workload&#34;');
});
