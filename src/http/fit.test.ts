// In real Chromium at 1280×800, with the long names real fleets have (cluster, namespace, pod, node, image, owner):
// the fleet, the pod table, the pod drawer, every cluster tab and the incidents page fit the viewport (the document
// never scrolls sideways, nor do the big tables or the drawer inside it).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp, type TestUser } from '../testing/app';
import { browserSignIn, launchBrowser, listen } from '../testing/browser';
import { createEnrolledCluster, makeHeartbeat, makeNode, makePod, sendHeartbeat } from '../testing/heartbeats';
import { indexFleetPods } from '../inventory/fleet-index';
import type { PodDetail } from '../contract';
import { LONG, longPods } from '../testing/long-names';

let t: TestApp;
let base: string;
let browser: Browser;
let user: TestUser;
let clusterId = '';

beforeAll(async () => {
  t = await startTestApp();
  base = listen(t);
  user = await makeUser(t.db, `${LONG.userLocalPart}@northwind-manufacturing.example.com`);
  const org = await makeOrg(t.db, LONG.orgName, null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  const clusters = [];
  for (const name of LONG.clusterNames) clusters.push(await createEnrolledCluster(t, api, { name, environment: 'production', orgId: org.id }));
  clusterId = clusters[0].clusterId;
  const nodes = [
    makeNode(0, { name: LONG.nodeNames[0] }),
    makeNode(1, { name: LONG.nodeNames[1] }),
    makeNode(2, { name: LONG.nodeNames[2], status: 'NotReady' }),
  ];
  for (const [i, c] of clusters.entries()) {
    const pods: PodDetail[] = longPods(40 + i);
    // Two beats: the second one sees the crash loop climb (an incident with the long pod name in its title).
    expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods, nodes }))).status).toBe(200);
    const climbed = pods.map((p, j) => (j === 0 ? { ...p, restarts: p.restarts + 3 } : p));
    expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: climbed, nodes }))).status).toBe(200);
  }
  await indexFleetPods(t.db, { now: new Date(), usageEverySeconds: 0 });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  t?.app.server?.stop(true);
  await t?.close();
});

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
      if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue;
      if (el.scrollWidth > el.clientWidth + 1)
        out.push(`${el.className}${el.querySelector('table[id]') ? '#' + el.querySelector('table[id]')!.id : ''} ${el.scrollWidth} > ${el.clientWidth}`);
    }
    return out;
  });
}

test('fleet, pods, pod drawer, cluster tabs and incidents fit 1280×800 with long names', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await browserSignIn(page, base, user.email, user.password);
  const paths = ['/', '/pods', `/pods?pod=${encodeURIComponent(`${clusterId}/${LONG.namespace}/${LONG.podNames[0]}`)}`, '/incidents'];
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
  // The long names are on the pages (the test would prove nothing otherwise).
  await page.goto(`${base}/pods`);
  expect(await page.locator(`text=${LONG.podNames[0]}`).count()).toBeGreaterThan(0);
  await page.close();
  expect(found).toEqual({});
}, 90_000);
