// In real Chromium: add a cluster, see its token and install command, and watch the fleet row turn Healthy and its heartbeat age tick without a reload;
// the age is worded by the browser (it changes with every request blocked), and an unchanged poll is answered 304.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen } from '../testing/browser';
import { createEnrolledCluster, enroll, makeHeartbeat, makePods, sendHeartbeat } from '../testing/heartbeats';

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

/** Polls `read` until `done` holds, at most `ms`; returns the last value read. */
async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, ms: number): Promise<T> {
  const until = Date.now() + ms;
  let v = await read();
  while (!done(v) && Date.now() < until) {
    await Bun.sleep(200);
    v = await read();
  }
  return v;
}

test('add a cluster, install command shown, row goes live after a heartbeat', async () => {
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Browser Fleet', null, { userId: user.id, role: 'owner' });
  const page: Page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  expect(new URL(page.url()).pathname).toBe('/');
  expect(await page.locator('text=No clusters yet').count()).toBe(1);

  await page.click('text=Add cluster');
  await page.fill('input[name=name]', 'edge-browser-01');
  await page.selectOption('select[name=environment]', 'production');
  await page.click('button:has-text("Create cluster")');
  const token = (await page.locator('[data-token]').textContent())!.trim();
  const command = (await page.locator('[data-install-command]').textContent())!.trim();
  expect(token).toMatch(/^niro_enr_/);
  expect(command).toBe(`curl -fsSL ${t.config.publicUrl}/install.sh | NIRO_TOKEN=${token} sh`);

  await page.goto(`${base}/`);
  const row = page.locator('tr[data-cluster="edge-browser-01"]');
  expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('pending');
  // Marks this document: if the page reloaded, the mark would be gone.
  await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));

  const enrolled = await enroll(t, token);
  const { agentKey } = (await enrolled.json()) as { agentKey: string };
  expect((await sendHeartbeat(t, agentKey, makeHeartbeat({ pods: makePods(20) }))).status).toBe(200);

  // The 5 s poll brings the heartbeat in.
  const status = await waitFor(() => row.locator('[data-status]').getAttribute('data-status'), (s) => s === 'healthy', 12_000);
  expect(status).toBe('healthy');
  expect((await row.locator('td[data-pods]').textContent())!.trim()).toBe('20/20 running');
  const age1 = (await row.locator('td[data-last-heartbeat] time').textContent())!.trim();
  expect(age1).toMatch(/^\d+ s ago$/);
  const age2 = await waitFor(async () => (await row.locator('td[data-last-heartbeat] time').textContent())!.trim(), (a) => a !== age1, 12_000);
  expect(age2).not.toBe(age1);
  expect(age2).toMatch(/^\d+ s ago$/);
  expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
  await page.close();
}, 60_000);

test('heartbeat ages are worded by the browser, never shown absolute once it runs; an unchanged poll is answered 304', async () => {
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Wire Fleet', null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  const cluster = await createEnrolledCluster(t, api, { name: 'edge-wire-01', orgId: org.id });
  expect((await sendHeartbeat(t, cluster.agentKey, makeHeartbeat({ pods: makePods(3) }))).status).toBe(200);

  const page: Page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  const time = page.locator('tr[data-cluster="edge-wire-01"] td[data-last-heartbeat] time');
  expect(await time.getAttribute('data-relative')).toBe('ago');
  expect((await time.textContent())!.trim()).toMatch(/^\d+ s ago$/);
  // From here on, any relative time that shows the server's absolute text (even between a swap and the next tick) is caught.
  await page.evaluate(() => {
    const w = window as unknown as { absoluteSeen: string[] };
    w.absoluteSeen = [];
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('time[data-relative]')) if (el.textContent?.includes('UTC')) w.absoluteSeen.push(el.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });

  // Nothing changes in the fleet: the first poll of /fleet/live fills the browser's cache, the next goes out with
  // If-None-Match on its own and is answered 304 (the access log records what was sent).
  const polled304 = await waitFor(async () => t.logs.some((l) => l.includes('"path":"/fleet/live"') && l.includes('"status":304')), Boolean, 20_000);
  expect(polled304).toBe(true);
  expect(await page.locator('tr[data-cluster="edge-wire-01"] [data-status]').getAttribute('data-status')).toBe('healthy');

  // No request reaches the server any more, and the words still change: the browser words them from datetime.
  await page.route('**/*', (route) => route.abort());
  const before = (await time.textContent())!.trim();
  const after = await waitFor(async () => (await time.textContent())!.trim(), (a) => a !== before, 5_000);
  expect(after).not.toBe(before);
  expect(after).toMatch(/^\d+ s ago$/);
  await page.unroute('**/*');
  expect(await page.evaluate(() => (window as unknown as { absoluteSeen: string[] }).absoluteSeen)).toEqual([]);
  await page.close();
}, 60_000);
