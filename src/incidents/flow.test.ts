// Every incident kind open → update → resolve, driven through real heartbeats (HTTP, the agent's shapes)
// and the status job with a moved clock; the cluster's status follows the severities, and a Deployment's
// ten crash-looping replicas are one incident.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makeNode, makePod, makeWorkload, sendHeartbeat, type BeatOptions } from '../testing/heartbeats';
import { detectClusterStatus } from '../clusters/status';
import type { PodDetail } from '../contract';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Flow Org', null, { userId: user.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, user));
});
afterAll(async () => {
  await t.close();
});

type Listed = { incidents: { id: string; kind: string; subject: string; severity: string; title: string; count: number; reopenCount: number }[] };

async function scenario(name: string, environment = 'production') {
  const c = await createEnrolledCluster(t, api, { name, environment });
  const beat = async (opts: BeatOptions): Promise<void> => {
    const res = await sendHeartbeat(t, c.agentKey, makeHeartbeat(opts));
    expect(res.status).toBe(200);
  };
  const open = async () => ((await (await api.call('GET', `/v1/incidents?cluster=${c.clusterId}&limit=200`)).json()) as Listed).incidents;
  const resolved = async () => ((await (await api.call('GET', `/v1/incidents?cluster=${c.clusterId}&state=resolved`)).json()) as Listed).incidents;
  const status = async () => ((await (await api.call('GET', `/v1/clusters/${c.clusterId}`)).json()) as { status: string }).status;
  /** The status job `minutes` from now, with this cluster still heartbeating then. */
  const later = async (minutes: number): Promise<void> => {
    const at = new Date(Date.now() + minutes * 60_000);
    await t.db.execute(sql`update clusters set last_heartbeat_at = ${at.toISOString()}::timestamptz where id = ${c.clusterId}`);
    await detectClusterStatus(t.db, t.config, at);
  };
  return { ...c, beat, open, resolved, status, later };
}

const replicas = (n: number, over: (p: PodDetail) => Partial<PodDetail>): PodDetail[] =>
  Array.from({ length: n }, (_, k) => {
    const p = makePod(k * 40);
    return { ...p, ...over(p) };
  });
const crashLooping = (p: PodDetail): Partial<PodDetail> => ({
  status: 'CrashLoopBackOff',
  restarts: 6,
  containerDetails: [
    { ...p.containerDetails[0], state: 'waiting', stateReason: 'CrashLoopBackOff', ready: false, lastTerminationReason: 'Error' },
    p.containerDetails[1],
  ],
});

test('crash loop: ten replicas are one incident (Critical); it counts twelve; quiet for 10 min, it resolves (Healthy)', async () => {
  const s = await scenario('flow-crash');
  await s.beat({ pods: replicas(12, () => ({})) });
  expect(await s.status()).toBe('healthy');
  await s.beat({ pods: [...replicas(10, crashLooping), ...replicas(12, () => ({})).slice(10)] });
  expect((await s.open()).map((i) => [i.kind, i.subject, i.count, i.severity])).toEqual([['pod_crash_looping', 'team-0/Deployment/app-0', 10, 'high']]);
  expect(await s.status()).toBe('critical');
  await s.beat({ pods: replicas(12, crashLooping) });
  expect((await s.open()).map((i) => i.count)).toEqual([12]);
  await s.beat({ pods: replicas(12, () => ({ restarts: 6 })) });
  expect(await s.open()).toHaveLength(1);
  await s.later(11);
  expect(await s.open()).toEqual([]);
  expect((await s.resolved()).map((i) => i.kind)).toEqual(['pod_crash_looping']);
  expect(await s.status()).toBe('healthy');
});

test('image pull failing and OOM kills (Warning in staging); pulls resolve at once, OOM after 10 quiet minutes', async () => {
  const s = await scenario('flow-pull', 'staging');
  const pulling = (p: PodDetail): Partial<PodDetail> => ({
    phase: 'Pending',
    status: 'ImagePullBackOff',
    containerDetails: [{ ...p.containerDetails[0], state: 'waiting', stateReason: 'ImagePullBackOff', ready: false }, p.containerDetails[1]],
  });
  const oom = (p: PodDetail): Partial<PodDetail> => ({
    restarts: 1,
    containerDetails: [
      { ...p.containerDetails[0], lastTerminationReason: 'OOMKilled', lastTerminatedAt: Math.floor(Date.now() / 1000) },
      p.containerDetails[1],
    ],
  });
  await s.beat({ pods: [...replicas(2, pulling), makePod(1, oom(makePod(1)))] });
  expect((await s.open()).map((i) => [i.kind, i.count, i.severity]).sort()).toEqual([
    ['image_pull_failing', 2, 'medium'],
    ['oom_killed', 1, 'medium'],
  ]);
  expect(await s.status()).toBe('warning');
  await s.beat({ pods: [...replicas(3, pulling), makePod(1, oom(makePod(1)))] });
  expect((await s.open()).find((i) => i.kind === 'image_pull_failing')!.count).toBe(3);
  await s.beat({ pods: [...replicas(3, () => ({})), makePod(1, oom(makePod(1)))] });
  expect((await s.open()).map((i) => i.kind)).toEqual(['oom_killed']);
  await s.later(11);
  expect(await s.open()).toEqual([]);
  expect(await s.status()).toBe('healthy');
});

test('pending too long opens only after the threshold; scheduled, it resolves', async () => {
  const s = await scenario('flow-pending');
  const pending = makePod(0, {
    phase: 'Pending',
    status: 'Pending',
    nodeName: '',
    message: '0/3 nodes are available',
    createdUnix: Math.floor(Date.now() / 1000),
  });
  await s.beat({ pods: [pending] });
  expect(await s.open()).toEqual([]);
  await s.later(5);
  expect(await s.open()).toEqual([]);
  await s.later(11);
  expect((await s.open()).map((i) => [i.kind, i.subject])).toEqual([['pod_pending_too_long', 'team-0/Deployment/app-0']]);
  await s.beat({ pods: [pending, makePod(40, { phase: 'Pending', status: 'Pending', nodeName: '' })] });
  expect((await s.open())[0].count).toBe(2);
  await s.beat({ pods: [makePod(0), makePod(40)] });
  expect(await s.open()).toEqual([]);
});

test('nodes: not ready (Critical) and pressure open, update and resolve with the node', async () => {
  const s = await scenario('flow-nodes');
  await s.beat({ nodes: [makeNode(0, { status: 'NotReady' }), makeNode(1, { pressures: ['MemoryPressure'] })] });
  expect((await s.open()).map((i) => [i.kind, i.subject]).sort()).toEqual([
    ['node_not_ready', 'k3s-node-0'],
    ['node_pressure', 'k3s-node-1'],
  ]);
  expect(await s.status()).toBe('critical');
  await s.beat({ nodes: [makeNode(0), makeNode(1, { pressures: ['DiskPressure', 'MemoryPressure'] })] });
  expect((await s.open()).map((i) => i.title)).toEqual(['Node k3s-node-1: DiskPressure, MemoryPressure']);
  expect(await s.status()).toBe('critical'); // production: medium + 1
  await s.beat({ nodes: [makeNode(0), makeNode(1)] });
  expect(await s.open()).toEqual([]);
  expect(await s.status()).toBe('healthy');
});

test('workload unavailable after the threshold, updated while short, resolved when ready', async () => {
  const s = await scenario('flow-workload');
  await s.beat({ workloads: [makeWorkload(0, { desired: 3, ready: 1 })] });
  expect(await s.open()).toEqual([]);
  await s.later(11);
  expect((await s.open()).map((i) => [i.kind, i.subject, i.title])).toEqual([
    ['workload_unavailable', 'shop/Deployment/web-0', 'Deployment shop/web-0: 1 of 3 ready'],
  ]);
  await s.beat({ workloads: [makeWorkload(0, { desired: 3, ready: 2 })] });
  expect((await s.open())[0].title).toBe('Deployment shop/web-0: 2 of 3 ready');
  await s.beat({ workloads: [makeWorkload(0, { desired: 3, ready: 3 })] });
  expect(await s.open()).toEqual([]);
});

test('agent outdated and heartbeat truncated open and resolve with the next beat that says otherwise', async () => {
  const s = await scenario('flow-agent', 'dev');
  await s.beat({ protocol: 3, pods: [makePod(0)], podsTruncated: true, podsTotal: 5 });
  expect((await s.open()).map((i) => [i.kind, i.severity]).sort()).toEqual([
    ['agent_outdated', 'low'],
    ['heartbeat_truncated', 'low'],
  ]);
  expect(await s.status()).toBe('warning');
  await s.beat({ pods: [makePod(0)] });
  expect(await s.open()).toEqual([]);
  expect(await s.status()).toBe('healthy');
});

test('cluster offline opens from the status job and resolves with the next heartbeat; a quick return reopens it', async () => {
  const s = await scenario('flow-offline');
  await s.beat({});
  const away = new Date(Date.now() + (t.config.offlineAfterSeconds + 5) * 1000);
  await detectClusterStatus(t.db, t.config, away);
  expect((await s.open()).map((i) => i.kind)).toEqual(['cluster_offline']);
  expect(await s.status()).toBe('offline');
  await s.beat({ pods: [makePod(0)] });
  expect(await s.open()).toEqual([]);
  expect(await s.status()).toBe('healthy');
  await detectClusterStatus(t.db, t.config, new Date(away.getTime() + (t.config.offlineAfterSeconds + 5) * 1000));
  expect((await s.open()).map((i) => [i.kind, i.reopenCount])).toEqual([['cluster_offline', 1]]);
});
