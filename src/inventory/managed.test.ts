// Managed objects from protocol-8 heartbeats on real Postgres: the set replaces the stored one when a beat carries it,
// a beat without it changes nothing, drift appearing and clearing reaches the timeline, bad input is a 400 naming the
// field, older protocols still pass, and rows go with their cluster.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, sendHeartbeat } from '../testing/heartbeats';
import { LIMITS, type HeartbeatResponse, type ManagedObject } from '../contract';
import { listTimeline } from '../clusters/timeline';
import { clusters } from '../clusters/schema';
import { listManagedObjects } from './managed';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
beforeAll(async () => {
  t = await startTestApp({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Managed Org', null, { userId: user.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, user));
});
afterAll(async () => {
  await t.close();
});

const DEPLOYMENT = '6f1d2c3b-4a59-4e8f-9a0b-1c2d3e4f5a6b';

function managed(name: string, kind: string, drift: string[] = [], revision = 1, deployment = DEPLOYMENT): ManagedObject {
  return { deployment, revision, apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, namespace: 'shop', name, drift };
}

async function beat(agentKey: string, extra: Record<string, unknown>): Promise<{ status: number; body: HeartbeatResponse & { error?: { message: string } } }> {
  const res = await sendHeartbeat(t, agentKey, { ...makeHeartbeat(), ...extra });
  return { status: res.status, body: (await res.json()) as HeartbeatResponse & { error?: { message: string } } };
}

test('the reported set replaces the stored one; a beat without it leaves it; managedStored acknowledges', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'managed-set' });
  const first = await beat(c.agentKey, { managed: [managed('web', 'Deployment'), managed('web', 'Service'), managed('web-config', 'ConfigMap')] });
  expect(first.status).toBe(200);
  expect(first.body.managedStored).toBe(true);
  let rows = await listManagedObjects(t.db, { clusterId: c.clusterId });
  expect(rows.map((r) => `${r.kind}/${r.name}`)).toEqual(['ConfigMap/web-config', 'Deployment/web', 'Service/web']);
  expect(rows[1]).toMatchObject({
    clusterId: c.clusterId,
    deploymentId: DEPLOYMENT,
    revision: 1,
    apiVersion: 'apps/v1',
    namespace: 'shop',
    drift: [],
    driftSince: null,
  });
  const observed = rows[0].observedAt;

  // A steady beat carries no set: nothing changes, nothing is acknowledged.
  const steady = await beat(c.agentKey, {});
  expect(steady.body.managedStored).toBeUndefined();
  rows = await listManagedObjects(t.db, { clusterId: c.clusterId });
  expect(rows).toHaveLength(3);
  expect(rows[0].observedAt).toEqual(observed);

  // Revision 2 pruned the ConfigMap: the next set has two objects at revision 2.
  await beat(c.agentKey, { managed: [managed('web', 'Deployment', [], 2), managed('web', 'Service', [], 2)] });
  rows = await listManagedObjects(t.db, { clusterId: c.clusterId });
  expect(rows.map((r) => `${r.kind}/${r.name}@${r.revision}`)).toEqual(['Deployment/web@2', 'Service/web@2']);

  // By deployment, across clusters; another deployment's id finds nothing here.
  expect((await listManagedObjects(t.db, { deploymentId: DEPLOYMENT })).filter((r) => r.clusterId === c.clusterId)).toHaveLength(2);
  expect(await listManagedObjects(t.db, { clusterId: c.clusterId, deploymentId: 'another' })).toEqual([]);

  // An empty set is a set: everything went (the deployment was deleted).
  expect((await beat(c.agentKey, { managed: [] })).body.managedStored).toBe(true);
  expect(await listManagedObjects(t.db, { clusterId: c.clusterId })).toEqual([]);
});

test('drift appearing and clearing reaches the timeline once each, with driftSince kept while it lasts', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'managed-drift' });
  await beat(c.agentKey, { managed: [managed('web', 'Deployment'), managed('web', 'Service')] });
  await beat(c.agentKey, { managed: [managed('web', 'Deployment', ['spec.replicas']), managed('web', 'Service')] });
  let rows = await listManagedObjects(t.db, { clusterId: c.clusterId });
  expect(rows[0]).toMatchObject({ kind: 'Deployment', drift: ['spec.replicas'] });
  const since = rows[0].driftSince;
  expect(since).not.toBeNull();
  // More drift on the same object: still the same episode (no new entry, same driftSince).
  await beat(c.agentKey, {
    managed: [managed('web', 'Deployment', ['spec.replicas', 'spec.template.spec.containers[name=web].image']), managed('web', 'Service')],
  });
  rows = await listManagedObjects(t.db, { clusterId: c.clusterId });
  expect(rows[0].drift).toEqual(['spec.replicas', 'spec.template.spec.containers[name=web].image']);
  expect(rows[0].driftSince).toEqual(since);
  // Re-applied: in sync again.
  await beat(c.agentKey, { managed: [managed('web', 'Deployment', [], 1), managed('web', 'Service')] });
  rows = await listManagedObjects(t.db, { clusterId: c.clusterId });
  expect(rows[0]).toMatchObject({ drift: [], driftSince: null });

  const entries = (await listTimeline(t.db, c.clusterId, { limit: 50, kind: 'drift' })).reverse();
  expect(entries.map((e) => e.message)).toEqual(['Drift on Deployment shop/web: spec.replicas', 'Deployment shop/web back in sync with revision 1']);
  expect(entries[0].details).toMatchObject({ deploymentId: DEPLOYMENT, kind: 'Deployment', name: 'web', drifted: true, drift: ['spec.replicas'] });
});

test('a mass drift adds at most 20 entries and one summary', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'managed-mass' });
  const many = Array.from({ length: 30 }, (_, i) => managed(`cm-${String(i).padStart(2, '0')}`, 'ConfigMap'));
  await beat(c.agentKey, { managed: many });
  await beat(c.agentKey, { managed: many.map((m) => ({ ...m, drift: ['data'] })) });
  const entries = await listTimeline(t.db, c.clusterId, { limit: 100, kind: 'drift' });
  expect(entries).toHaveLength(21);
  expect(entries.some((e) => e.message === '…and 10 more objects drifted or came back in sync')).toBe(true);
});

test('bad managed input is a 400 naming the field, before anything is stored; protocol 6 beats still pass', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'managed-bad' });
  const cases: [unknown, string][] = [
    [[{ ...managed('web', 'Deployment'), drift: 'spec.replicas' }], 'managed.0.drift'],
    [[{ ...managed('web', 'Deployment'), revision: -1 }], 'managed.0.revision'],
    [[{ ...managed('web', 'Deployment'), drift: Array.from({ length: LIMITS.driftPathsPerObject + 1 }, (_, i) => `p${i}`) }], 'managed.0.drift'],
    [[{ ...managed('web', 'Deployment'), drift: ['x'.repeat(LIMITS.driftPath + 1)] }], 'managed.0.drift.0'],
    [[{ ...managed('web', 'Deployment'), name: 'x'.repeat(LIMITS.name + 1) }], 'managed.0.name'],
  ];
  for (const [value, field] of cases) {
    const res = await beat(c.agentKey, { managed: value });
    expect(res.status).toBe(400);
    expect(res.body.error?.message.startsWith(`${field}:`)).toBe(true);
  }
  expect(await listManagedObjects(t.db, { clusterId: c.clusterId })).toEqual([]);
  const old = await beat(c.agentKey, { protocol: 6 });
  expect(old.status).toBe(200);
  expect(old.body.managedStored).toBeUndefined();
});

test('rows go with their cluster', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'managed-gone' });
  await beat(c.agentKey, { managed: [managed('web', 'Deployment')] });
  await t.db.delete(clusters).where(eq(clusters.id, c.clusterId));
  expect(await listManagedObjects(t.db, { clusterId: c.clusterId })).toEqual([]);
});
