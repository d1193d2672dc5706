// In real Chromium (1280×800) against the real agent and the Kubernetes simulator: the workload tail of a Deployment with an envoy sidecar shows its lines (each pod's main container by default), and the user picks the sidecar, or every container; a container no pod has is an error in the viewer, not an empty pane.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen } from '../testing/browser';
import { startLogCluster, type LogCluster } from '../testing/log-cluster';
import { waitUntil } from '../../agent/testing/agent-process';

let t: TestApp;
let base: string;
let browser: Browser;
let cluster: LogCluster;
let user: Awaited<ReturnType<typeof makeUser>>;
let checkout: string[] = [];

beforeAll(async () => {
  t = await startTestApp({ heartbeatIntervalSeconds: 2, heartbeatRatePerMinute: 600, heartbeatBurst: 100 });
  base = listen(t);
  user = await makeUser(t.db);
  const orgId = (await makeOrg(t.db, 'Sidecars', null, { userId: user.id, role: 'owner' })).id;
  const api = await apiClient(t, await signIn(t, user));
  const created = await api.call('POST', '/v1/clusters', { name: 'sidecar-shop', environment: 'production', orgId });
  const body = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
  cluster = await startLogCluster({ controlPlaneUrl: base, token: body.enrollment.token, simPods: 30 });
  checkout = cluster.sim
    .list('pods', 'shop')
    .map((p) => p.metadata.name as string)
    .filter((n) => n.startsWith('checkout-'));
  expect(checkout.length).toBe(2);
  await waitUntil(
    async () => {
      const c = (await (await api.call('GET', `/v1/clusters/${body.cluster.id}`)).json()) as { capabilities: { logs?: { enabled: boolean } } | null };
      const found = await Promise.all(checkout.map(async (pod) => (await api.call('GET', `/v1/clusters/${body.cluster.id}/pods/shop/${pod}`)).status === 200));
      return c.capabilities?.logs?.enabled && found.every(Boolean);
    },
    30_000,
    'the logs capability and the checkout pods reported',
  );
  await cluster.agent.waitForLog((l) => l.msg === 'stream connected', 15_000, 'agent stream socket');
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
  t?.app.server?.stop(true);
  await t?.close();
});

/** The lines shown, as "<prefix> <text>" (the prefix names cluster/pod:container). */
const shownLines = (page: Page): Promise<string[]> =>
  page.$$eval('#log-lines .log-line:not(.log-note):not(.log-gap):not(.log-end)', (els) =>
    els.map((e) => {
      const prefix = e.querySelector('.log-prefix')?.textContent ?? '';
      return `${prefix} ${(e.textContent ?? '').slice(prefix.length)}`;
    }),
  );

/** Waits until the tail holds `n` open Kubernetes log requests (one per container followed), then writes a line into each of `container`. */
async function emitWhenFollowed(n: number, container: string, text: (pod: string) => string): Promise<void> {
  await waitUntil(() => cluster.sim.openLogRequests() === n, 10_000, `${n} log requests open`);
  for (const pod of checkout) expect(cluster.sim.emitLines('shop', pod, container, [text(pod)])).toBe(true);
}

async function pick(page: Page, value: string, requests: number): Promise<void> {
  await page.selectOption('select[name=container]', value);
  // The old tail's requests close and the new one's open: wait for exactly the new count.
  await waitUntil(() => cluster.sim.openLogRequests() === requests, 10_000, `${requests} log requests after picking "${value}"`);
}

test('a sidecar Deployment: the main containers’ lines by default, then the sidecar, then every container', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await browserSignIn(page, base, user.email, user.password);
  const baseline = cluster.sim.openLogRequests();
  await page.goto(`${base}/logs/workload?kind=Deployment&name=checkout&namespace=shop`);
  await page.waitForSelector('#log-state[data-state="live"]', { timeout: 10_000 });
  expect(await page.$eval('select[name=container]', (s) => (s as HTMLSelectElement).value)).toBe('');
  expect(await page.$$eval('select[name=container] option', (os) => os.map((o) => o.textContent?.trim()))).toEqual([
    'main (each pod’s first app container)',
    'all containers',
    'checkout',
    'envoy',
  ]);

  // Main: checkout, one stream per pod; their lines arrive, prefixed with cluster, pod and container.
  await emitWhenFollowed(baseline + 2, 'checkout', (pod) => `order accepted by ${pod}`);
  // Both pods' lines, not just any two: each pod's earlier output (the tail) may arrive first.
  await page.waitForFunction(
    () => [...document.querySelectorAll('#log-lines .log-line')].filter((e) => e.textContent?.includes('order accepted by')).length === 2,
    undefined,
    { timeout: 5000 },
  );
  const main = await shownLines(page);
  for (const pod of checkout) expect(main).toContain(`sidecar-shop/${pod}:checkout order accepted by ${pod}`);

  // The sidecar.
  await pick(page, 'envoy', baseline + 2);
  await emitWhenFollowed(baseline + 2, 'envoy', (pod) => `[envoy] GET /healthz 200 via ${pod}`);
  await page.waitForFunction(
    () => [...document.querySelectorAll('#log-lines .log-line')].filter((e) => e.textContent?.includes('[envoy]')).length === 2,
    undefined,
    { timeout: 5000 },
  );
  // (Each envoy's earlier output comes first: the tail asks for the last 100 lines.)
  const sidecar = await shownLines(page);
  for (const pod of checkout) expect(sidecar).toContain(`sidecar-shop/${pod}:envoy [envoy] GET /healthz 200 via ${pod}`);
  expect(sidecar.every((l) => l.includes(':envoy '))).toBe(true);

  // Every container: two per pod.
  await pick(page, '*', baseline + 4);
  for (const pod of checkout) {
    cluster.sim.emitLines('shop', pod, 'checkout', [`all: app of ${pod}`]);
    cluster.sim.emitLines('shop', pod, 'envoy', [`all: proxy of ${pod}`]);
  }
  await page.waitForFunction(
    () => [...document.querySelectorAll('#log-lines .log-line')].filter((e) => /all: (app|proxy) of/.test(e.textContent ?? '')).length === 4,
    undefined,
    { timeout: 5000 },
  );
  const all = (await shownLines(page)).filter((l) => l.includes(' all: '));
  expect(all.map((l) => l.replace(/^sidecar-shop\/[^:]+:/, '')).sort()).toEqual(
    checkout.flatMap((pod) => [`checkout all: app of ${pod}`, `envoy all: proxy of ${pod}`]).sort(),
  );
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

  await page.close();
  await waitUntil(() => cluster.sim.openLogRequests() === baseline, 10_000, 'the tail’s requests closed');
}, 90_000);

test('a container no pod has: the viewer says why nothing is tailed', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/logs/workload?kind=Deployment&name=checkout&namespace=shop&container=nginx`);
  await page.waitForSelector('#log-state[data-state="ended"]', { timeout: 10_000 });
  const text = await page.textContent('#log-lines');
  expect(text).toContain('nothing to tail in Deployment/checkout: 2 pods skipped');
  expect(text).toContain('no container "nginx" in this pod (it has: checkout, envoy)');
  await page.close();
}, 60_000);
