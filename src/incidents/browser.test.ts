// In real Chromium: a heartbeat's crash loop appears on the fleet page (its count), in the navigation and on
// /incidents without a reload; it is acknowledged from the list and silenced from its page.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen, waitFor } from '../testing/browser';
import { createEnrolledCluster, makeHeartbeat, makePod, sendHeartbeat } from '../testing/heartbeats';

let t: TestApp;
let browser: Browser;
let base: string;
beforeAll(async () => {
  t = await startTestApp();
  base = listen(t);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t.app.stop?.();
  await t.close();
});

test('an incident shows up live on the fleet page and /incidents, is acknowledged and silenced', async () => {
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Browser Incidents', null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  const c = await createEnrolledCluster(t, api, { name: 'edge-incidents', environment: 'production' });
  const pods = Array.from({ length: 3 }, (_, k) => makePod(k * 40));
  expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods }))).status).toBe(200);

  const page: Page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  const fleetCount = () => page.locator('[data-fleet-incidents]').getAttribute('data-fleet-incidents');
  expect(await fleetCount()).toBe('0');
  await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));

  const crashing = pods.map((p) => ({
    ...p,
    status: 'CrashLoopBackOff',
    restarts: 4,
    containerDetails: [{ ...p.containerDetails[0], state: 'waiting' as const, stateReason: 'CrashLoopBackOff', ready: false }, p.containerDetails[1]],
  }));
  expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: crashing }))).status).toBe(200);

  // The fleet poll and the navigation's count bring it in without a reload.
  expect(await waitFor(fleetCount, (n) => n === '1', 12_000)).toBe('1');
  expect(
    await waitFor(
      () => page.locator('#nav-incidents').getAttribute('data-open-incidents'),
      (n) => n === '1',
      12_000,
    ),
  ).toBe('1');
  expect(await page.locator('tr[data-cluster="edge-incidents"] [data-status]').getAttribute('data-status')).toBe('critical');
  expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);

  // /incidents, open before a second problem: the node appears with the next poll.
  await page.goto(`${base}/incidents`);
  const rows = page.locator('#incidents-live tr[data-incident]');
  expect(await rows.count()).toBe(1);
  expect(await page.locator('#incidents-live [data-workload-link]').first().textContent()).toBe('Deployment team-0/app-0');
  await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));
  const nodeDown = makeHeartbeat({ pods: crashing, nodes: [{ ...makeHeartbeat().nodes[0], status: 'NotReady' }] });
  expect((await sendHeartbeat(t, c.agentKey, nodeDown)).status).toBe(200);
  expect(
    await waitFor(
      () => rows.count(),
      (n) => n === 2,
      12_000,
    ),
  ).toBe(2);
  expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);

  // Acknowledge from the list: the row says who, at once (the action asks the list to refresh).
  const crashRow = page.locator('#incidents-live tr[data-incident="pod_crash_looping"]');
  await crashRow.locator('button[data-ack]').click();
  expect(
    await waitFor(
      () => crashRow.locator('[data-acknowledged]').count(),
      (n) => n === 1,
      5_000,
    ),
  ).toBe(1);
  expect(await crashRow.locator('[data-acknowledged]').textContent()).toContain(user.email);

  // Silence it from its own page (matchers prefilled from the incident).
  await crashRow.locator('td.wrap a').first().click();
  await page.waitForURL((u) => /^\/incidents\/[0-9a-f-]{36}$/.test(u.pathname));
  expect(await page.locator('tr[data-transition]').count()).toBe(2);
  await page.fill('[data-silence-form] input[name=comment]', 'known issue, fix deploying');
  await Promise.all([page.waitForURL((u) => /^\/incidents\/[0-9a-f-]{36}$/.test(u.pathname)), page.click('[data-silence-submit]')]);
  expect(await page.locator('dt:has-text("Silenced until")').count()).toBe(1);
  await page.goto(`${base}/incidents`);
  expect(await page.locator('#incidents-live tr[data-incident="pod_crash_looping"] [data-silenced]').count()).toBe(1);
  expect(await page.locator('#incidents-live tr[data-incident="node_not_ready"] [data-silenced]').count()).toBe(0);
  expect(await page.locator('#silences tr[data-silence="active"]').count()).toBe(1);
  await page.close();
});
