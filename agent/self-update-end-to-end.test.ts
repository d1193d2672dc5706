// End to end: a self-update rollout over 5 simulated clusters, each with the real agent process against the real control plane: waves in order (production last), each agent patches its own Deployment in the simulator, the simulator replaces the pod and the test restarts the agent at the new version; one production cluster never comes back and the rollout pauses with the reason; the fleet page open in real Chromium shows the new versions by its own polling.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Server } from 'bun';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Browser as Chromium, Page } from 'playwright-core';
import { CHROMIUM_PATH, browserSignIn, launchBrowser } from '../src/testing/browser.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../sim/index.ts';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp, type TestUser } from '../src/testing/app.ts';
import { createLogger } from '../src/log.ts';
import { createMetrics } from '../src/metrics.ts';
import type { Job } from '../src/db/jobs.ts';
import { startRolloutJob } from '../src/rollouts/engine.ts';
import type { RolloutJson } from '../src/rollouts/responses.ts';
import { AGENT_MAIN, inClusterEnv, startAgentProcess, waitUntil, type AgentProcess } from './testing/agent-process.ts';
import { AGENT_VERSION } from './version.ts';

const NEW = `${AGENT_VERSION}-next`;
const IMAGE = `ghcr.io/niro/niro-agent:${NEW}`;
const AT_VERSION = join(import.meta.dir, 'testing', 'agent-at-version.ts');
/** Long enough for a restarted agent's first beat on a busy machine; the one that never comes back waits it out once. */
const ROLLOUT_TIMEOUT_MS = 20_000;
const kubectlPath = Bun.which('kubectl');

type Edge = {
  name: string;
  environment: string;
  /** Plays the cluster whose new agent pod never starts: its old agent is gone with the old pod, nothing replaces it. */
  neverComesBack: boolean;
  sim: Simulator;
  root: string;
  clusterId: string;
  token: string;
  agent: AgentProcess | null;
  version: string;
};

type Api = Awaited<ReturnType<typeof apiClient>>;
let t: TestApp;
let api: Api;
let browser: Browser;
let server: Server<unknown>;
let job: Job;
let supervisor: ReturnType<typeof setInterval> | null = null;
let chromium: Chromium | null = null;
let user: TestUser;
const edges: Edge[] = [];

function agentEnv(edge: Edge): Record<string, string> {
  return { NIRO_URL: `http://127.0.0.1:${server.port}`, NIRO_TOKEN: edge.token, NIRO_LOG_LEVEL: 'info', ...inClusterEnv(edge.sim.port, edge.root) };
}

/** The agent pod the simulator runs now (the Deployment's newest). */
function agentPod(edge: Edge): { name: string; image: string; running: boolean } | null {
  const pods = edge.sim.list('pods', 'niro-system').filter((p) => p.metadata.name.startsWith('niro-agent-'));
  const pod = pods.at(-1);
  if (!pod) return null;
  const spec = pod.spec as { containers: { image: string }[] };
  return { name: pod.metadata.name, image: spec.containers[0]!.image, running: (pod.status as { phase?: string }).phase === 'Running' };
}

/**
 * What the kubelet would do: when the simulator has replaced the agent's pod with one on the new image,
 * the old process ends and the new image's agent starts (the real agent, reporting the new version).
 */
async function superviseOnce(): Promise<void> {
  for (const edge of edges) {
    edge.sim.tick(1);
    const pod = agentPod(edge);
    if (!pod || pod.image !== IMAGE || !pod.running || edge.version === NEW) continue;
    edge.version = NEW;
    await edge.agent?.stop();
    edge.agent = edge.neverComesBack
      ? null
      : startAgentProcess({ ...agentEnv(edge), NIRO_TEST_AGENT_VERSION: NEW }, { command: [process.execPath, AT_VERSION] });
  }
}

async function rollout(id: string): Promise<RolloutJson> {
  const res = await api.call('GET', `/v1/rollouts/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as RolloutJson;
}

beforeAll(async () => {
  t = await startTestApp({
    heartbeatIntervalSeconds: 1,
    heartbeatRatePerMinute: 600,
    heartbeatBurst: 100,
    agentVersion: NEW,
    agentImage: IMAGE,
  });
  user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Rollout E2E', null, { userId: user.id, role: 'owner' });
  browser = await signIn(t, user);
  api = await apiClient(t, browser);
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', idleTimeout: 60, fetch: (request) => t.app.fetch(request) });
  const plan: [string, string][] = [
    ['a-dev', 'dev'],
    ['b-staging', 'staging'],
    ['c-dev', 'dev'],
    ['d-prod', 'production'],
    ['e-prod', 'production'],
  ];
  for (const [i, [name, environment]] of plan.entries()) {
    const sim = await startSimulator({ name, nodes: 1, pods: 12, seed: i + 1, tickMs: 0, evolve: false, logLinesPerSecond: 0, rbac: { selfUpdate: true } });
    const root = mkdtempSync(join(tmpdir(), `niro-rollout-${name}-`));
    await sim.writeInClusterFiles(root);
    const created = await api.call('POST', '/v1/clusters', { name, environment, orgId: org.id });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
    edges.push({
      name,
      environment,
      neverComesBack: name === 'e-prod',
      sim,
      root,
      clusterId: body.cluster.id,
      token: body.enrollment.token,
      agent: null,
      version: AGENT_VERSION,
    });
  }
  for (const edge of edges) edge.agent = startAgentProcess(agentEnv(edge), { command: [process.execPath, AGENT_MAIN] });
  job = startRolloutJob({ db: t.db, log: createLogger('error'), metrics: createMetrics(), intervalMs: 250, timeoutMs: ROLLOUT_TIMEOUT_MS });
  let busy = false;
  supervisor = setInterval(() => {
    if (busy) return;
    busy = true;
    void superviseOnce().finally(() => (busy = false));
  }, 100);
}, 120_000);

afterAll(async () => {
  if (supervisor) clearInterval(supervisor);
  await chromium?.close();
  await job?.stop();
  await Promise.all(edges.map((e) => e.agent?.stop()));
  server?.stop(true);
  await Promise.all(edges.map((e) => e.sim.stop()));
  for (const e of edges) rmSync(e.root, { recursive: true, force: true });
  await t.close();
});

test('5 clusters update wave by wave, production last; the one that never comes back pauses the rollout', async () => {
  // Every agent heartbeats with self-update on and the old version: update available everywhere.
  await waitUntil(
    async () => {
      const res = await api.call('GET', '/v1/clusters');
      const { clusters } = (await res.json()) as { clusters: { agent: { version: string | null; updateAvailable: boolean; selfUpdate: boolean } }[] };
      return clusters.length === 5 && clusters.every((c) => c.agent.version === AGENT_VERSION && c.agent.updateAvailable && c.agent.selfUpdate);
    },
    60_000,
    'five agents heartbeating with self-update on',
  );

  // The fleet page, open in a real browser before the rollout, follows it by its own polling.
  let page: Page | null = null;
  if (existsSync(CHROMIUM_PATH)) {
    chromium = await launchBrowser();
    page = await chromium.newPage({ viewport: { width: 1600, height: 900 } });
    await browserSignIn(page, `http://127.0.0.1:${server.port}`, user.email, user.password);
    await page.goto(`http://127.0.0.1:${server.port}/`);
    expect(await page.locator(`#cluster-${edges[0]!.clusterId} [data-update-available]`).count()).toBe(1);
  }

  const started = await api.call('POST', '/v1/rollouts', {});
  expect(started.status).toBe(201);
  const id = ((await started.json()) as RolloutJson).id;

  const paused = await waitUntil(
    async () => {
      const r = await rollout(id);
      return r.status === 'paused' ? r : null;
    },
    150_000,
    'the rollout to pause on the cluster that never comes back',
  );
  expect(paused.pauseReason).toContain('"e-prod"');
  expect(paused.pauseReason).toContain(`did not heartbeat with agent ${NEW}`);
  const target = (name: string) => paused.targets.find((x) => x.clusterName === name)!;
  expect(Object.fromEntries(paused.targets.map((x) => [x.clusterName, x.state]))).toEqual({
    'a-dev': 'done',
    'b-staging': 'done',
    'c-dev': 'done',
    'd-prod': 'done',
    'e-prod': 'failed',
  });
  // A wave was told only after the one before had come back: one, then 10 %, then the rest, production last.
  const order = ['a-dev', 'b-staging', 'c-dev', 'd-prod'];
  for (let i = 1; i < order.length; i++) {
    expect(target(order[i]!).wave).toBeGreaterThan(target(order[i - 1]!).wave);
    expect(Date.parse(target(order[i]!).toldAt!)).toBeGreaterThanOrEqual(Date.parse(target(order[i - 1]!).finishedAt!));
  }
  expect(target('e-prod').wave).toBe(target('d-prod').wave);

  // Each agent patched its own Deployment: the object the API server serves carries the new image.
  for (const edge of edges) {
    const deployment = edge.sim.get('apps/deployments', 'niro-system', 'niro-agent') as unknown as {
      spec: { template: { spec: { containers: { name: string; image: string }[] } } };
    };
    expect(deployment.spec.template.spec.containers).toHaveLength(1);
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({ name: 'niro-agent', image: IMAGE });
  }
  if (kubectlPath) {
    const edge = edges[0]!;
    const run = Bun.spawn(
      [
        kubectlPath,
        '--kubeconfig',
        edge.sim.kubeconfigPath,
        '--context',
        `${edge.sim.name}-admin`,
        '-n',
        'niro-system',
        'get',
        'deployment',
        'niro-agent',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      ],
      { stdout: 'pipe', stderr: 'pipe', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: edge.root } },
    );
    expect(await new Response(run.stdout).text()).toBe(IMAGE);
    expect(await run.exited).toBe(0);
  }

  // Niro shows the new version for the four that came back, the old one for the one that did not.
  const res = await api.call('GET', '/v1/clusters');
  const { clusters } = (await res.json()) as { clusters: { name: string; agent: { version: string; updateAvailable: boolean } }[] };
  for (const c of clusters)
    expect(c.agent).toMatchObject(c.name === 'e-prod' ? { version: AGENT_VERSION, updateAvailable: true } : { version: NEW, updateAvailable: false });
  const fleet = await (await browser.get('/')).text();
  const row = (id: string) => new RegExp(`<tr id="cluster-${id}"[\\s\\S]*?</tr>`).exec(fleet)?.[0] ?? '';
  expect(row(edges[0]!.clusterId)).toContain(NEW);
  expect(row(edges[4]!.clusterId)).toContain('update available');

  if (page) {
    // No reload: the page's 5 s poll brings the new versions in.
    for (const edge of edges.slice(0, 4)) {
      await page.waitForFunction(
        ([id, version]) => document.querySelector(`#cluster-${id}`)?.textContent?.includes(version) === true,
        [edge.clusterId, NEW] as const,
        { timeout: 30_000 },
      );
      expect(await page.locator(`#cluster-${edge.clusterId} [data-update-available]`).count()).toBe(0);
    }
    expect(await page.locator(`#cluster-${edges[4]!.clusterId} [data-update-available]`).count()).toBe(1);
  }
}, 300_000);
