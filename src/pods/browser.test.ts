// In real Chromium against the real agent on the Kubernetes simulator: workloads across clusters are (namespace, kind, name) — one name in two namespaces is two rows, no false drift; /pods lists the cluster's pods, a row opens the drawer whose uPlot charts draw the agent's samples, the 5 s refresh keeps the drawer, selection and scroll, the back button returns to the previous pod, and without metrics-server the drawer says "metrics unavailable".
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startSimulator, type Simulator } from '../../sim/index.ts';
import { startAgentProcess, waitUntil, type AgentProcess } from '../../agent/testing/agent-process.ts';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen } from '../testing/browser';
import { createLogger } from '../log';
import type { Job } from '../db/jobs';
import { startPodIndexJob } from '../inventory/fleet-index';
import { createEnrolledCluster, makeHeartbeat, makePod, sendHeartbeat } from '../testing/heartbeats';

type Api = Awaited<ReturnType<typeof apiClient>>;
type PodJson = { namespace: string; name: string; status: string; cpu: { usageMilli: number | null }; memory: { usageBytes: number | null } };

let t: TestApp;
let api: Api;
let base: string;
let browser: Browser;
let sim: Simulator;
let agent: AgentProcess;
let indexJob: Job;
let root: string;
let clusterId: string;
let user: { email: string; password: string };

beforeAll(async () => {
  t = await startTestApp({ heartbeatIntervalSeconds: 2, heartbeatRatePerMinute: 600, heartbeatBurst: 100 });
  base = listen(t);
  const u = await makeUser(t.db);
  user = u;
  const org = await makeOrg(t.db, 'Browser Pods', null, { userId: u.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, u));
  // Usage random-walks every second; no spontaneous rollouts, so the pod list holds still.
  sim = await startSimulator({ name: 'pods-ui', nodes: 3, pods: 40, tickMs: 1000, evolve: false, cronEveryTicks: 0, logLinesPerSecond: 0 });
  root = mkdtempSync(join(tmpdir(), 'niro-pods-ui-'));
  await sim.writeInClusterFiles(root);
  const created = await api.call('POST', '/v1/clusters', { name: 'sim-edge', environment: 'production', orgId: org.id });
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
  // What one replica runs in production, at a test's pace.
  indexJob = startPodIndexJob({ db: t.db, log: createLogger('error', () => {}), metrics: t.replica.metrics, intervalMs: 300, usageEverySeconds: 0 });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await indexJob?.stop();
  await agent?.stop(3000);
  await t.app.stop?.();
  await sim?.stop();
  await t.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function pods(query = ''): Promise<PodJson[]> {
  const res = await api.call('GET', `/v1/clusters/pods?cluster=${clusterId}&limit=200${query}`);
  return ((await res.json()) as { pods: PodJson[] }).pods;
}

/** Resolves once `count` more htmx swaps of #pods-live have happened in the page. */
async function waitForRefreshes(page: Page, count: number): Promise<void> {
  const start = await page.evaluate(() => (window as unknown as { liveSwaps: number }).liveSwaps);
  await page.waitForFunction((n) => (window as unknown as { liveSwaps: number }).liveSwaps >= n, start + count, { timeout: 20_000 });
}

test('the drawer charts the agent’s samples, survives refreshes, and says "metrics unavailable" once metrics-server is gone', async () => {
  // The agent enrolls and heartbeats; the index job lists its pods with usage.
  await waitUntil(async () => (await pods()).some((p) => p.memory.usageBytes !== null), 30_000, 'pods with usage in the fleet list');
  const simPods = sim.list('pods');
  const listed = await pods();
  expect(listed.length).toBe(simPods.length);
  const coredns = listed.find((p) => p.name.startsWith('coredns') && p.memory.usageBytes !== null)!;
  expect(coredns).toBeDefined();
  // Enough beats for a chart of several 15 s buckets.
  await waitUntil(
    async () => {
      const res = await api.call('GET', `/v1/clusters/${clusterId}/pods/${coredns.namespace}/${coredns.name}/metrics?step=15`);
      return ((await res.json()) as { points: unknown[] }).points.length >= 2;
    },
    60_000,
    'two 15 s buckets of samples',
  );

  const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/pods?cluster=${clusterId}`);
  await page.evaluate(() => {
    const w = window as unknown as { liveSwaps: number; loadedOnce: boolean };
    w.liveSwaps = 0;
    w.loadedOnce = true;
    document.addEventListener('htmx:after:swap', (e) => {
      if ((e.target as Element)?.id === 'pods-live') w.liveSwaps++;
    });
  });
  expect(await page.locator('#pods-table tbody tr[data-pod]').count()).toBe(Math.min(50, simPods.length));

  // Open the drawer from the row: the URL carries the pod, the charts draw real samples.
  const key = `${clusterId}/${coredns.namespace}/${coredns.name}`;
  await page.locator(`tr[data-pod="${key}"] a[data-open-pod]`).click();
  await page.waitForSelector(`#pod-drawer [data-drawer-pod="${key}"]`);
  await page.waitForSelector('[data-pod-chart="cpu"] canvas', { timeout: 10_000 });
  await page.waitForSelector('[data-pod-chart="memory"] canvas', { timeout: 10_000 });
  expect(new URL(page.url()).searchParams.get('pod')).toBe(key);
  const drawn = await page.evaluate(() => {
    const el = document.querySelector('[data-pod-chart="memory"]') as HTMLElement & { _chart?: { data: (number | null)[][] } };
    const data = el._chart!.data;
    return { points: data[0].length, values: data[1].filter((v) => v !== null).length, limitLine: data[3].some((v) => v !== null) };
  });
  expect(drawn.points).toBeGreaterThanOrEqual(2);
  expect(drawn.values).toBeGreaterThanOrEqual(2);
  // coredns has a memory limit in k3s: the limit line is drawn.
  expect(drawn.limitLine).toBe(true);
  expect(await page.locator('#pod-drawer [data-usage-tile="memory"] [data-pct-of="limit"]').count()).toBe(1);
  // This cluster does not grant the logs capability: no log button, but where to enable it.
  expect(await page.locator('#pod-drawer [data-view-logs]').count()).toBe(0);
  expect(await page.locator('#pod-drawer [data-logs-off] a').getAttribute('href')).toBe(`/clusters/${clusterId}/logs`);
  expect(await page.locator(`tr[data-pod="${key}"]`).getAttribute('class')).toContain('selected');

  // The 5 s refresh: drawer still open (same element), row still selected, scroll kept, no reload.
  await page.evaluate(() => {
    (document.querySelector('#pod-drawer aside') as HTMLElement & { mark?: string }).mark = 'kept';
    window.scrollTo(0, 300);
  });
  const scrolled = await page.evaluate(() => window.scrollY);
  await waitForRefreshes(page, 2);
  expect(await page.evaluate(() => (document.querySelector('#pod-drawer aside') as HTMLElement & { mark?: string })?.mark)).toBe('kept');
  expect(await page.locator(`tr[data-pod="${key}"]`).getAttribute('class')).toContain('selected');
  expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
  expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);

  // Another window of the plan (free: up to 24 h) redraws the charts.
  await page.locator('#pod-chart a[data-window="6h"]').click();
  await page.waitForSelector('#pod-chart a[data-window="6h"].active');
  await page.waitForSelector('[data-pod-chart="memory"] canvas');

  // A second pod, then Back: the first pod's drawer again.
  const other = listed.find((p) => p.name !== coredns.name && p.status === 'Running')!;
  const otherKey = `${clusterId}/${other.namespace}/${other.name}`;
  await page.locator(`tr[data-pod="${otherKey}"] a[data-open-pod]`).click();
  await page.waitForSelector(`#pod-drawer [data-drawer-pod="${otherKey}"]`);
  await page.goBack();
  await page.waitForSelector(`#pod-drawer [data-drawer-pod="${key}"]`, { timeout: 10_000 });

  // metrics-server uninstalled: the next heartbeats say so; the drawer shows why instead of usage.
  sim.setMetrics(false);
  await waitUntil(async () => (await pods()).every((p) => p.memory.usageBytes === null), 20_000, 'usage gone from the fleet list');
  await page.goto(`${base}/pods?cluster=${clusterId}&pod=${encodeURIComponent(key)}`);
  const note = page.locator('#pod-drawer-live [data-metrics-unavailable]');
  await note.waitFor({ timeout: 10_000 });
  expect(await note.textContent()).toContain('Metrics unavailable: metrics-server is not installed or not serving in this cluster');
  expect(await page.locator('#pod-drawer [data-usage-tile="memory"] .v').textContent()).toBe('—');
  // History from before stays charted; the table shows no usage rather than an error.
  await page.waitForSelector('[data-pod-chart="memory"] canvas');
  expect((await page.locator(`tr[data-pod="${key}"] td`).nth(9).textContent())!.trim()).toBe('—');
  await page.close();
}, 150_000);

test('workloads across clusters: the same name in two namespaces is two workloads, and neither shows drift', async () => {
  const org = (await (await api.call('GET', '/v1/orgs')).json()) as { orgs: { id: string; name: string }[] };
  const orgId = org.orgs.find((o) => o.name === 'Browser Pods')!.id;
  const teams = await createEnrolledCluster(t, api, { name: 'two-teams', orgId });
  const pod = (i: number, namespace: string, image: string) => {
    const p = makePod(700 + i, { namespace, name: `api-6c5d-${namespace}-${i}`, ownerKind: 'Deployment', ownerName: 'api' });
    p.containerDetails = p.containerDetails.map((c) => ({ ...c, image }));
    return p;
  };
  const beat = await sendHeartbeat(
    t,
    teams.agentKey,
    makeHeartbeat({
      pods: [
        pod(0, 'team-a', 'registry.example.com/a/api:1.0'),
        pod(1, 'team-a', 'registry.example.com/a/api:1.0'),
        pod(2, 'team-b', 'registry.example.com/b/api:7.3'),
      ],
    }),
  );
  expect(beat.status).toBe(200);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await browserSignIn(page, base, user.email, user.password);
  // The index job picks the heartbeat up within a pass or two.
  await waitUntil(
    async () => {
      await page.goto(`${base}/pods?group=owner&cluster=${teams.clusterId}`);
      return (await page.locator('section[data-workload]').count()) === 2;
    },
    15_000,
    'two workloads listed',
  );
  expect(await page.$$eval('section[data-workload]', (els) => els.map((e) => e.getAttribute('data-workload')))).toEqual([
    'team-a/Deployment/api',
    'team-b/Deployment/api',
  ]);
  expect(await page.locator('.chip.drift').count()).toBe(0);
  expect(await page.locator('tr.drift').count()).toBe(0);
  expect(await page.locator('[data-note="workload-identity"]').isVisible()).toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await page.close();
}, 60_000);
