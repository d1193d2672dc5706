// GitOps end to end: a kustomize overlay in a Git repository served over smart HTTP, a deployment created from it with
// auto-apply, a real agent with the apply capability against the simulator. A push to the tracked branch → the
// signed webhook → a new revision recording the commit → applied by the agent (the simulator holds the new content,
// owned by niro); with auto-apply off, the next push leaves the deployment "out of sync with Git at <commit>" until
// Apply is clicked.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../sim/index.ts';
import { inClusterEnv, startAgentProcess, type AgentProcess } from '../../agent/testing/agent-process.ts';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app.ts';
import { createTestRepo, startGitHttpServer, tempDir, type GitHttpServer, type TestRepo } from '../testing/git-server.ts';
import { until } from '../testing/receivers.ts';

const SECRET = `whsec-${randomBytes(12).toString('hex')}`;
const TOKEN = `glpat-${randomBytes(12).toString('hex')}`;

const BASE = {
  'base/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
  'base/kustomization.yaml':
    'resources:\n  - namespace.yaml\n  - deployment.yaml\nconfigMapGenerator:\n  - name: web-config\n    literals:\n      - MODE=base\n',
  'base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
`,
};
const overlay = (replicas: number) => ({
  'overlays/prod/kustomization.yaml': `namespace: shop\nresources:\n  - ../../base\npatches:\n  - target: {kind: Deployment, name: web}\n    patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: ${replicas}\n`,
});

let t: TestApp;
let sim: Simulator;
let api: Awaited<ReturnType<typeof apiClient>>;
let browser: Browser;
let agent: AgentProcess | null = null;
let agentRoot = '';
let server: ReturnType<typeof Bun.serve>;
let gitRoot: { dir: string; remove: () => Promise<void> };
let repo: TestRepo;
let git: GitHttpServer;
let clusterId = '';
let deploymentId = '';
let sourceId = '';

const replicas = (): number | null => (sim.get('apps/deployments', 'shop', 'web') as { spec: { replicas: number } } | null)?.spec.replicas ?? null;

async function source(): Promise<{ status: string; lastCommit: string | null; lastRevision: number | null; error: string | null }> {
  return (await api.call('GET', `/v1/deployments/${deploymentId}/git`)).json();
}

async function push(commit: string, delivery: string): Promise<number> {
  const body = JSON.stringify({ ref: 'refs/heads/main', after: commit, repository: { full_name: 'acme/shop' } });
  const res = await t.request(`/v1/integrations/git/webhook/${sourceId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  return res.status;
}

beforeAll(async () => {
  t = await startTestApp({ heartbeatIntervalSeconds: 1, heartbeatRatePerMinute: 600, heartbeatBurst: 100, commandsPollSeconds: 5 });
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'GitOps E2E', null, { userId: user.id, role: 'owner' });
  browser = await signIn(t, user);
  api = await apiClient(t, browser);
  gitRoot = await tempDir();
  repo = await createTestRepo(gitRoot.dir, 'shop');
  await repo.commit({ ...BASE, ...overlay(2) }, { message: 'shop at 2 replicas' });
  git = startGitHttpServer(gitRoot.dir, { username: 'x-access-token', password: TOKEN });
  sim = await startSimulator({ name: 'gitops', nodes: 1, pods: 3, tickMs: 0, evolve: false, logLinesPerSecond: 0, rbac: { apply: true } });
  agentRoot = mkdtempSync(join(tmpdir(), 'niro-gitops-e2e-'));
  await sim.writeInClusterFiles(agentRoot);
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (request) => t.app.fetch(request) });
  const created = (await (await api.call('POST', '/v1/clusters', { name: 'edge-1', environment: 'production', orgId: org.id })).json()) as {
    cluster: { id: string };
    enrollment: { token: string };
  };
  clusterId = created.cluster.id;
  agent = startAgentProcess({ NIRO_URL: `http://127.0.0.1:${server.port}`, NIRO_TOKEN: created.enrollment.token, ...inClusterEnv(sim.port, agentRoot) });
  await until(
    async () => {
      const c = (await (await api.call('GET', `/v1/clusters/${clusterId}`)).json()) as { capabilities: { apply: { enabled: boolean } } | null };
      return c.capabilities?.apply.enabled === true;
    },
    'the agent to report the apply capability',
    30_000,
  );
}, 90_000);

afterAll(async () => {
  await agent?.stop(3000);
  server?.stop(true);
  await sim?.stop();
  await git?.stop();
  await gitRoot?.remove();
  await t?.close();
  if (agentRoot) rmSync(agentRoot, { recursive: true, force: true });
});

describe('GitOps on a real agent and the simulator', () => {
  test('created from Git with auto-apply: the kustomize overlay is applied by the agent', async () => {
    const res = await api.call('POST', '/v1/deployments/from-git', {
      orgId: (await (await api.call('GET', `/v1/clusters/${clusterId}`)).json()).orgId,
      name: 'shop',
      namespace: 'shop',
      targets: { clusterIds: [clusterId] },
      git: { url: `${git.url}/shop.git`, ref: 'main', path: 'overlays/prod', token: TOKEN, webhookSecret: SECRET, autoApply: true },
    });
    const body = await res.json();
    expect(res.status).toBe(201);
    deploymentId = body.deployment.id;
    sourceId = body.source.id;
    expect(body.source).toMatchObject({ status: 'synced', lastRevision: 1 });
    await until(() => replicas() === 2, 'revision 1 in the simulator', 30_000);
    const web = sim.get('apps/deployments', 'shop', 'web') as { metadata: { labels: Record<string, string>; managedFields: { manager: string }[] } };
    expect(web.metadata.labels['niro.dev/deployment']).toBe(deploymentId);
    expect(web.metadata.managedFields.map((f) => f.manager)).toContain('niro');
  }, 45_000);

  test('a push → the signed webhook → revision 2 recording the commit → applied to the simulator', async () => {
    const commit = await repo.commit(overlay(4), { message: 'scale to 4' });
    expect(await push(commit, 'e2e-1')).toBe(202);
    await until(() => replicas() === 4, 'revision 2 in the simulator', 30_000);
    expect(await source()).toMatchObject({ status: 'synced', lastCommit: commit, lastRevision: 2, error: null });
    const revision = (await (await api.call('GET', `/v1/deployments/${deploymentId}/revisions/2`)).json()) as {
      gitCommit?: string;
      revision?: { gitCommit: string };
    };
    expect(revision.revision?.gitCommit ?? revision.gitCommit).toBe(commit);
  }, 45_000);

  test('with auto-apply off, a push leaves it out of sync with Git at the commit until Apply is clicked', async () => {
    expect((await api.call('PUT', `/v1/deployments/${deploymentId}/git`, { autoApply: false })).status).toBe(200);
    const commit = await repo.commit(overlay(5), { message: 'scale to 5' });
    expect(await push(commit, 'e2e-2')).toBe(202);
    await until(async () => (await source()).lastCommit === commit, 'the sync of the new commit', 30_000);
    expect(await source()).toMatchObject({ status: 'out_of_sync', lastRevision: 3 });
    expect(replicas()).toBe(4);
    const page = await (await browser.get(`/deployments/${deploymentId}`)).text();
    expect(page).toContain(`Out of sync with Git at ${commit.slice(0, 12)}: revision 3 is not applied yet.`);
    const click = await browser.post(`/deployments/${deploymentId}/git/apply`, {});
    expect(click.status).toBe(303);
    await until(() => replicas() === 5, 'revision 3 in the simulator', 30_000);
    expect((await source()).status).toBe('synced');
  }, 60_000);
});
