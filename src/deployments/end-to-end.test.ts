// Deployments end to end through the operator's API: the real control plane (real Postgres), a real agent process
// with the apply capability against the simulator, and a second cluster whose agent lacks it. Create → the apply is
// refused whole while the cluster without the capability is a target → narrowed, applied: the simulator holds every
// object labelled with the deployment and owned by field manager niro, the status turns applied from the agent's
// result → revision 2 prunes the dropped object → rollback brings revision 1's content back → delete removes exactly
// what was created and leaves the namespace.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../sim/index.ts';
import { inClusterEnv, startAgentProcess, waitUntil, type AgentProcess } from '../../agent/testing/agent-process.ts';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app.ts';
import { createEnrolledCluster, makeHeartbeat, sendHeartbeat } from '../testing/heartbeats.ts';
import type { DeploymentDetailJson } from './responses.ts';

const MANIFESTS_1 = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data: {mode: blue}
`;
const MANIFESTS_2 = MANIFESTS_1.slice(0, MANIFESTS_1.indexOf('---\napiVersion: v1\nkind: ConfigMap')).replace('replicas: 2', 'replicas: 3');

let t: TestApp;
let sim: Simulator;
let api: Awaited<ReturnType<typeof apiClient>>;
let agent: AgentProcess | null = null;
let root = '';
let server: ReturnType<typeof Bun.serve>;
let clusterId = '';
let offClusterId = '';
let id = '';

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** The simulator's Deployment shop/web's spec.replicas. */
const replicas = (): unknown => (sim.get('apps/deployments', 'shop', 'web') as unknown as { spec: { replicas: number } }).spec.replicas;

const detail = async (): Promise<DeploymentDetailJson> => json<DeploymentDetailJson>(await api.call('GET', `/v1/deployments/${id}`), 200);

async function waitApplied(revision: number): Promise<DeploymentDetailJson> {
  let last: DeploymentDetailJson | null = null;
  await waitUntil(
    async () => {
      last = await detail();
      const c = last.clusters.find((x) => x.clusterId === clusterId);
      if (c?.status === 'failed') throw new Error(`apply failed: ${c.error}`);
      return c?.status === 'applied' && c.appliedRevision === revision;
    },
    30_000,
    `revision ${revision} applied`,
  );
  return last!;
}

beforeAll(async () => {
  t = await startTestApp({ heartbeatIntervalSeconds: 1, heartbeatRatePerMinute: 600, heartbeatBurst: 100, commandsPollSeconds: 5 });
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'E2E Deployments', null, { userId: user.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, user));
  sim = await startSimulator({ name: 'e2e', nodes: 1, pods: 3, tickMs: 0, evolve: false, logLinesPerSecond: 0, rbac: { apply: true } });
  root = mkdtempSync(join(tmpdir(), 'niro-dep-e2e-'));
  await sim.writeInClusterFiles(root);
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (request) => t.app.fetch(request) });
  const created = await json<{ cluster: { id: string }; enrollment: { token: string } }>(
    await api.call('POST', '/v1/clusters', { name: 'edge-berlin', environment: 'production', orgId: org.id }),
    201,
  );
  clusterId = created.cluster.id;
  agent = startAgentProcess({ NIRO_URL: `http://127.0.0.1:${server.port}`, NIRO_TOKEN: created.enrollment.token, ...inClusterEnv(sim.port, root) });
  // A second cluster, in the same environment, whose agent reports apply as off.
  const off = await createEnrolledCluster(t, api, { name: 'edge-read-only', environment: 'production', orgId: org.id });
  offClusterId = off.clusterId;
  expect((await sendHeartbeat(t, off.agentKey, makeHeartbeat())).status).toBe(200);
  await waitUntil(
    async () => {
      const c = await json<{ capabilities: { apply: { enabled: boolean } } | null }>(await api.call('GET', `/v1/clusters/${clusterId}`), 200);
      return c.capabilities?.apply.enabled === true;
    },
    30_000,
    'the agent to report the apply capability',
  );
  const res = await json<{ deployment: { id: string } }>(
    await api.call('POST', '/v1/deployments', {
      orgId: org.id,
      name: 'shop',
      namespace: 'shop',
      manifests: MANIFESTS_1,
      targets: { environments: ['production'] },
    }),
    201,
  );
  id = res.deployment.id;
}, 90_000);

afterAll(async () => {
  await agent?.stop(3000);
  server?.stop(true);
  await sim?.stop();
  await t?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a deployment on a real agent and the simulator', () => {
  test('refused whole, with the hint, while a target lacks the apply capability', async () => {
    const res = await json<{ error: { code: string; message: string } }>(await api.call('POST', `/v1/deployments/${id}/apply`, {}), 409);
    expect(res.error.code).toBe('capability_missing');
    expect(res.error.message).toContain('"edge-read-only"');
    expect(res.error.message).toContain('NIRO_ENABLE_APPLY=1');
    const commands = await json<{ commands: unknown[] }>(await api.call('GET', `/v1/clusters/${clusterId}/commands`), 200);
    expect(commands.commands).toEqual([]);
    await json(await api.call('PATCH', `/v1/deployments/${id}`, { targets: { clusterIds: [clusterId] } }), 200);
    const d = await detail();
    expect(d.candidates.map((c) => c.clusterName)).toEqual(['edge-berlin']);
    expect(offClusterId).not.toBe('');
  });

  test('revision 1 applied: objects labelled with the deployment, field manager niro, status applied with a sync time', async () => {
    await json(await api.call('POST', `/v1/deployments/${id}/apply`, {}), 202);
    const d = await waitApplied(1);
    expect(d.clusters[0].lastSyncAt).not.toBeNull();
    for (const [resource, name] of [
      ['apps/deployments', 'web'],
      ['services', 'web'],
      ['configmaps', 'web-config'],
    ]) {
      const o = sim.get(resource, 'shop', name) as {
        metadata: { labels: Record<string, string>; annotations: Record<string, string>; managedFields: { manager: string }[] };
      };
      expect(o).not.toBeNull();
      expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'niro', 'niro.dev/deployment': id });
      expect(o.metadata.annotations['niro.dev/revision']).toBe('1');
      expect(o.metadata.managedFields.map((f) => f.manager)).toContain('niro');
    }
    expect(sim.get('namespaces', undefined, 'shop')).not.toBeNull();
  }, 45_000);

  test('revision 2 prunes the ConfigMap it dropped', async () => {
    const rev = await json<{ revision: { number: number } }>(await api.call('POST', `/v1/deployments/${id}/revisions`, { manifests: MANIFESTS_2 }), 201);
    expect(rev.revision.number).toBe(2);
    await json(await api.call('POST', `/v1/deployments/${id}/apply`, { revision: 2 }), 202);
    await waitApplied(2);
    expect(sim.get('configmaps', 'shop', 'web-config')).toBeNull();
    expect(replicas()).toBe(3);
  }, 45_000);

  test('rollback to revision 1 is revision 3 and brings its content back', async () => {
    const res = await json<{ revision: { number: number; rollbackOf: number } }>(
      await api.call('POST', `/v1/deployments/${id}/rollback`, { revision: 1 }),
      202,
    );
    expect(res.revision).toMatchObject({ number: 3, rollbackOf: 1 });
    await waitApplied(3);
    expect(sim.get('configmaps', 'shop', 'web-config')).not.toBeNull();
    expect(replicas()).toBe(2);
    const timeline = await json<{ entries: { message: string }[] }>(await api.call('GET', `/v1/clusters/${clusterId}/timeline?kind=deployment`), 200);
    expect(timeline.entries[0].message).toStartWith('deployment shop revision 3 applied');
    expect(timeline.entries.some((e) => e.message.includes('rolled deployment shop back to revision 1 (revision 3)'))).toBe(true);
  }, 45_000);

  test('delete removes exactly what it created and never the namespace', async () => {
    await json(await api.call('DELETE', `/v1/deployments/${id}`), 202);
    await waitUntil(async () => (await detail()).status === 'deleted', 30_000, 'the deployment deleted');
    expect(sim.get('apps/deployments', 'shop', 'web')).toBeNull();
    expect(sim.get('services', 'shop', 'web')).toBeNull();
    expect(sim.get('configmaps', 'shop', 'web-config')).toBeNull();
    expect(sim.get('namespaces', undefined, 'shop')).not.toBeNull();
  }, 45_000);
});
