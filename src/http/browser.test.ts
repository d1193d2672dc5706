// In real Chromium against the real agent on the Kubernetes simulator: every page (login, fleet, each cluster
// tab, pods and the pod drawer, the logs viewer and a workload tail, incidents, deployments, every settings
// page, the API docs, an error page) loads, polls and reacts under our Content-Security-Policy without a
// single violation or script error, and Alpine (its CSP build) still drives the log viewer and org switcher.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, testConfig, type TestApp } from '../testing/app';
import { launchBrowser, listen } from '../testing/browser';
import { startLogCluster, type LogCluster } from '../testing/log-cluster';
import { waitUntil } from '../../agent/testing/agent-process';
import { createLogger } from '../log';
import type { Job } from '../db/jobs';
import { startPodIndexJob } from '../inventory/fleet-index';

let t: TestApp;
let base: string;
let browser: Browser;
let cluster: LogCluster;
let indexJob: Job;
let clusterId = '';
let orgId = '';
let user: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  t = await startTestApp({
    heartbeatIntervalSeconds: 2,
    heartbeatRatePerMinute: 600,
    heartbeatBurst: 100,
    streams: { ...testConfig().streams, detachSeconds: 3 },
  });
  base = listen(t);
  user = await makeUser(t.db);
  orgId = (await makeOrg(t.db, 'CSP Walk', null, { userId: user.id, role: 'owner' })).id;
  await makeOrg(t.db, 'CSP Walk Child', null, { userId: user.id, role: 'admin' });
  const api = await apiClient(t, await signIn(t, user));
  const created = await api.call('POST', '/v1/clusters', { name: 'sim-csp', environment: 'production', orgId });
  const body = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
  clusterId = body.cluster.id;
  cluster = await startLogCluster({
    controlPlaneUrl: base,
    token: body.enrollment.token,
    pods: [{ namespace: 'shop', name: 'web-1', containers: [{ name: 'web', image: 'nginx:1.27' }] }],
  });
  indexJob = startPodIndexJob({ db: t.db, log: createLogger('error', () => {}), metrics: t.replica.metrics, intervalMs: 300, usageEverySeconds: 0 });
  await waitUntil(
    async () => {
      const c = (await (await api.call('GET', `/v1/clusters/${clusterId}`)).json()) as {
        capabilities: { logs?: { enabled: boolean } } | null;
        pods: { listed: number };
      };
      const listed = (await (await api.call('GET', `/v1/clusters/pods?cluster=${clusterId}&limit=1`)).json()) as { pods: unknown[] };
      return c.capabilities?.logs?.enabled && c.pods.listed > 0 && listed.pods.length > 0;
    },
    30_000,
    'the agent reports pods and the logs capability',
  );
  await cluster.agent.waitForLog((l) => l.msg === 'stream connected', 15_000, 'agent stream socket');
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await indexJob?.stop();
  await cluster?.stop();
  t?.app.server?.stop(true);
  await t?.close();
});

type Problem = { page: string; kind: string; text: string };

/** A page that records every CSP violation, uncaught error and console error, whichever document it is on. */
async function watchedPage(problems: Problem[]): Promise<Page> {
  const page = await browser.newPage();
  await page.exposeFunction('reportViolation', (v: { directive: string; blocked: string; sample: string }) => {
    problems.push({ page: page.url(), kind: 'csp', text: `${v.directive} blocked ${v.blocked} ${v.sample}` });
  });
  // Injected by the browser driver, not by the page: the policy does not apply to it.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportViolation(v: unknown): void }).reportViolation({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
    });
  });
  page.on('pageerror', (e) => problems.push({ page: page.url(), kind: 'pageerror', text: String(e) }));
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    // The error page's own 404 status is reported as a failed load; that one is meant.
    if (page.url().endsWith('/no-such-page') && m.text().includes('status of 404')) return;
    problems.push({ page: page.url(), kind: `console.${m.type()}`, text: m.text() });
  });
  return page;
}

/** Resolves after the next htmx swap in the page (a poll came back and was applied). */
async function waitForSwap(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        document.addEventListener('htmx:after:swap', () => resolve(), { once: true });
        setTimeout(() => reject(new Error('no htmx swap within 15 s')), 15_000);
      }),
  );
}

test('every page, its polls and its widgets run without a CSP violation or script error', async () => {
  const problems: Problem[] = [];
  const page = await watchedPage(problems);

  // Signed out: the login page, then sign in through it.
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', user.email);
  await page.fill('input[name=password]', user.password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);

  // The fleet, and one of its 5 s polls (a hidden tab would skip it; this one is visible).
  await page.goto(`${base}/`);
  await page.waitForSelector('#fleet-live');
  await waitForSwap(page);

  // Hidden, the tab stops polling: two poll ticks come and are dropped before any request leaves.
  let polls = 0;
  const countPolls = (r: { url(): string }) => void (new URL(r.url()).pathname === '/fleet/live' && polls++);
  page.on('request', countPolls);
  const dropped = await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    return new Promise<number>((resolve, reject) => {
      let n = 0;
      document.addEventListener('htmx:config:request', (e) => {
        const ctx = (e as CustomEvent<{ ctx?: { sourceEvent?: Event } }>).detail.ctx;
        if (ctx?.sourceEvent?.type === 'every' && e.defaultPrevented && ++n === 2) resolve(n);
      });
      setTimeout(() => reject(new Error('no poll tick within 15 s')), 15_000);
    });
  });
  expect(dropped).toBe(2);
  expect(polls).toBe(0);
  page.off('request', countPolls);

  // The cluster and every tab it links to.
  await page.goto(`${base}/clusters/${clusterId}`);
  const tabs = await page.$$eval('nav.tabs a', (as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')!));
  expect(tabs.length).toBeGreaterThanOrEqual(3);
  for (const href of tabs) {
    const res = await page.goto(base + href);
    expect({ href, status: res?.status() }).toEqual({ href, status: 200 });
  }
  await page.goto(`${base}/clusters/${clusterId}`);
  await waitForSwap(page);

  // Pods, and the drawer a row opens (charts, details, its own polls).
  await page.goto(`${base}/pods?cluster=${clusterId}`);
  await page.click('a[data-open-pod]');
  await page.waitForSelector('#pod-drawer [data-drawer-pod]', { timeout: 10_000 });
  await waitForSwap(page);

  // The pod picker and the log viewer: Alpine's CSP build evaluates every binding of the toolbar.
  await page.goto(`${base}/clusters/${clusterId}/logs`);
  await page.goto(`${base}/clusters/${clusterId}/pods/shop/web-1/logs`);
  await page.waitForSelector('#log-state[data-state="live"]', { timeout: 10_000 });
  cluster.sim.emitLines('shop', 'web-1', 'web', ['one', 'two']);
  await page.waitForFunction(() => document.querySelectorAll('#log-lines .log-line').length >= 2, undefined, { timeout: 5000 });
  await page.click('button[name=pause]');
  cluster.sim.emitLines('shop', 'web-1', 'web', ['three']);
  await page.waitForFunction(() => document.querySelector('button[name=pause]')?.textContent === 'Resume (1 new)', undefined, { timeout: 5000 });
  await page.click('button[name=pause]');
  await page.fill('input[name=search]', 'two');
  await page.press('input[name=search]', 'Enter');
  await page.waitForFunction(() => document.querySelector('.logs-bar .mono')?.textContent === '1 / 1', undefined, { timeout: 3000 });
  await page.fill('input[name=filter]', 'three');
  await page.press('input[name=filter]', 'Enter');
  expect(new URL(page.url()).pathname).toBe(`/clusters/${clusterId}/pods/shop/web-1/logs`); // submit.prevent: no navigation
  await page.waitForSelector('#log-state[data-state="live"]', { timeout: 10_000 });
  await page.goto(`${base}/logs/workload?kind=Deployment&name=coredns&namespace=kube-system`);
  await page.waitForSelector('#log-viewer');

  // Everything else a signed-in user can open.
  for (const path of [
    '/incidents',
    '/deployments',
    '/clusters/new',
    '/settings/profile',
    '/settings/tokens',
    '/settings/members',
    '/settings/orgs',
    '/settings/audit',
    '/docs/api',
    '/no-such-page',
  ]) {
    await page.goto(base + path);
    await page.waitForLoadState('load');
  }

  // The org switcher submits on change and comes back to the page it was used on (no inline handler).
  await page.goto(`${base}/settings/orgs?from=switcher`);
  const switched = page.waitForResponse((r) => new URL(r.url()).pathname === '/org-switch');
  await page.selectOption('select[name=orgId]', orgId);
  expect((await switched).headers().location).toBe('/settings/orgs?from=switcher');
  // The page came back with the org selected by the server.
  await page.waitForSelector(`select[name=orgId] option[value="${orgId}"][selected]`, { state: 'attached', timeout: 10_000 });
  expect(new URL(page.url()).search).toBe('?from=switcher');

  await page.close();
  expect(problems).toEqual([]);
}, 120_000);

test('a page cannot be framed by another origin', async () => {
  const problems: Problem[] = [];
  const page = await watchedPage(problems);
  await page.route('http://framer.example/', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: `<iframe src="${base}/login"></iframe>` }),
  );
  await page.goto('http://framer.example/');
  await page.waitForLoadState('load');
  const frame = page.frames().find((f) => f.url().startsWith(base));
  // Blocked by frame-ancestors: the frame never gets our document.
  expect(frame ? await frame.$('input[name=email]').catch(() => null) : null).toBeNull();
  await page.close();
});
