// Workload tails: every pod of one owner across clusters merged on one SSE connection (member-tagged events, per-member seqs), pods that appear join on refresh, a reconnect with the cursor vector resumes each member without duplicates, clusters without the logs capability are skipped, DELETE stops every member, and the start and stop are audited in each org the tail touched.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
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

const members = (client: SseClient): { m: string; cluster: string; pod: string }[] =>
  client.events.filter((e) => e.event === 'member').map((e) => JSON.parse(e.data));

test('a workload across clusters: merged, tagged, new pods join, resume by cursor vector, skipped without logs, DELETE stops all', async () => {
  const res = await api.call('POST', '/v1/tails', { ownerKind: 'Deployment', ownerName: 'web', namespace: 'shop', tailLines: 10 });
  expect(res.status).toBe(201);
  const body = (await res.json()) as {
    tailId: string;
    members: { streamId: string; cluster: string; pod: string }[];
    skipped: { cluster: string; reason: string }[];
  };
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
  expect(
    tagged(first)
      .map((e) => `${byPod.get(e.m)} ${e.item}`)
      .sort(),
  ).toEqual([
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
  expect(
    tagged(second)
      .map((e) => e.item)
      .sort(),
  ).toEqual(['web-0-0 three', 'web-0-1 three']);
  for (const e of tagged(second)) expect(tagged(first).some((f) => f.m === e.m && f.seq === e.seq)).toBe(false);

  // DELETE stops every member: stop frames, member ends, then the tail's end.
  expect((await api.call('DELETE', `/v1/tails/${body.tailId}`)).status).toBe(200);
  await a0.waitFor(() => a0.received.filter((f) => f.type === 'stop').length === 2, 3000, 'stops on edge-0');
  await a1.waitFor(() => a1.received.filter((f) => f.type === 'stop').length === 3, 3000, 'stops on edge-1');
  await second.waitFor(() => second.events.some((e) => e.event === 'end' && !JSON.parse(e.data).m), 5000, 'the tail’s end');
  await second.closed;

  // Audited in every org the tail touched: the start where pods were opened or skipped, the stop where streams ran.
  const audit = await queryRows<{ action: string; org_id: string | null }>(
    t.db,
    sql`select action, org_id from audit_events where target = ${body.tailId} order by id`,
  );
  const orgsOf = (action: string): (string | null)[] =>
    audit
      .filter((a) => a.action === action)
      .map((a) => a.org_id)
      .sort();
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

/** A Deployment whose pods run a second app container (envoy), and one with an init container and a native sidecar. */
function sidecarPods(): PodDetail[] {
  const checkout = [0, 1].map((i) =>
    makePod(200 + i, { namespace: 'shop', name: `checkout-${i}`, ownerKind: 'Deployment', ownerName: 'checkout', containers: ['checkout', 'envoy'] }),
  );
  for (const p of checkout)
    p.containerDetails = [
      { ...p.containerDetails[0], name: 'checkout' },
      { ...p.containerDetails[1], name: 'envoy' },
    ];
  const api = makePod(210, { namespace: 'shop', name: 'api-0', ownerKind: 'Deployment', ownerName: 'api', containers: ['api'] });
  const base = api.containerDetails[0];
  api.containerDetails = [
    { ...base, name: 'migrate', kind: 'init', state: 'terminated', stateReason: 'Completed' },
    { ...base, name: 'log-shipper', kind: 'sidecar' },
    { ...base, name: 'api', kind: 'app' },
  ];
  return [...checkout, api];
}

describe('workloads with sidecars', () => {
  let site: { id: string; key: string; agent: ScriptedAgent };
  let dark: { id: string; key: string };

  beforeAll(async () => {
    const a = await createEnrolledCluster(t, api, { name: 'sidecars', orgId: orgIds[2]! });
    await sendHeartbeat(t, a.agentKey, makeHeartbeat({ pods: sidecarPods(), capabilities: LOGS_ON }));
    site = { id: a.clusterId, key: a.agentKey, agent: await connectAgent(base, a.agentKey) };
    const b = await createEnrolledCluster(t, api, { name: 'sidecars-dark', orgId: orgIds[2]! });
    const only = makePod(220, { namespace: 'dark', name: 'lonely-0', ownerKind: 'Deployment', ownerName: 'lonely' });
    await sendHeartbeat(t, b.agentKey, makeHeartbeat({ pods: [only], capabilities: ALL_CAPABILITIES_OFF }));
    dark = { id: b.clusterId, key: b.agentKey };
  });
  afterAll(() => site?.agent.close());

  type Opened = {
    tailId: string;
    members: { pod: string; container: string }[];
    skipped: { pod: string; container: string | null; reason: string; cause: string }[];
  };
  async function open(body: Record<string, unknown>): Promise<{ status: number; json: Opened & { error?: { code: string; message: string } } }> {
    const res = await api.call('POST', '/v1/tails', { ownerKind: 'Deployment', namespace: 'shop', clusterIds: [site.id], tailLines: 5, ...body });
    return { status: res.status, json: (await res.json()) as Opened & { error?: { code: string; message: string } } };
  }
  const close = async (o: Opened) => expect((await api.call('DELETE', `/v1/tails/${o.tailId}`)).status).toBe(200);

  test('by default each pod’s main container (its first app container, as kubectl logs picks it) is tailed, and its lines arrive', async () => {
    const { status, json } = await open({ ownerName: 'checkout' });
    expect(status).toBe(201);
    expect(json.members.map((m) => `${m.pod}:${m.container}`).sort()).toEqual(['checkout-0:checkout', 'checkout-1:checkout']);
    expect(json.skipped).toEqual([]);
    const started = await site.agent.waitFor(
      () =>
        site.agent.starts().filter((f) => f.pod.startsWith('checkout-')).length >= 2 ? site.agent.starts().filter((f) => f.pod.startsWith('checkout-')) : null,
      3000,
      'two starts',
    );
    const sse = await openSse(`${base}/v1/tails/${json.tailId}`, { headers: auth });
    await sse.waitFor(() => members(sse).length === 2, 3000, 'two members');
    for (const f of started) site.agent.lines(f.streamId, [`${f.pod} ${f.container} says hi`]);
    await sse.waitFor(() => tagged(sse).length === 2, 3000, 'the lines');
    expect(
      tagged(sse)
        .map((e) => e.item)
        .sort(),
    ).toEqual(['checkout-0 checkout says hi', 'checkout-1 checkout says hi']);
    sse.close();
    await close(json);
    // A native sidecar and an init container do not make a main container: the app one is.
    const sidecar = await open({ ownerName: 'api' });
    expect(sidecar.json.members.map((m) => m.container)).toEqual(['api']);
    await close(sidecar.json);
  });

  test('the user picks the container, or all of them (init containers aside); pods without it are skipped with the reason', async () => {
    const envoy = await open({ ownerName: 'checkout', container: 'envoy' });
    expect(envoy.status).toBe(201);
    expect(envoy.json.members.map((m) => m.container)).toEqual(['envoy', 'envoy']);
    await close(envoy.json);
    const all = await open({ ownerName: 'api', allContainers: true });
    expect(all.json.members.map((m) => m.container).sort()).toEqual(['api', 'log-shipper']);
    await close(all.json);
    // Pods in a cluster without the logs capability are listed with why; the others join.
    const mixed = await api.call('POST', '/v1/tails', { ownerKind: 'Deployment', ownerName: 'web', container: 'web', clusterIds: [edge[0].id, edge[2].id] });
    const body = (await mixed.json()) as Opened;
    expect(mixed.status).toBe(201);
    expect(body.skipped.every((s) => s.cause === 'logs_not_enabled' && s.reason.includes('Log streaming not enabled'))).toBe(true);
    await close(body);
    expect((await open({ ownerName: 'checkout', container: 'envoy', allContainers: true })).status).toBe(400);
  });

  test('nothing to tail is an error, never a 201 with no members: no such container 400, no logs capability 403', async () => {
    const missing = await open({ ownerName: 'checkout', container: 'nginx' });
    expect(missing.status).toBe(400);
    expect(missing.json.error!.code).toBe('invalid_request');
    expect(missing.json.error!.message).toStartWith('container: nothing to tail in Deployment/checkout: 2 pods skipped');
    expect(missing.json.error!.message).toContain('no container "nginx" in this pod (it has: checkout, envoy)');
    const off = await api.call('POST', '/v1/tails', { ownerKind: 'Deployment', ownerName: 'lonely', clusterIds: [dark.id] });
    expect(off.status).toBe(403);
    expect(((await off.json()) as { error: { code: string } }).error.code).toBe('logs_not_enabled');
    // Neither left a tail open.
    const open_ = await queryRows<{ n: number }>(
      t.db,
      sql`select count(*)::int as n from log_tails where ended_at is null and owner_name in ('checkout', 'lonely')`,
    );
    expect(open_[0].n).toBe(0);
  });
});
