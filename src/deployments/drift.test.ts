// Drift on real Postgres from protocol-7 heartbeats: shown per cluster on the deployment (API and page) and on the
// cluster, re-applied in one call, and healed automatically only when self-heal is on, within its doubling bound;
// every heal audited; another org answers 404.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { PROTOCOL, type CommandEnvelope, type ManagedObject } from '../contract';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp, type TestUser } from '../testing/app';
import { answerCommands, APPLY_ON, WEB_DEPLOYMENT } from '../testing/deployments';
import { createEnrolledCluster, makeHeartbeat, sendHeartbeat } from '../testing/heartbeats';
import { applyRevision } from './apply';
import { healDrift } from './self-heal';
import { applyOneVia } from './waves-apply';
import { createDeployment } from './service';

type Api = Awaited<ReturnType<typeof apiClient>>;
const MANIFESTS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: "fast"
---
${WEB_DEPLOYMENT}`;
const MIN = 60_000;

let t: TestApp;
let owner: TestUser;
let api: Api;
let outsider: Api;
let cluster: { clusterId: string; agentKey: string };
let depId = '';

function managed(drift: string[]): ManagedObject[] {
  return [
    { deployment: depId, revision: 1, apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings', drift: [] },
    { deployment: depId, revision: 1, apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', drift },
  ];
}

async function beat(drift: string[]): Promise<void> {
  const body = { ...makeHeartbeat({ capabilities: APPLY_ON }), protocol: PROTOCOL, managed: managed(drift), managedTruncated: false };
  const res = await sendHeartbeat(t, cluster.agentKey, body);
  expect(res.status).toBe(200);
}

const agentAnswers = (): Promise<CommandEnvelope[]> => answerCommands(t, cluster.agentKey);

beforeAll(async () => {
  t = await startTestApp({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000, commandsPollSeconds: 1 });
  owner = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Drift Org', null, { userId: owner.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, owner));
  const other = await makeUser(t.db);
  await makeOrg(t.db, 'Other Drift Org', null, { userId: other.id, role: 'owner' });
  outsider = await apiClient(t, await signIn(t, other));
  cluster = await createEnrolledCluster(t, api, { name: 'edge-drift', orgId: org.id });
  expect((await sendHeartbeat(t, cluster.agentKey, makeHeartbeat({ capabilities: APPLY_ON }))).status).toBe(200);
  const actor = { userId: owner.id, email: owner.email, ip: null };
  const created = await createDeployment(t.db, actor, {
    orgId: org.id,
    name: 'web',
    namespace: 'shop',
    manifests: MANIFESTS,
    source: 'import',
    targets: { clusterIds: [cluster.clusterId] },
  });
  if (!created.ok) throw new Error(created.message);
  depId = created.deployment.id;
  const applied = await applyRevision(t.db, t.replica.commandSignals, actor, depId, 1, null);
  expect(applied.ok).toBe(true);
  expect(await agentAnswers()).toHaveLength(1);
});
afterAll(async () => {
  await t.close();
});

type Health = { clusters: { clusterId: string; drift: { kind: string; name: string; fields: string[] }[] }[] };

test('drift from a heartbeat shows on the deployment (API, page) and on the cluster; in-sync objects do not', async () => {
  await beat(['spec.replicas', 'spec.template.spec.containers[name=web].image']);
  const h = (await (await api.call('GET', `/v1/deployments/${depId}/health`)).json()) as Health;
  expect(h.clusters[0].drift).toEqual([
    expect.objectContaining({ kind: 'Deployment', name: 'web', fields: ['spec.replicas', 'spec.template.spec.containers[name=web].image'] }),
  ]);
  const onCluster = (await (await api.call('GET', `/v1/clusters/${cluster.clusterId}/drift`)).json()) as {
    deployments: { deploymentId: string; revision: number; drift: { name: string }[] }[];
  };
  expect(onCluster.deployments.map((d) => [d.deploymentId, d.revision, d.drift.map((o) => o.name)])).toEqual([[depId, 1, ['web']]]);
  const page = await (await api.call('GET', `/deployments/${depId}/ops`)).text();
  expect(page).toContain('Deployment shop/web');
  expect(page).toContain('spec.replicas, spec.template.spec.containers[name=web].image');
  expect(page).toContain(`/deployments/${depId}/clusters/${cluster.clusterId}/reapply`);
  const tab = await (await api.call('GET', `/clusters/${cluster.clusterId}/deployments/drift`)).text();
  expect(tab).toContain(`data-drift-deployment="${depId}"`);
  // The cluster's Deployments tab includes the same block.
  const fullTab = await (await api.call('GET', `/clusters/${cluster.clusterId}/deployments`)).text();
  expect(fullTab).toContain(`data-drift-deployment="${depId}"`);
  expect(fullTab).toContain('spec.replicas, spec.template.spec.containers[name=web].image');
  expect((await outsider.call('GET', `/v1/clusters/${cluster.clusterId}/drift`)).status).toBe(404);
  expect((await outsider.call('POST', `/v1/deployments/${depId}/clusters/${cluster.clusterId}/reapply`)).status).toBe(404);
});

test('with self-heal off, drift is only shown: the pass heals nothing', async () => {
  expect(await healDrift(t.db, new Date(), applyOneVia(t.replica.commandSignals, []))).toEqual([]);
  expect(await agentAnswers()).toEqual([]);
});

test('re-apply queues the applied revision on that cluster; the next heartbeat in sync clears the drift', async () => {
  const res = await api.call('POST', `/v1/deployments/${depId}/clusters/${cluster.clusterId}/reapply`);
  expect(res.status).toBe(202);
  expect(((await res.json()) as { revision: number }).revision).toBe(1);
  const cmds = await agentAnswers();
  expect(cmds.map((c) => [c.type, (c.payload as { deployment: { revision: number } }).deployment.revision])).toEqual([['apply', 1]]);
  await beat([]);
  const h = (await (await api.call('GET', `/v1/deployments/${depId}/health`)).json()) as Health;
  expect(h.clusters[0].drift).toEqual([]);
});

test('self-heal on: drift is re-applied at once, then not again within the minute, then after it with a doubled wait; audited', async () => {
  const on = await api.call('PUT', `/v1/deployments/${depId}/self-heal`, { enabled: true });
  expect(on.status).toBe(200);
  await beat(['spec.replicas']);
  const t0 = new Date();
  let heals = await healDrift(t.db, t0, applyOneVia(t.replica.commandSignals, []));
  expect(heals.map((h) => [h.clusterId, h.revision, h.healed])).toEqual([[cluster.clusterId, 1, true]]);
  expect((await agentAnswers()).map((c) => c.type)).toEqual(['apply']);
  // Another controller puts the field back at once.
  await beat(['spec.replicas']);
  heals = await healDrift(t.db, new Date(t0.getTime() + 30_000), applyOneVia(t.replica.commandSignals, []));
  expect(heals).toEqual([]);
  heals = await healDrift(t.db, new Date(t0.getTime() + MIN), applyOneVia(t.replica.commandSignals, []));
  expect(heals.map((h) => h.healed)).toEqual([true]);
  await agentAnswers();
  const row = await queryRows<{ streak: number; wait_ms: number }>(
    t.db,
    sql`select streak, (extract(epoch from next_allowed_at - last_heal_at) * 1000)::int as wait_ms from deployment_heals where deployment_id = ${depId}`,
  );
  expect(row).toEqual([{ streak: 2, wait_ms: 2 * MIN }]);
  const audit = await queryRows<{ action: string; actor: string }>(
    t.db,
    sql`select action, actor from audit_events where target = ${depId} and action like 'deployment.self-heal%' order by id`,
  );
  expect(audit.map((a) => `${a.actor} ${a.action}`)).toEqual([
    `${owner.email} deployment.self-heal.enable`,
    'niro deployment.self-heal',
    'niro deployment.self-heal',
  ]);
});
