// End to end with a real agent and the simulator: a deployment built with a registry reaches the cluster with a
// filled kubernetes.io/dockerconfigjson Secret (applied as niro, labelled with the deployment) while the database
// keeps only the reference; rotating the password rewrites the Secret in the cluster.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { startSimulator, type Simulator } from '../../sim/index.ts';
import { startAgentProcess, waitUntil, type AgentProcess } from '../../agent/testing/agent-process.ts';
import { queryRows } from '../db/client';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { listen } from '../testing/browser';

const PASSWORD = 'glpat-E2eRegistryToken-0123456789';
const ROTATED = 'glpat-E2eRotatedToken-9876543210';

let t: TestApp;
let sim: Simulator;
let agent: AgentProcess;
let root = '';
let api: Awaited<ReturnType<typeof apiClient>>;
let orgId = '';
let clusterId = '';

beforeAll(async () => {
  t = await startTestApp({ heartbeatIntervalSeconds: 1, commandsPollSeconds: 2, heartbeatRatePerMinute: 6000, heartbeatBurst: 1000 });
  const base = listen(t);
  const u = await makeUser(t.db);
  orgId = (await makeOrg(t.db, 'E2E Registries', null, { userId: u.id, role: 'owner' })).id;
  api = await apiClient(t, await signIn(t, u));
  sim = await startSimulator({ name: 'edge-1', nodes: 1, pods: 4, tickMs: 0, evolve: false, logLinesPerSecond: 0, rbac: { apply: true } });
  root = mkdtempSync(join(tmpdir(), 'niro-registries-e2e-'));
  await sim.writeInClusterFiles(root);
  const created = await api.call('POST', '/v1/clusters', { name: 'edge-1', environment: 'production', orgId });
  const body = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
  clusterId = body.cluster.id;
  agent = startAgentProcess({
    NIRO_URL: base,
    NIRO_TOKEN: body.enrollment.token,
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: String(sim.port),
    NIRO_IN_CLUSTER_ROOT: root,
    NODE_EXTRA_CA_CERTS: join(root, 'var/run/secrets/kubernetes.io/serviceaccount/ca.crt'),
  });
}, 60_000);

afterAll(async () => {
  await agent?.stop(3000);
  await t.app.stop?.();
  await sim?.stop();
  await t.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

type SecretObject = { type?: string; data?: Record<string, string>; metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } };

function passwordInCluster(): string | null {
  const secret = sim.get('secrets', 'shop', 'gitlab-acme') as SecretObject | null;
  const encoded = secret?.data?.['.dockerconfigjson'];
  if (!encoded) return null;
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')).auths['registry.gitlab.example.com'].password;
}

test('built, applied, rotated: the cluster gets the credential, the database never does', async () => {
  // The agent enrolls and reports the apply capability.
  await waitUntil(
    async () => {
      const res = await api.call('GET', `/v1/clusters/${clusterId}`);
      const c = (await res.json()) as { capabilities?: { apply?: { enabled: boolean } } | null };
      return c.capabilities?.apply?.enabled === true;
    },
    30_000,
    'the apply capability',
  );
  const reg = await api.call('POST', '/v1/registries', {
    orgId,
    name: 'gitlab-acme',
    server: 'registry.gitlab.example.com',
    username: 'deploy',
    password: PASSWORD,
  });
  const registryId = ((await reg.json()) as { id: string }).id;
  const form = {
    name: 'web',
    namespace: 'shop',
    image: 'registry.gitlab.example.com/acme/web:1.4.2',
    replicas: 2,
    ports: [{ name: 'http', containerPort: 8080 }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    readinessProbe: { type: 'http', path: '/ready', port: 8080 },
    service: { port: 80 },
    registries: [registryId],
  };
  const rendered = (await (await api.call('POST', `/v1/deployments/render?org=${orgId}`, form)).json()) as { yaml: string; findings: { ruleId: string }[] };
  expect(rendered.findings.map((f) => f.ruleId)).not.toContain('registry-pull-secret');
  const created = await api.call('POST', '/v1/deployments', {
    orgId,
    name: 'web',
    namespace: 'shop',
    manifests: rendered.yaml,
    source: 'builder',
    builderForm: form,
    targets: { clusterIds: [clusterId] },
  });
  expect(created.status).toBe(201);
  const deploymentId = ((await created.json()) as { deployment: { id: string } }).deployment.id;
  expect((await api.call('POST', `/v1/deployments/${deploymentId}/apply`, {})).status).toBe(202);

  // The agent applied every object (the Secret before the Deployment) and reported it.
  await waitUntil(
    async () =>
      ((await (await api.call('GET', `/v1/deployments/${deploymentId}`)).json()) as { clusters: { status: string }[] }).clusters[0]?.status === 'applied',
    30_000,
    'the target applied',
  );
  // The filled Secret carries the deployment's labels, and the Deployment references it.
  expect(passwordInCluster()).toBe(PASSWORD);
  const secret = sim.get('secrets', 'shop', 'gitlab-acme') as SecretObject;
  expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
  expect(secret.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'niro', 'niro.dev/deployment': deploymentId });
  expect(secret.metadata.annotations).toMatchObject({ 'niro.dev/registry': registryId, 'niro.dev/revision': '1' });
  const dep = sim.get('apps/deployments', 'shop', 'web') as { spec: { template: { spec: { imagePullSecrets?: { name: string }[] } } } } | null;
  expect(dep?.spec.template.spec.imagePullSecrets).toEqual([{ name: 'gitlab-acme' }]);

  // Rotation: one apply of the Secret to this cluster; the cluster's Secret changes, its labels stay.
  const rotated = await api.call('PATCH', `/v1/registries/${registryId}`, { password: ROTATED });
  const { redeliveries } = (await rotated.json()) as { redeliveries: { clusterId: string; commandId: string | null }[] };
  expect(redeliveries.map((r) => r.clusterId)).toEqual([clusterId]);
  expect(redeliveries[0].commandId).not.toBeNull();
  await waitUntil(() => passwordInCluster() === ROTATED, 30_000, 'the rotated Secret in the cluster');
  expect((sim.get('secrets', 'shop', 'gitlab-acme') as SecretObject).metadata.labels).toMatchObject({ 'niro.dev/deployment': deploymentId });
  expect(sim.get('apps/deployments', 'shop', 'web')).not.toBeNull();

  // Neither password is anywhere in the database, nor in the server's log.
  const tables = await queryRows<{ table_name: string }>(
    t.db,
    sql`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`,
  );
  let dump = '';
  for (const { table_name } of tables)
    dump += (await queryRows<{ row: string }>(t.db, sql`select t::text as row from ${sql.identifier(table_name)} t`)).map((r) => r.row).join('\n');
  expect(dump).toContain(registryId);
  const logs = t.logs.join('\n');
  for (const secret of [PASSWORD, ROTATED, Buffer.from(`deploy:${PASSWORD}`).toString('base64'), Buffer.from(`deploy:${ROTATED}`).toString('base64')]) {
    expect(dump).not.toContain(secret);
    expect(logs).not.toContain(secret);
  }
}, 120_000);
