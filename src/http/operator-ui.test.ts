// In real Chromium at 1280×800, with the long names real fleets have (cluster, namespace, pod, node, image,
// owner): the fleet, the pod table, the pod drawer, every cluster tab and the incidents page fit the viewport;
// tables keep each reader's columns and density; long names are cut with the full name on hover and a copy
// button; usage sorts and bars speak in shares and load; Esc closes the drawer; every page carries the
// navigation with the right section lit; the Logs tab pages its pods; charts read without hovering.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp, type TestUser } from '../testing/app';
import { browserSignIn, launchBrowser, listen } from '../testing/browser';
import { createEnrolledCluster, makeHeartbeat, makeNode, sendHeartbeat } from '../testing/heartbeats';
import { indexFleetPods } from '../inventory/fleet-index';
import { LONG, longPods } from '../testing/long-names';

let t: TestApp;
let base: string;
let browser: Browser;
let context: BrowserContext;
let user: TestUser;
/** The first cluster: 152 pods (the Logs tab pages them); the second: 41. */
let clusterId = '';
const BIG = 152;

beforeAll(async () => {
  t = await startTestApp();
  base = listen(t);
  user = await makeUser(t.db, `${LONG.userLocalPart}@northwind-manufacturing.example.com`);
  const org = await makeOrg(t.db, LONG.orgName, null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  const clusters = [];
  for (const name of LONG.clusterNames) clusters.push(await createEnrolledCluster(t, api, { name, environment: 'production', orgId: org.id }));
  clusterId = clusters[0].clusterId;
  // A node at 100 % CPU, one at 25 %, one not ready.
  const nodes = [
    makeNode(0, { name: LONG.nodeNames[0], cpuUsageMilli: 4000 }),
    makeNode(1, { name: LONG.nodeNames[1], cpuUsageMilli: 1000 }),
    makeNode(2, { name: LONG.nodeNames[2], status: 'NotReady' }),
  ];
  for (const [i, c] of clusters.entries()) {
    const pods = longPods(i === 0 ? BIG : 41);
    // Two beats: the second one sees the crash loop climb (an incident with the long pod name in its title).
    expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods, nodes }))).status).toBe(200);
    const climbed = pods.map((p, j) => (j === 0 ? { ...p, restarts: p.restarts + 3 } : p));
    expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: climbed, nodes }))).status).toBe(200);
  }
  await indexFleetPods(t.db, { now: new Date(), usageEverySeconds: 0 });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // A missing element fails its test in 10 s, well inside the test's own timeout (which would kill the browser).
  context.setDefaultTimeout(10_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  await browserSignIn(page, base, user.email, user.password);
  await page.close();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  t?.app.server?.stop(true);
  await t?.close();
});

/** A signed-in page at 1280×800 with no remembered table preferences. */
async function freshPage(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/settings/profile`);
  await page.evaluate(() => localStorage.clear());
  return page;
}

const podKey = (name: string): string => `${clusterId}/${LONG.namespace}/${name}`;

/** What sticks out sideways on the page: the document, and any drawer or table wrapper scrolling inside it. */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) {
      // Name the widest elements: the failure says what to fix.
      const wide = [...document.querySelectorAll<HTMLElement>('body *')]
        .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1)
        .slice(-3)
        .map(
          (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} right=${Math.round(el.getBoundingClientRect().right)}`,
        );
      out.push(`document ${doc.scrollWidth} > ${doc.clientWidth} (${wide.join('; ')})`);
    }
    for (const el of document.querySelectorAll<HTMLElement>('.drawer, .table-wrap')) {
      if (el.scrollWidth > el.clientWidth + 1)
        out.push(`${el.className}${el.querySelector('table[id]') ? '#' + el.querySelector('table[id]')!.id : ''} ${el.scrollWidth} > ${el.clientWidth}`);
    }
    return out;
  });
}

/** Resolves after the next htmx swap of the element `id` (a poll came back and was applied). */
async function nextSwapOf(page: Page, id: string): Promise<void> {
  await page.evaluate(
    (target) =>
      new Promise<void>((resolve, reject) => {
        document.addEventListener('htmx:after:swap', (e) => (e.target as Element | null)?.id === target && resolve());
        setTimeout(() => reject(new Error(`no swap of #${target} within 15 s`)), 15_000);
      }),
    id,
  );
}

test('fleet, pods, pod drawer, cluster tabs and incidents fit 1280×800 with long names', async () => {
  const page = await freshPage();
  const paths = [
    '/',
    '/pods',
    `/pods?pod=${encodeURIComponent(podKey(LONG.podNames[0]))}`,
    '/pods?group=owner',
    '/incidents',
    `/clusters/${clusterId}/pods/${encodeURIComponent(LONG.namespace)}/${encodeURIComponent(LONG.podNames[0])}/logs`,
    `/logs/workload?kind=Deployment&name=${encodeURIComponent(LONG.ownerName)}`,
  ];
  await page.goto(`${base}/clusters/${clusterId}`);
  paths.push(...(await page.$$eval('nav.tabs a', (as) => as.map((a) => a.getAttribute('href')!))));
  const found: Record<string, string[]> = {};
  for (const path of paths) {
    const res = await page.goto(base + path);
    expect({ path, status: res?.status() }).toEqual({ path, status: 200 });
    if (path.includes('pod=')) await page.waitForSelector('#pod-drawer [data-drawer-pod]');
    const problems = await overflow(page);
    if (problems.length) found[path] = problems;
  }
  // Every column on, compact or not: the pod table still fits (names are cut shorter).
  await page.goto(`${base}/pods`);
  await page.evaluate(() => localStorage.setItem('niro.columns', JSON.stringify({ 'pods-table': { node: true } })));
  await page.reload();
  expect(await page.locator('#pods-table th.col-node').isVisible()).toBe(true);
  const all = await overflow(page);
  if (all.length) found['/pods with every column'] = all;
  // The long names are on the pages (the test would prove nothing otherwise).
  expect(await page.locator(`[title="${LONG.podNames[0]}"]`).count()).toBeGreaterThan(0);
  await page.close();
  expect(found).toEqual({});
}, 90_000);

describe('tables', () => {
  test('a hidden or shown column stays so across reloads and 5 s refreshes; the compact density too', async () => {
    const page = await freshPage();
    await page.goto(`${base}/`);
    expect(await page.locator('#fleet-table th.col-org').isVisible()).toBe(true);
    await page.click('details.columns summary');
    await page.uncheck('details.columns input[data-column="org"]');
    expect(await page.locator('#fleet-table th.col-org').isVisible()).toBe(false);
    expect(await page.locator('#fleet-table td.col-org').first().isVisible()).toBe(false);
    await page.reload();
    expect(await page.locator('#fleet-table th.col-org').isVisible()).toBe(false);
    expect(await page.locator('details.columns input[data-column="org"]').isChecked()).toBe(false);
    await nextSwapOf(page, 'fleet-live');
    expect(await page.locator('#fleet-table td.col-org').first().isVisible()).toBe(false);

    // The pod table's Node column is off until asked for; the choice is per table.
    await page.goto(`${base}/pods`);
    expect(await page.locator('#pods-table th.col-node').isVisible()).toBe(false);
    expect(await page.locator('#pods-table th.col-cluster').isVisible()).toBe(true);
    await page.click('details.columns summary');
    await page.check('details.columns input[data-column="node"]');
    expect(await page.locator('#pods-table td.col-node').first().isVisible()).toBe(true);
    await page.reload();
    expect(await page.locator('#pods-table th.col-node').isVisible()).toBe(true);

    // Compact rows: shorter, remembered, and the button says it is on.
    const rowHeight = () =>
      page
        .locator('#pods-table tbody tr')
        .first()
        .evaluate((tr) => tr.getBoundingClientRect().height);
    const comfortable = await rowHeight();
    await page.click('button[data-density-toggle]');
    expect(await page.getAttribute('html', 'data-density')).toBe('compact');
    expect(await rowHeight()).toBeLessThan(comfortable);
    await page.reload();
    expect(await page.getAttribute('html', 'data-density')).toBe('compact');
    expect(await page.getAttribute('button[data-density-toggle]', 'aria-pressed')).toBe('true');
    await page.close();
  }, 60_000);

  test('a long name is cut in the middle, whole on hover, and its copy button copies it whole', async () => {
    const page = await freshPage();
    const name = LONG.podNames[0];
    await page.goto(`${base}/pods?cluster=${clusterId}&q=${encodeURIComponent(name)}`);
    const cell = page.locator(`#pods-table tr[data-pod="${podKey(name)}"] td.col-pod .name`);
    expect(await cell.getAttribute('title')).toBe(name);
    // Cut: the head is shorter than its text, the end (the pod's suffix) is whole.
    const cut = await cell.evaluate((el) => {
      const head = el.querySelector('.trunc-head') as HTMLElement;
      return { cut: head.scrollWidth > head.clientWidth, tail: el.querySelector('.trunc-tail')?.textContent };
    });
    expect(cut).toEqual({ cut: true, tail: name.slice(-10) });
    await cell.hover();
    await cell.locator('button.copy').click();
    await page.waitForSelector(`#pods-table tr[data-pod="${podKey(name)}"] button.copy[data-copied]`);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(name);
    await page.close();
  }, 30_000);

  test('the Memory header sorts by usage, then % of request, then % of limit; the cells show that share', async () => {
    const page = await freshPage();
    await page.goto(`${base}/pods?cluster=${clusterId}`);
    for (const sort of ['memory', 'memory_of_request', 'memory_of_limit']) {
      await Promise.all([page.waitForURL((u) => u.searchParams.get('sort') === sort), page.click('#pods-table th.col-memory a')]);
    }
    expect(await page.locator('#pods-table th.col-memory').textContent()).toContain('% lim');
    const shares = await page.$$eval('#pods-table td.col-memory [data-usage-pct]', (els) =>
      els.map((e) => ({ of: e.getAttribute('data-usage-of'), pct: Number(e.getAttribute('data-usage-pct')) })),
    );
    expect(shares.length).toBe(50);
    expect(shares.every((s) => s.of === 'limit')).toBe(true);
    expect(shares.every((s, i) => i === 0 || shares[i - 1].pct >= s.pct)).toBe(true);
    await page.close();
  }, 30_000);

  test('usage bars take the colour of their load: a node at 100 % CPU is not drawn like one at 25 %', async () => {
    const page = await freshPage();
    await page.goto(`${base}/clusters/${clusterId}`);
    const bar = (node: string) => page.locator(`#nodes-table tr[id="node-${node}"] td.col-cpu .bar`);
    expect(await bar(LONG.nodeNames[0]).getAttribute('data-load')).toBe('crit');
    expect(await bar(LONG.nodeNames[1]).getAttribute('data-load')).toBe('normal');
    const colour = (node: string) => bar(node).evaluate((el) => getComputedStyle(el.firstElementChild!).backgroundColor);
    expect(await colour(LONG.nodeNames[0])).not.toBe(await colour(LONG.nodeNames[1]));
    await page.close();
  }, 30_000);

  test('the Logs tab lists its 152 pods 50 at a time', async () => {
    const page = await freshPage();
    await page.goto(`${base}/clusters/${clusterId}/logs`);
    expect(await page.locator('form', { hasText: 'Search' }).textContent()).toContain(`${BIG} pods`);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const rows = await page.$$eval('#log-pods tbody tr[data-pod]', (trs) => trs.map((tr) => tr.getAttribute('data-pod')!));
      expect(rows.length).toBe(i < 3 ? 50 : BIG - 150);
      for (const r of rows) seen.add(r);
      expect(await page.locator('[data-first-page]').count()).toBe(i === 0 ? 0 : 1);
      const next = page.locator('[data-next-page]');
      if ((await next.count()) === 0) break;
      await Promise.all([page.waitForURL((u) => u.searchParams.has('cursor')), next.click()]);
    }
    expect(seen.size).toBe(BIG);
    await page.close();
  }, 60_000);
});

test('Esc closes the pod drawer and takes the pod out of the address', async () => {
  const page = await freshPage();
  await page.goto(`${base}/pods?cluster=${clusterId}`);
  await page.locator(`tr[data-pod="${podKey(LONG.podNames[2])}"] a[data-open-pod]`).click();
  await page.waitForSelector(`#pod-drawer [data-drawer-pod="${podKey(LONG.podNames[2])}"]`);
  expect(new URL(page.url()).searchParams.get('pod')).toBe(podKey(LONG.podNames[2]));
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('#pod-drawer')?.children.length === 0, undefined, { timeout: 5000 });
  expect(new URL(page.url()).searchParams.get('pod')).toBeNull();
  expect(await page.locator('#pods-table tr.selected').count()).toBe(0);
  await page.close();
}, 30_000);

test('the drawer charts say their latest values without hovering; memory ticks fall on round binary figures', async () => {
  const page = await freshPage();
  await page.goto(`${base}/pods?pod=${encodeURIComponent(podKey(LONG.podNames[1]))}`);
  await page.waitForSelector('[data-pod-chart="memory"] canvas', { timeout: 10_000 });
  const legend = await page.$$eval('[data-pod-chart="memory"] .u-legend .u-series', (rows) => rows.map((r) => r.querySelector('.u-value')?.textContent ?? ''));
  // Time, usage, request, limit: the newest point, never "--" or blank.
  expect(legend[0]).toContain('(latest)');
  expect(legend.slice(1)).toEqual(['60 MiB', '128 MiB', '256 MiB']);
  const ticks = await page.evaluate(() => {
    const el = document.querySelector('[data-pod-chart="memory"]') as HTMLElement & { _chart?: { axes: { _values?: string[] }[] } };
    return el._chart!.axes[1]._values ?? [];
  });
  expect(ticks.length).toBeGreaterThan(1);
  for (const tick of ticks) expect(tick).toMatch(/^(0 B|(1|2|4|8|16|32|64|128|256|512|\d+) (KiB|MiB|GiB))$/);
  // Multiples of a power of two in one unit: 0, 128 MiB, 256 MiB — not 95, 191, 286 MiB.
  const mib = ticks.map((s) => Number(s.split(' ')[0]) * (s.endsWith('GiB') ? 1024 : 1)).filter((n) => n > 0);
  expect(mib.every((n) => n % mib[0] === 0 && (mib[0] & (mib[0] - 1)) === 0)).toBe(true);
  await page.close();
}, 30_000);

describe('navigation', () => {
  test('log pages light Pods; the 404 page and the API reference carry the navigation and the user menu', async () => {
    const page = await freshPage();
    const active = () => page.locator('header.top nav a.active').allTextContents();
    await page.goto(`${base}/clusters/${clusterId}/pods/${encodeURIComponent(LONG.namespace)}/${encodeURIComponent(LONG.podNames[1])}/logs`);
    expect(await active()).toEqual(['Pods']);
    expect(await page.locator('.crumbs .chip').textContent()).toBe('Running · 1 restart');
    await page.goto(`${base}/logs/workload?kind=Deployment&name=${encodeURIComponent(LONG.ownerName)}&namespace=${encodeURIComponent(LONG.namespace)}`);
    expect(await active()).toEqual(['Pods']);
    // A cluster's own Logs tab stays under Fleet, like its other tabs.
    await page.goto(`${base}/clusters/${clusterId}/logs`);
    expect(await active()).toEqual(['Fleet']);

    for (const [path, status] of [
      ['/no-such-page', 404],
      ['/docs/api', 200],
      [`/clusters/00000000-0000-4000-8000-000000000000`, 404],
    ] as const) {
      const res = await page.goto(base + path);
      expect({ path, status: res?.status() }).toEqual({ path, status });
      expect({ path, nav: await page.locator('header.top nav a').allTextContents() }).toEqual({
        path,
        nav: ['Fleet', 'Pods', 'Incidents', 'Policies', 'Deployments', 'Settings'],
      });
      expect({ path, who: await page.locator('header.top .who').getAttribute('title') }).toEqual({ path, who: user.email });
      expect({ path, switcher: await page.locator('header.top select[name=orgId]').count() }).toEqual({ path, switcher: 1 });
    }
    await page.close();

    // Signed out: the same navigation, and a way to sign in.
    const anonymous = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    for (const path of ['/no-such-page', '/docs/api']) {
      await anonymous.goto(base + path);
      expect({
        path,
        nav: await anonymous.locator('header.top nav a').count(),
        signIn: await anonymous.locator('header.top a[href="/login"]').count(),
      }).toEqual({ path, nav: 6, signIn: 1 });
    }
    await anonymous.close();
  }, 60_000);
});
